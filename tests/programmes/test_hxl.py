"""HXL exports (https://hxlstandard.org): contributions and 3W pass libhxl's schemas."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.permissions import Principal
from iofs.programmes import contributions, review
from iofs.programmes.exchange import hxl as hxl_export
from iofs.roles import Role

CHECKER = Principal(roles={Role.SECRETARIAT: frozenset()}, label="checker")


def _rows(text: str) -> tuple[list[str], list[str], list[dict[str, str]]]:
    lines = list(csv.reader(io.StringIO(text)))
    headers, tags = lines[0], lines[1]
    return headers, tags, [dict(zip(tags, line, strict=True)) for line in lines[2:]]


def _hxl_dir(shared_data: Path) -> Path:
    folder = shared_data / "hxl"
    if not (folder / "iofs-example-schema.hxl.csv").is_file():
        pytest.skip(f"HXL reference files not found in {folder}")
    return folder


def _contribute(session: Session, data: dict[str, Any], decision: str | None) -> None:
    contribution, _changed = contributions.put_contribution(session, cli_principal(), data)
    session.flush()
    if decision:
        review.decide(
            session,
            CHECKER,
            "contribution",
            contribution.id,
            decision,
            "checked" if decision == "approved" else "wrong donor",
        )


def test_contributions_pass_the_default_and_the_iofs_schema(
    programme_data: sessionmaker[Session], shared_data: Path
) -> None:
    folder = _hxl_dir(shared_data)
    with transaction(programme_data) as session:
        text = hxl_export.contributions_csv(session)
    assert hxl_export.validation_errors(text) == []
    assert hxl_export.validation_errors(text, folder / "libhxl-default-schema.json") == []
    assert hxl_export.validation_errors(text, folder / "iofs-example-schema.hxl.csv") == []
    headers, tags, rows = _rows(text)
    example = list(
        csv.reader(
            io.StringIO((folder / "iofs-example-contributions.hxl.csv").read_text(encoding="utf-8"))
        )
    )
    assert tags[: len(example[1])] == example[1]
    assert headers[: len(example[0])] == example[0]
    assert "#currency" in tags and not any(
        tag.startswith("#value") and "currency" in tag for tag in tags
    )
    by_id = {row["#activity+id+contribution"]: row for row in rows}
    kazakh = by_id["F4H-GAZA-KAZ-1"]
    assert kazakh["#org+funder+name"] == "Kazakhstan"
    assert kazakh["#org+funder+type"] == "Government"
    assert kazakh["#country+code+v_iso3"] == "PSE"
    assert kazakh["#adm1+name"] == "Gaza Strip"
    assert kazakh["#value+funding+total+usd"] == "40000"
    assert kazakh["#meta+new_money"] == "true"
    child = by_id["F4H-GAZA-IOFS-PARTNER-1"]
    assert child["#meta+contribution+parent"] == "F4H-GAZA-KAZ-1"
    assert child["#meta+new_money"] == "false"
    new_money = sum(
        Decimal(row["#value+funding+total+usd"])
        for row in rows
        if row["#meta+new_money"] == "true" and row["#activity+appeal+id+external"] == "F4H-GAZA"
    )
    assert new_money == Decimal("100000")


def test_a_tampered_copy_fails_the_iofs_schema(
    programme_data: sessionmaker[Session], shared_data: Path
) -> None:
    folder = _hxl_dir(shared_data)
    with transaction(programme_data) as session:
        text = hxl_export.contributions_csv(session)
    lines = text.splitlines()
    row = lines[2].split(",")
    tags = lines[1].split(",")
    row[tags.index("#status+funding")] = "promised"
    row[tags.index("#value+funding+total+usd")] = "-" + row[tags.index("#value+funding+total+usd")]
    tampered = "\n".join([*lines[:2], ",".join(row), *lines[3:]]) + "\n"
    errors = hxl_export.validation_errors(tampered, folder / "iofs-example-schema.hxl.csv")
    assert len(errors) == 2, errors
    assert any("#status+funding" in error and "promised" in error for error in errors)
    assert any("#value+funding+total+usd" in error and "Row 1" in error for error in errors)
    # the default schema does not know our statuses but still wants numbers in #value
    row[tags.index("#value+funding+total+usd")] = "forty thousand"
    broken = "\n".join([*lines[:2], ",".join(row), *lines[3:]]) + "\n"
    assert any(
        "#value+funding+total+usd" in error for error in hxl_export.validation_errors(broken)
    )


def test_pending_and_rejected_are_not_exported_and_years_split(
    programme_data: sessionmaker[Session],
) -> None:
    base = {
        "donor": "AZE",
        "appeal": "F4H-GAZA",
        "project": "F4H-PSE",
        "status": "commitment",
        "decided_on": date(2024, 12, 20),
    }
    with transaction(programme_data) as session:
        _contribute(session, {**base, "reference": "HXL-PENDING", "amount": "1000"}, None)
        _contribute(session, {**base, "reference": "HXL-REJECTED", "amount": "2000"}, "rejected")
        _contribute(
            session,
            {
                **base,
                "reference": "HXL-SPLIT",
                "currency": "EUR",
                "amount": "10000",
                "exchange_rate": "1.1",
                "rate_date": date(2024, 12, 20),
                "rate_source": "ECB reference rate",
                "years": {2025: "7000", 2026: "4000"},
            },
            "approved",
        )
    with transaction(programme_data) as session:
        text = hxl_export.contributions_csv(session)
    assert hxl_export.validation_errors(text) == []
    _headers, _tags, rows = _rows(text)
    references = [row["#activity+id+contribution"] for row in rows]
    assert "HXL-PENDING" not in references and "HXL-REJECTED" not in references
    split = [row for row in rows if row["#activity+id+contribution"] == "HXL-SPLIT"]
    assert [(row["#date+year"], row["#value+funding+total+usd"]) for row in split] == [
        ("2025", "7000"),
        ("2026", "4000"),
    ]
    assert [row["#currency"] for row in split] == ["EUR", "EUR"]
    originals = [Decimal(row["#value+funding+total"]) for row in split]
    assert sum(originals) == Decimal("10000")
    assert originals[0] == Decimal("6363.64")  # 10,000 EUR × 7,000 / 11,000


def test_three_w_passes_the_default_schema(
    programme_data: sessionmaker[Session], shared_data: Path
) -> None:
    folder = _hxl_dir(shared_data)
    with transaction(programme_data) as session:
        text = hxl_export.three_w_csv(session)
    assert hxl_export.validation_errors(text) == []
    assert hxl_export.validation_errors(text, folder / "libhxl-default-schema.json") == []
    _headers, tags, rows = _rows(text)
    for tag in (
        "#org+impl+name",
        "#sector+code",
        "#country+code",
        "#adm1+name",
        "#activity+name",
        "#reached+ind",
        "#reached+hh",
    ):
        assert tag in tags
    by_code = {row["#activity+code"]: row for row in rows}
    assert set(by_code) == {"AFSP-AFG", "F4H-PSE"}
    gaza = by_code["F4H-PSE"]
    assert gaza["#org+impl+name"] == "Implementing partner in Gaza (illustrative)"
    assert gaza["#country+code"] == "PSE" and gaza["#adm1+name"] == "Gaza Strip"
    assert gaza["#reached+hh"] == "8000" and gaza["#reached+ind"] == ""
    assert gaza["#sector+name"] == "Emergency food assistance"
    assert by_code["AFSP-AFG"]["#reached+hh"] == ""
    broken = text.replace(",8000", ",eight thousand")
    assert any("#reached+hh" in error for error in hxl_export.validation_errors(broken))
