"""OCHA FTS flows (https://fts.unocha.org/content/fts-glossary): export, import, reconciliation."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.audit import service as audit
from iofs.db import transaction
from iofs.errors import InputError
from iofs.permissions import PermissionDenied, Principal
from iofs.programmes import contributions, registry, review
from iofs.programmes.exchange import fts_export, fts_import, fts_reconcile
from iofs.programmes.models import FtsFlow
from iofs.roles import Role

CHECKER = Principal(roles={Role.SECRETARIAT: frozenset()}, label="checker")
REAL = "v1-fts-flow-custom-search-locationid-171-year-2020.TRIMMED.json"


def _real_payload(shared_data: Path) -> str:
    path = shared_data / "fts" / REAL
    if not path.is_file():
        pytest.skip(f"FTS sample response not found at {path}")
    return path.read_text(encoding="utf-8")


def _flows(session: Session) -> dict[int, FtsFlow]:
    return {row.fts_id: row for row in session.execute(select(FtsFlow)).scalars()}


def _flow(
    fts_id: int, donor: str, usd: str | int, status: str, decided: str | None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": str(fts_id),
        "amountUSD": usd,
        "status": status,
        "decisionDate": decided,
        "date": decided,
        "flowType": "Standard",
        "boundary": "incoming",
        "newMoney": True,
        "contributionType": "financial",
        "sourceObjects": [
            {
                "type": "Organization",
                "id": str(fts_id + 10),
                "name": donor,
                "organizationTypes": ["Government"],
            }
        ],
        "destinationObjects": [
            {"type": "Location", "id": "171", "name": "occupied Palestinian territory"}
        ],
        **extra,
    }


def test_the_real_fts_response_imports_the_incoming_new_money_flows(
    programme_data: sessionmaker[Session], shared_data: Path
) -> None:
    payload = _real_payload(shared_data)
    with transaction(programme_data) as session:
        registry.put_organisation(
            session, cli_principal(), {"code": "DEU", "name": "Germany", "kind": "state"}
        )
    with transaction(programme_data) as session:
        before = audit.entry_count(session)
        report = fts_import.import_flows(session, cli_principal(), "F4H-GAZA", payload)
        assert audit.entry_count(session) == before + 3
    assert report.flows == 8
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert report.skipped == {"internal": 2, "not_new_money": 1, "outgoing": 1, "parked": 1}
    assert report.kept_usd == Decimal(7246377 + 271444 + 1001001)
    assert report.unmatched_donors == ["Austria, Government of", "Switzerland, Government of"]
    with transaction(programme_data) as session:
        stored = _flows(session)
        assert set(stored) == {190288, 208480, 165841}
        german = stored[190288]
        assert german.donor == "Germany, Government of" and german.donor_code == "DEU"
        assert german.amount_usd == Decimal("7246377")
        assert german.status == "commitment" and german.decided_on == date(2018, 5, 17)
        assert german.destination_country == "PSE"
        assert stored[165841].donor_code == "" and stored[165841].status == "paid"
        assert audit.verify(session).ok

    # the same payload again changes nothing and writes no audit entry
    with transaction(programme_data) as session:
        before = audit.entry_count(session)
        again = fts_import.import_flows(session, cli_principal(), "F4H-GAZA", payload)
        assert audit.entry_count(session) == before
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    # a revised figure updates that flow only
    revised = json.loads(payload)
    for flow in revised["data"]["flows"]:
        if flow["id"] == "165841":
            flow["amountUSD"] = 1001500
    with transaction(programme_data) as session:
        third = fts_import.import_flows(session, cli_principal(), "F4H-GAZA", json.dumps(revised))
        assert _flows(session)[165841].amount_usd == Decimal("1001500")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)


def test_a_broken_flow_is_named_and_nothing_is_written(
    programme_data: sessionmaker[Session], shared_data: Path
) -> None:
    payload = json.loads(_real_payload(shared_data))
    payload["data"]["flows"][2]["amountUSD"] = "abc"
    with transaction(programme_data) as session:
        with pytest.raises(InputError) as caught:
            fts_import.import_flows(session, cli_principal(), "F4H-GAZA", json.dumps(payload))
        # flows 1 and 2 were valid, yet none was stored
        assert session.execute(select(func.count()).select_from(FtsFlow)).scalar_one() == 0
    message = str(caught.value)
    assert "Flow 3" in message and "207008" in message and "amountUSD" in message
    assert "abc" in message
    assert caught.value.field == "flows.2.amountUSD"

    payload = json.loads(_real_payload(shared_data))
    payload["data"]["flows"][5]["status"] = "promised"
    with transaction(programme_data) as session, pytest.raises(InputError) as caught:
        fts_import.import_flows(session, cli_principal(), "F4H-GAZA", json.dumps(payload))
    assert "Flow 6 (FTS id 213175)" in str(caught.value)
    assert caught.value.field == "flows.5.status"

    payload = json.loads(_real_payload(shared_data))
    payload["data"]["flows"][7]["id"] = payload["data"]["flows"][0]["id"]
    with transaction(programme_data) as session, pytest.raises(InputError) as caught:
        fts_import.import_flows(session, cli_principal(), "F4H-GAZA", json.dumps(payload))
    assert caught.value.field == "flows.7.id"

    with transaction(programme_data) as session, pytest.raises(InputError) as caught:
        fts_import.import_flows(session, cli_principal(), "F4H-GAZA", "{not json")
    assert caught.value.field == "payload"
    with transaction(programme_data) as session:
        assert session.execute(select(func.count()).select_from(FtsFlow)).scalar_one() == 0


def test_importing_needs_the_exchange_permission(programme_data: sessionmaker[Session]) -> None:
    viewer = Principal(roles={Role.VIEWER: frozenset()}, label="viewer")
    payload = json.dumps({"data": {"flows": []}})
    with transaction(programme_data) as session, pytest.raises(PermissionDenied):
        fts_import.import_flows(session, viewer, "F4H-GAZA", payload)
    with transaction(programme_data) as session:
        report = fts_import.import_flows(session, CHECKER, "F4H-GAZA", payload)
    assert report.flows == 0 and report.kept == 0


def _approved(session: Session, data: dict[str, Any]) -> None:
    contribution, _changed = contributions.put_contribution(session, cli_principal(), data)
    session.flush()
    review.decide(session, CHECKER, "contribution", contribution.id, "approved", "checked")


def test_reconciliation_finds_match_differ_and_missing(
    programme_data: sessionmaker[Session],
) -> None:
    # demo: KAZ 40,000 (2 Dec), TJK 25,000 (5 Dec), BGD 15,000 (9 Dec), AZE 20,000 (12 Dec),
    # all paid, plus an IOFS → partner allocation that is not new money
    with transaction(programme_data) as session:
        _approved(
            session,
            {
                "reference": "REC-LINKED",
                "donor": "BGD",
                "appeal": "F4H-GAZA",
                "project": "F4H-PSE",
                "status": "commitment",
                "decided_on": date(2025, 1, 10),
                "amount": "5000",
                "fts_flow_id": 9002,
            },
        )
        contributions.put_contribution(
            session,
            cli_principal(),
            {
                "reference": "REC-PENDING",
                "donor": "KAZ",
                "appeal": "F4H-GAZA",
                "status": "paid",
                "decided_on": date(2025, 1, 10),
                "amount": "777",
            },
        )
    payload = json.dumps(
        {
            "data": {
                "flows": [
                    _flow(9001, "Kazakhstan, Government of", 40000, "paid", "2024-12-02T00:00:00Z"),
                    _flow(9002, "Bangladesh, Government of", 5200, "paid", "2025-01-12T00:00:00Z"),
                    _flow(9003, "tajikistan", "25000.60", "paid", "2024-12-06T00:00:00Z"),
                    _flow(
                        9004,
                        "Azerbaijan, Government of",
                        20000,
                        "commitment",
                        "2024-12-12T00:00:00Z",
                    ),
                    _flow(
                        9005, "Saudi Arabia, Government of", 100000, "paid", "2024-12-20T00:00:00Z"
                    ),
                    _flow(9006, "Kazakhstan, Government of", 777, "paid", None, newMoney=False),
                ]
            }
        }
    )
    with transaction(programme_data) as session:
        report = fts_import.import_flows(session, cli_principal(), "F4H-GAZA", payload)
        assert report.created == 5 and report.skipped == {"not_new_money": 1}
        lines = fts_reconcile.reconcile(session, "F4H-GAZA")
        totals = fts_reconcile.summary(lines)
    by_reference = {line.reference: line for line in lines if line.reference}
    assert set(by_reference) == {
        "F4H-GAZA-KAZ-1",
        "F4H-GAZA-TJK-1",
        "F4H-GAZA-BGD-1",
        "F4H-GAZA-AZE-1",
        "REC-LINKED",
    }
    kazakh = by_reference["F4H-GAZA-KAZ-1"]
    assert (kazakh.status, kazakh.fts_id, kazakh.matched_by) == (
        "match",
        9001,
        "donor_status_amount",
    )
    assert kazakh.fts_donor_code == "KAZ" and kazakh.difference_usd == 0
    tajik = by_reference["F4H-GAZA-TJK-1"]
    assert (tajik.status, tajik.differences, tajik.fts_id) == ("differ", ("date",), 9003)
    assert tajik.fts_date == date(2024, 12, 6) and tajik.iofs_date == date(2024, 12, 5)
    linked = by_reference["REC-LINKED"]
    assert (linked.status, linked.matched_by, linked.fts_id) == ("differ", "fts_flow_id", 9002)
    assert linked.differences == ("amount", "status", "date")
    assert (linked.iofs_usd, linked.fts_usd) == (Decimal("5000"), Decimal("5200"))
    assert by_reference["F4H-GAZA-BGD-1"].status == "missing_in_fts"
    # same donor and amount but another status: not paired without an FTS id
    assert by_reference["F4H-GAZA-AZE-1"].status == "missing_in_fts"
    extra = {line.fts_id: line for line in lines if line.reference is None}
    assert set(extra) == {9004, 9005}
    assert {line.status for line in extra.values()} == {"missing_in_iofs"}
    assert extra[9005].fts_donor == "Saudi Arabia, Government of"
    assert extra[9005].fts_donor_code is None
    assert totals.counts == {"match": 1, "differ": 2, "missing_in_fts": 2, "missing_in_iofs": 2}
    assert totals.iofs_usd == Decimal("105000")
    assert totals.fts_usd == Decimal("190200.60")


def test_the_fts_json_export_round_trips_through_import(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        _approved(
            session,
            {
                "reference": "RT-EUR",
                "donor": "TJK",
                "appeal": "F4H-GAZA",
                "project": "F4H-PSE",
                "status": "commitment",
                "decided_on": date(2025, 2, 1),
                "currency": "EUR",
                "amount": "10000",
                "exchange_rate": "1.08",
                "rate_date": date(2025, 2, 1),
                "rate_source": "ECB",
            },
        )
        exported = fts_export.flows_json(session, "F4H-GAZA")
        table = fts_export.flows_csv(session, "F4H-GAZA")
    document = json.loads(exported)
    found = document["data"]["flows"]
    assert len(found) == 6 and document["data"]["incoming"]["flowCount"] == 5
    assert document["data"]["incoming"]["fundingTotal"] == 110800
    by_ref = {flow["refCode"]: flow for flow in found}
    euro = by_ref["RT-EUR"]
    assert (euro["amountUSD"], euro["originalAmount"], euro["originalCurrency"]) == (
        10800,
        10000,
        "EUR",
    )
    assert euro["exchangeRate"] == pytest.approx(1 / 1.08, abs=1e-6)  # EUR per USD, as FTS
    assert euro["decisionDate"] == "2025-02-01T00:00:00Z"
    assert euro["contributionType"] == "financial" and euro["newMoney"] is True
    source = euro["sourceObjects"][0]
    assert (source["type"], source["name"], source["id"]) == ("Organization", "Tajikistan", "TJK")
    kinds = {item["type"] for item in euro["destinationObjects"]}
    assert {"Organization", "Plan", "Project", "GlobalCluster", "Location", "UsageYear"} <= kinds
    child = by_ref["F4H-GAZA-IOFS-PARTNER-1"]
    parent = by_ref["F4H-GAZA-KAZ-1"]
    assert child["newMoney"] is False and child["boundary"] == "internal"
    assert child["parentFlowId"] == int(parent["id"])
    assert parent["childFlowIds"] == [int(child["id"])]

    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == 6
    assert {row["srcOrganization"] for row in rows} >= {"Kazakhstan", "Tajikistan"}
    assert rows[0]["destPlanCode"] == "F4H-GAZA" and rows[0]["destLocations"] == "PSE"

    with transaction(programme_data) as session:
        report = fts_import.import_flows(session, cli_principal(), "F4H-GAZA", exported)
        assert (report.created, report.skipped) == (5, {"internal": 1})
        assert report.unmatched_donors == []
        lines = fts_reconcile.reconcile(session, "F4H-GAZA")
    assert [line.status for line in lines] == ["match"] * 5
    assert (
        fts_reconcile.summary(lines).iofs_usd
        == fts_reconcile.summary(lines).fts_usd
        == Decimal("110800")
    )
    with transaction(programme_data) as session:
        again = fts_import.import_flows(session, cli_principal(), "F4H-GAZA", exported.encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_flows_with_gaps_are_kept_marked_or_skipped_with_the_reason(
    programme_data: sessionmaker[Session],
) -> None:
    """#17 item 4: one flow without a donor no longer rejects a page of flows."""
    no_donor = _flow(900001, "x", 5000, "paid", "2020-03-01")
    no_donor["sourceObjects"] = [{"type": "Location", "id": "1", "name": "Somewhere"}]
    no_recipient = _flow(900002, "Kazakhstan, Government of", 7000, "paid", "2020-03-02")
    no_recipient["destinationObjects"] = []
    no_amount = _flow(900003, "Kazakhstan, Government of", 0, "paid", "2020-03-03")
    no_amount["amountUSD"] = None
    fine = _flow(900004, "Kazakhstan, Government of", 1000, "paid", "2020-03-04")
    payload = json.dumps({"data": {"flows": [no_donor, no_recipient, no_amount, fine]}})
    with transaction(programme_data) as session:
        report = fts_import.import_flows(session, cli_principal(), "F4H-GAZA", payload)
        flows = _flows(session)
    assert (report.flows, report.created) == (4, 3)
    assert report.skipped == {"no_amount": 1}
    assert report.gaps == {"donor_not_reported": 1, "recipient_not_reported": 1}
    assert flows[900001].donor == fts_import.DONOR_NOT_REPORTED
    assert flows[900002].destination_country == ""
    assert 900003 not in flows
    # A malformed value still stops the whole file.
    broken = _flow(900005, "Kazakhstan, Government of", "12abc", "paid", "2020-03-05")
    with transaction(programme_data) as session, pytest.raises(InputError) as caught:
        fts_import.import_flows(
            session, cli_principal(), "F4H-GAZA", json.dumps({"data": {"flows": [fine, broken]}})
        )
    assert caught.value.field == "flows.1.amountUSD"
