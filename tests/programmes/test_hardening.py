"""Attacks of issue 20 on the programmes module, reproduced: hostile workbooks (item 2),
cross-state writes (4), maker–checker races (5), formula injection in exports (7)."""

from __future__ import annotations

import csv
import io
import os
import threading
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.accounts.service import cli_principal
from iofs.audit.models import AuditEntry
from iofs.cli import app as cli_app
from iofs.config import Settings
from iofs.db import transaction
from iofs.errors import InputError
from iofs.permissions import Principal
from iofs.programmes import contributions, registry, review
from iofs.programmes.models import Beneficiaries, Consignment, Contribution
from iofs.roles import Role
from tests.conftest import make_user
from tests.test_spreadsheets import (
    LAUGHS,
    XXE,
    dimension_bomb,
    far_row_bomb,
    xml_attack,
    zip_bomb,
)

MAKER = Principal(user_id=9201, roles={Role.SECRETARIAT: frozenset()}, label="maker")
CHECKER = Principal(user_id=9202, roles={Role.SECRETARIAT: frozenset()}, label="checker")
OTHER_CHECKER = Principal(user_id=9203, roles={Role.SECRETARIAT: frozenset()}, label="other")
KAZ_FOCAL = Principal(user_id=9204, roles={Role.FOCAL_POINT: frozenset({"KAZ"})}, label="kaz")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _egypt(factory: sessionmaker[Session]) -> int:
    """An EGY project and an approved EGY contribution; returns the contribution's id."""
    with transaction(factory) as session:
        registry.put_project(
            session,
            cli_principal(),
            {
                "programme": "F4H",
                "code": "F4H-EGY",
                "title": "Flour for Egypt",
                "country": "EGY",
                "sector_code": "72040",
            },
        )
        contribution, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "EGY-1",
                "donor": "TUR",
                "project": "F4H-EGY",
                "status": "paid",
                "decided_on": date(2025, 3, 1),
                "amount": "5000",
            },
        )
        session.flush()
        review.decide(session, CHECKER, "contribution", contribution.id, "approved")
        return contribution.id


# --- item 2: hostile workbooks -------------------------------------------------------------


def _template(client: TestClient) -> bytes:
    return client.get("/api/v1/programmes/template.xlsx").content


HOSTILE: dict[str, tuple[Callable[[bytes], bytes], int, str]] = {
    "dimension": (dimension_bomb, 413, "declares 20,000 rows and 16,384 columns"),
    "far-row": (far_row_bomb, 413, "down to row 1,048,576"),
    "zip-bomb": (zip_bomb, 413, "unpacks to 100 MB"),
    "xxe": (lambda data: xml_attack(data, XXE), 422, "document type declaration"),
    "billion-laughs": (lambda data: xml_attack(data, LAUGHS), 422, "document type declaration"),
}


@pytest.mark.parametrize("attack", list(HOSTILE))
def test_hostile_workbooks_get_one_sentence_from_api_page_and_cli(
    attack: str,
    client: TestClient,
    settings: Settings,
    programme_data: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    build, status, sentence = HOSTILE[attack]
    _user, token = make_user(programme_data, "sheet@iofs.example", "secretariat")
    hostile = build(_template(client))
    answer = client.post(
        "/api/v1/programmes/upload", headers=_bearer(token), files={"file": ("bomb.xlsx", hostile)}
    )
    assert answer.status_code == status, answer.text
    assert sentence in answer.json()["detail"]
    page = client.post(
        "/programmes/entry/upload",
        headers={**_bearer(token), "Accept": "text/html"},
        files={"file": ("bomb.xlsx", hostile)},
    )
    assert page.status_code == status and sentence in page.text
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(hostile)
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    result = CliRunner().invoke(cli_app, ["programmes", "import", "xlsx", str(path)], env=env)
    assert result.exit_code == 2, result.output
    assert sentence in " ".join(result.output.split()) and "Traceback" not in result.output


# --- item 4: cross-state writes --------------------------------------------------------------


def test_a_focal_point_cannot_attach_beneficiaries_to_another_states_project(
    client: TestClient, settings: Settings, programme_data: sessionmaker[Session]
) -> None:
    _egypt(programme_data)
    _user, kaz = make_user(programme_data, "kaz@iofs.example", "focal_point", ("KAZ",))
    body = {
        "project": "F4H-EGY",
        "country": "KAZ",
        "measure": "reached",
        "unit": "people",
        "number": 999999,
        "as_of": "2025-05-01",
    }
    answer = client.put("/api/v1/programmes/beneficiaries", headers=_bearer(kaz), json=body)
    assert answer.status_code == 403, answer.text
    # the same through the Excel upload
    book = load_workbook(io.BytesIO(_template(client)))
    sheet = book["beneficiaries"]
    headers = [cell.value for cell in sheet[1]]
    sheet.append([body.get(str(name)) for name in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = client.post(
        "/api/v1/programmes/upload",
        headers=_bearer(kaz),
        files={"file": ("sheet.xlsx", buffer.getvalue())},
    )
    assert upload.status_code == 202, upload.text  # queued; the job refuses the row
    from iofs.jobs.worker import run_pending

    assert run_pending(settings) == [upload.json()["job"]]
    job = client.get(upload.json()["url"], headers=_bearer(kaz)).json()
    assert job["state"] == "failed" and job["result"]["forbidden"] is True, job
    with programme_data() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(Beneficiaries)
                .where(Beneficiaries.number == 999999)
            )
            == 0
        )
    # the sent country must be the project's, even for the secretariat
    with (
        pytest.raises(InputError, match="The project is in EGY"),
        transaction(programme_data) as session,
    ):
        from iofs.programmes import pipeline

        pipeline.put_beneficiaries(session, MAKER, body)


def test_a_focal_point_cannot_attach_a_consignment_to_another_states_contribution(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    _egypt(programme_data)
    _user, kaz = make_user(programme_data, "kaz@iofs.example", "focal_point", ("KAZ",))
    answer = client.put(
        "/api/v1/programmes/consignments",
        headers=_bearer(kaz),
        json={
            "reference": "KZ-SHIP-1",
            "appeal": "F4H-GAZA",
            "contribution": "EGY-1",
            "country": "KAZ",
            "commodity": "wheat flour",
        },
    )
    assert answer.status_code == 403, answer.text
    with programme_data() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(Consignment)
                .where(Consignment.reference == "KZ-SHIP-1")
            )
            == 0
        )


# --- item 5: maker–checker races -------------------------------------------------------------


def _pending_contribution(client: TestClient, maker: str, amount: str) -> dict[str, Any]:
    posted = client.post(
        "/api/v1/programmes/contributions",
        headers=_bearer(maker),
        json={
            "reference": "RACE-1",
            "donor": "TUR",
            "appeal": "F4H-GAZA",
            "status": "paid",
            "decided_on": "2025-04-01",
            "amount": amount,
        },
    )
    assert posted.status_code == 201, posted.text
    queue = client.get("/api/v1/programmes/review", headers=_bearer(maker)).json()["items"]
    return next(
        row for row in queue if row["id"] == posted.json()["id"] and row["kind"] == "contribution"
    )


def test_an_approval_names_the_version_seen_and_a_changed_figure_is_refused(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    _m, maker = make_user(programme_data, "maker@iofs.example", "secretariat")
    _c, checker = make_user(programme_data, "checker@iofs.example", "secretariat")
    seen = _pending_contribution(client, maker, "1000")
    # the maker re-posts the same reference with 1,000,000 USD after the checker looked
    _pending_contribution(client, maker, "1000000")
    late = client.post(
        f"/api/v1/programmes/review/contribution/{seen['id']}",
        headers=_bearer(checker),
        json={"decision": "approved", "version": seen["version"]},
    )
    assert late.status_code == 409, late.text
    assert "changed since" in late.json()["detail"]
    with programme_data() as session:
        row = session.get(Contribution, seen["id"])
        assert row is not None and row.approval == "pending"
    fresh = _pending_contribution(client, maker, "1000000")
    assert fresh["version"] == seen["version"] + 1
    approved = client.post(
        f"/api/v1/programmes/review/contribution/{seen['id']}",
        headers=_bearer(checker),
        json={"decision": "approved", "version": fresh["version"]},
    )
    assert approved.status_code == 200, approved.text
    again = client.post(
        f"/api/v1/programmes/review/contribution/{seen['id']}",
        headers=_bearer(checker),
        json={"decision": "rejected", "note": "no", "version": fresh["version"]},
    )
    assert again.status_code == 409


def _postgresql_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("concurrent writers are tested on PostgreSQL (SQLite has one writer)")


def _race(*steps: Callable[[], None]) -> list[BaseException | None]:
    """Run ``steps`` in threads released together; what each raised (None: nothing)."""
    barrier = threading.Barrier(len(steps))
    outcomes: list[BaseException | None] = [None] * len(steps)

    def run(index: int) -> None:
        barrier.wait()
        try:
            steps[index]()
        except BaseException as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(steps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_checkers_at_once_make_one_decision(
    database_url: str, programme_data: sessionmaker[Session]
) -> None:
    _postgresql_only(database_url)
    for attempt in range(8):
        with transaction(programme_data) as session:
            row, _ = contributions.put_contribution(
                session,
                MAKER,
                {
                    "reference": f"TWICE-{attempt}",
                    "donor": "TUR",
                    "appeal": "F4H-GAZA",
                    "status": "paid",
                    "decided_on": date(2025, 4, 1),
                    "amount": "1000",
                },
            )
            session.flush()
            record_id, version = row.id, row.version

        def decide(checker: Principal, record: int = record_id, seen: int = version) -> None:
            with transaction(programme_data) as session:
                review.decide(session, checker, "contribution", record, "approved", version=seen)

        outcomes = _race(lambda: decide(CHECKER), lambda: decide(OTHER_CHECKER))
        assert sum(outcome is None for outcome in outcomes) == 1, outcomes
        assert all(isinstance(o, review.ReviewConflict) for o in outcomes if o is not None)
        with programme_data() as session:
            decisions = session.scalars(
                select(AuditEntry).where(
                    AuditEntry.record_type == "programmes_contribution",
                    AuditEntry.record_id == str(record_id),
                    AuditEntry.action == "update",
                )
            ).all()
            assert len(decisions) == 1


def test_a_maker_re_posting_while_the_checker_approves_never_ends_approved_at_the_new_amount(
    database_url: str, programme_data: sessionmaker[Session]
) -> None:
    _postgresql_only(database_url)
    for attempt in range(8):
        reference = f"MOVE-{attempt}"
        with transaction(programme_data) as session:
            row, _ = contributions.put_contribution(
                session,
                MAKER,
                {
                    "reference": reference,
                    "donor": "TUR",
                    "appeal": "F4H-GAZA",
                    "status": "paid",
                    "decided_on": date(2025, 4, 1),
                    "amount": "1000",
                },
            )
            session.flush()
            record_id, version = row.id, row.version

        def repost(reference: str = reference) -> None:
            with transaction(programme_data) as session:
                contributions.put_contribution(
                    session,
                    MAKER,
                    {
                        "reference": reference,
                        "donor": "TUR",
                        "appeal": "F4H-GAZA",
                        "status": "paid",
                        "decided_on": date(2025, 4, 1),
                        "amount": "1000000",
                    },
                )

        def approve(record: int = record_id, seen: int = version) -> None:
            with transaction(programme_data) as session:
                review.decide(session, CHECKER, "contribution", record, "approved", version=seen)

        outcomes = _race(repost, approve)
        assert outcomes[0] is None, outcomes
        with programme_data() as session:
            row = session.get(Contribution, record_id)
            assert row is not None and row.amount_usd == Decimal("1000000.00")
            assert row.approval == "pending", (attempt, outcomes)


def test_one_decision_per_version_is_enforced_by_the_database(
    programme_data: sessionmaker[Session],
) -> None:
    from iofs.programmes.models import ReviewDecision

    with transaction(programme_data) as session:
        row, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "UNIQUE-1",
                "donor": "TUR",
                "appeal": "F4H-GAZA",
                "status": "paid",
                "decided_on": date(2025, 4, 1),
                "amount": "1000",
            },
        )
        session.flush()
        review.decide(session, CHECKER, "contribution", row.id, "approved", version=row.version)
        record_id, version = row.id, row.version
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), transaction(programme_data) as session:
        session.add(
            ReviewDecision(
                kind="contribution",
                record_id=record_id,
                version=version,
                decision="rejected",
                decided_by="someone",
                note="again",
            )
        )
        session.flush()


def test_the_cli_review_takes_and_echoes_the_version(
    settings: Settings, programme_data: sessionmaker[Session]
) -> None:
    with transaction(programme_data) as session:
        row, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "CLI-1",
                "donor": "TUR",
                "appeal": "F4H-GAZA",
                "status": "paid",
                "decided_on": date(2025, 4, 1),
                "amount": "1000",
            },
        )
        session.flush()
        record_id, version = row.id, row.version
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["programmes", "pending"], env=env)
    assert "version" in listed.output
    stale = runner.invoke(
        cli_app,
        ["programmes", "review", "contribution", str(record_id), "--version", str(version + 1)],
        env=env,
    )
    assert stale.exit_code == 2 and "changed since" in stale.output
    done = runner.invoke(
        cli_app,
        ["programmes", "review", "contribution", str(record_id), "--version", str(version)],
        env=env,
    )
    assert done.exit_code == 0, done.output
    assert f"version {version}" in done.output


def test_the_review_page_posts_the_version_it_showed(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    from tests.conftest import ORIGIN, sign_in

    make_user(programme_data, "maker@iofs.example", "secretariat")
    _c, _checker = make_user(programme_data, "checker@iofs.example", "secretariat")
    with transaction(programme_data) as session:
        row, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "PAGE-1",
                "donor": "TUR",
                "appeal": "F4H-GAZA",
                "status": "paid",
                "decided_on": date(2025, 4, 1),
                "amount": "1000",
            },
        )
        session.flush()
        record_id, version = row.id, row.version
    sign_in(client, "checker@iofs.example")
    queue = client.get("/programmes/review")
    assert f'name="version" value="{version}"' in queue.text
    stale = client.post(
        f"/programmes/review/contribution/{record_id}",
        headers={"Origin": ORIGIN},
        data={"decision": "approved", "version": str(version + 1)},
    )
    assert stale.status_code == 409 and "changed since" in stale.text


# --- item 7: formula injection in exports ------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","click")'


def _hostile_names(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        registry.put_organisation(
            session, cli_principal(), {"code": "EVIL", "name": FORMULA, "kind": "ngo"}
        )
        registry.put_project(
            session,
            cli_principal(),
            {
                "programme": "F4H",
                "code": "F4H-EVIL",
                "title": "+SUM(1,2)",
                "country": "EGY",
                "sector_code": "72040",
                "admin1": "-1+2",
            },
        )
        row, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "EVIL-1",
                "donor": "EVIL",
                "project": "F4H-EVIL",
                "status": "paid",
                "decided_on": date(2025, 3, 1),
                "amount": "5000",
                "description": "@SUM(A1)",
            },
        )
        session.flush()
        review.decide(session, CHECKER, "contribution", row.id, "approved")


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_exports_quote_formula_text_and_keep_numbers(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    _hostile_names(programme_data)
    hxl = _csv_rows(client.get("/api/v1/programmes/exports/contributions.hxl.csv").text)
    evil = next(row for row in hxl if row[0] == "EVIL-1")
    assert evil[1] == "'" + FORMULA and evil[6] == "'-1+2"
    assert evil[15] == "5000" and hxl[1][0] == "#activity+id+contribution"
    three_w = _csv_rows(client.get("/api/v1/programmes/exports/3w.hxl.csv").text)
    assert "'+SUM(1,2)" in next(row for row in three_w if row[4] == "F4H-EVIL")
    fts = _csv_rows(client.get("/api/v1/programmes/exports/fts.csv").text)
    flow = next(row for row in fts if row[1] == "EVIL-1")
    assert flow[4] == "'@SUM(A1)" and flow[15] == "'" + FORMULA
    every_cell = [cell for rows in (hxl, three_w, fts) for row in rows[1:] for cell in row]
    assert not [
        cell
        for cell in every_cell
        if cell[:1] in ("=", "+", "@")
        or (cell[:1] == "-" and not cell[1:].replace(".", "").isdigit())
    ]


def test_the_template_codes_sheet_holds_names_as_text(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    _hostile_names(programme_data)
    content = _template(client)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert not [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in archive.read(name)
        ]
    codes = load_workbook(io.BytesIO(content))["codes"]
    cell = next(c for row in codes.iter_rows() for c in row if c.value == FORMULA)
    assert cell.data_type == "s"
