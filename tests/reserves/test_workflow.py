"""Release workflow end to end, stock-position import, sizing, triggers and matching."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.audit import service as audit
from iofs.db import transaction
from iofs.errors import InputError
from iofs.permissions import PermissionDenied, Principal
from iofs.programmes import service as programmes
from iofs.reserves import cover, feeds, ledger, matching, releases, stock_import, triggers
from iofs.roles import Role

CHECKER = Principal(roles={Role.SECRETARIAT: frozenset()}, label="test:committee")


def _carry(session: Session, reference: str = "AFG-T1") -> None:
    operator = cli_principal()
    releases.create_request(
        session,
        operator,
        {
            "reference": reference,
            "country": "AFG",
            "commodity": "wheat",
            "quantity_t": "80",
            "tier": 3,
            "reason": "drought",
            "people": 5000,
            "requested_on": date(2025, 3, 1),
            "appeal": "F4H-GAZA",
        },
    )
    releases.assess(session, operator, reference, {"dated": date(2025, 3, 2), "note": "gap"})


def test_request_to_replenishment(reserve: sessionmaker[Session]) -> None:
    operator = cli_principal()
    with transaction(reserve) as session:
        _carry(session)
        with pytest.raises(PermissionDenied):  # the assessor may not decide
            releases.decide(
                session,
                operator,
                "AFG-T1",
                {"decision": "approve", "dated": date(2025, 3, 3), "reason": "ok"},
            )
        with pytest.raises(InputError):  # a reduction must reduce
            releases.decide(
                session,
                CHECKER,
                "AFG-T1",
                {
                    "decision": "reduce",
                    "dated": date(2025, 3, 3),
                    "reason": "x",
                    "quantity_t": "90",
                },
            )
        releases.decide(
            session,
            CHECKER,
            "AFG-T1",
            {
                "decision": "reduce",
                "dated": date(2025, 3, 3),
                "reason": "stocks",
                "quantity_t": "70",
            },
        )
        with pytest.raises(InputError, match="more than"):
            releases.dispatch(
                session,
                operator,
                "AFG-T1",
                {"dated": date(2025, 3, 5), "lots": [{"lot": "KAZ-L1", "quantity_t": "71"}]},
            )
        releases.dispatch(
            session,
            operator,
            "AFG-T1",
            {"dated": date(2025, 3, 5), "lots": [{"lot": "KAZ-L1", "quantity_t": "70"}]},
        )
        assert ledger.balance(session, ledger.lot(session, "KAZ-L1").id) == Decimal("30.000")
        before = programmes.appeal_summary(session, "F4H-GAZA")["delivered_t"]
        target = releases.deliver(
            session,
            operator,
            "AFG-T1",
            {"dated": date(2025, 3, 25), "quantity_t": "69", "loss_t": "1"},
        )
        # counted in the appeal once a second person approves the pipeline stages
        assert programmes.appeal_summary(session, "F4H-GAZA")["delivered_t"] == before
        for stage_id in releases.pipeline_stage_ids(session, target):
            programmes.decide_stage(session, CHECKER, stage_id, "approved")
        assert programmes.appeal_summary(session, "F4H-GAZA")["delivered_t"] == before + 69
        assert releases.request_to_delivery_days(session, target) == 24
        releases.oblige_replenishment(
            session, operator, "AFG-T1", {"form": "grain", "due_on": date(2026, 3, 25)}
        )
        due = releases.replenishments_due(session, date(2026, 3, 1))
        assert [(d.reference, d.days_left, d.quantity_t) for d in due] == [
            ("AFG-T1", 24, Decimal("70.000"))
        ]
        releases.settle_replenishment(
            session, operator, "AFG-T1", {"dated": date(2025, 9, 1), "lot": "KAZ-L1"}
        )
        assert target.status == "replenished"
        assert ledger.balance(session, ledger.lot(session, "KAZ-L1").id) == Decimal("100.000")
        assert [s.step for s in releases.timeline(session, target.id)] == [
            "requested",
            "assessed",
            "reduced",
            "dispatched",
            "delivered",
            "replenished",
        ]
        assert feeds.request_to_delivery_days(session, "AFG", 2025) == Decimal(24)
        share = feeds.oic_source_share(session, None, 2025)
        assert share is not None and Decimal(0) < share <= Decimal(100)
    with reserve() as session:
        assert audit.verify(session).ok


def test_refusal_releases_nothing(reserve: sessionmaker[Session]) -> None:
    with transaction(reserve) as session:
        _carry(session)
        releases.decide(
            session,
            CHECKER,
            "AFG-T1",
            {"decision": "refuse", "dated": date(2025, 3, 3), "reason": "not eligible"},
        )
        with pytest.raises(InputError):
            releases.dispatch(
                session,
                cli_principal(),
                "AFG-T1",
                {"dated": date(2025, 3, 5), "lots": [{"lot": "KAZ-L1", "quantity_t": "1"}]},
            )


def _sheet(rows: list[str]) -> bytes:
    header = "warehouse,lot,commodity,grade,received_on,quantity_t,as_of"
    return ("\n".join([header, *rows]) + "\n").encode()


def test_stock_import_is_all_or_nothing_and_idempotent(
    reserve: sessionmaker[Session], tmp_path: Path
) -> None:
    operator = cli_principal()
    bad = _sheet(
        [
            "KAZ-1,KAZ-L9,wheat,milling,2025-01-01,50,2025-02-01",
            "NOPE,KAZ-L8,wheat,,2025-01-01,5,2025-02-01",
            "KAZ-1,KAZ-L7,wheet,,2025-01-01,5,2025-02-01",
        ]
    )
    with transaction(reserve) as session, pytest.raises(stock_import.StockImportError) as caught:
        stock_import.import_positions(session, operator, "bad.csv", bad)
    assert [(p.file, p.row, p.field) for p in caught.value.problems] == [
        ("bad.csv", 3, "warehouse"),
        ("bad.csv", 4, "commodity"),
    ]
    with reserve() as session, pytest.raises(InputError):
        ledger.lot(session, "KAZ-L9")  # nothing written
    good = _sheet(
        [
            "KAZ-1,KAZ-L9,wheat,milling,2025-01-01,50,2025-02-01",
            "KAZ-1,KAZ-L1,wheat,,2025-01-01,90,2025-02-01",
        ]
    )
    with transaction(reserve) as session:
        report = stock_import.import_positions(session, operator, "good.csv", good)
    assert (report.lots_created, report.movements, report.unchanged) == (1, 2, 0)
    with transaction(reserve) as session:
        again = stock_import.import_positions(session, operator, "good.csv", good)
        assert (again.lots_created, again.movements, again.unchanged) == (0, 0, 2)
        assert ledger.balance(session, ledger.lot(session, "KAZ-L1").id) == Decimal("90.000")
        assert ledger.balance(session, ledger.lot(session, "KAZ-L9").id) == Decimal("50.000")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["warehouse", "lot", "commodity", "received_on", "quantity_t", "as_of"])
    sheet.append(["TUR-1", "TUR-L1", "wheat", date(2025, 1, 1), 12.5, date(2025, 2, 1)])
    path = tmp_path / "positions.xlsx"
    book.save(path)
    with transaction(reserve) as session:
        report = stock_import.import_positions(session, operator, path.name, path.read_bytes())
        assert report.movements == 1
        assert ledger.balance(session, ledger.lot(session, "TUR-L1").id) == Decimal("12.500")
    with reserve() as session:
        assert audit.verify(session).ok


def test_import_gap_arithmetic() -> None:
    gap = cover.import_gap(Decimal("40"), Decimal("6000000"), 3, Decimal("100000"))
    # 40 % × 6,000,000 t ÷ 12 = 200,000 t/month; × 3 = 600,000; − 100,000 held
    assert gap.monthly_gap_t == Decimal("200000.000")
    assert gap.need_t == Decimal("500000.000")
    assert gap.arithmetic[-1] == "600,000.000 t − 100,000 t held = 500,000.000 t"
    assert cover.import_gap(Decimal("-5"), Decimal("1000"), 3, Decimal(0)).need_t == 0


def test_cover_and_stocks_to_use() -> None:
    balance = cover.FoodBalance(
        "AFG",
        2511,
        2022,
        Decimal(4000000),
        Decimal(2000000),
        Decimal(0),
        Decimal(6000000),
        Decimal(5000000),
    )
    # 100,000 t ÷ (5,000,000 t ÷ 365) = 7.3 days; 100,000 ÷ 6,000,000 = 1.67 %
    assert cover.cover_days(Decimal(100000), balance.food_t) == Decimal("7.3")
    assert cover.stocks_to_use(Decimal(100000), balance) == Decimal("1.67")
    assert cover.cereal_import_dependency(balance) == Decimal("33.33")


def _write_fbs(analytics_dir: Path) -> None:
    folder = analytics_dir / "faostat" / "observations" / "FBS"
    folder.mkdir(parents=True)
    rows = []
    for iso3, values in {
        "AFG": (4000, 2000, 0, 6000, 5000),
        "KAZ": (12000, 100, 6000, 6100, 2500),
    }.items():
        for item in (2511, 2905):
            for element, value in zip((5511, 5611, 5911, 5301, 5142), values, strict=True):
                rows.append(
                    {
                        "domain": "FBS",
                        "iso3": iso3,
                        "item_code": item,
                        "item": "Wheat and products",
                        "element_code": element,
                        "year": 2022,
                        "year_end": 2022,
                        "value": float(value),
                        "unit": "1000 t",
                        "flag": "",
                        "source": "test",
                    }
                )
    pd.DataFrame(rows).to_parquet(folder / "test.parquet")


def test_triggers_raise_sized_drafts_never_releases(
    reserve: sessionmaker[Session], tmp_path: Path
) -> None:
    _write_fbs(tmp_path)
    rules = triggers.load_rules()
    observed = triggers.Observations(
        "AFG", "2025-03", spi_severe_share={3: 42.0}, price_alerts={"wheat flour (retail)": 2}
    )
    fired = triggers.evaluate(rules, observed)
    assert {f.rule.id for f in fired} == {"spi3-severe-drought", "price-alert"}
    assert triggers.evaluate(rules, triggers.Observations("AFG", "2025-03")) == []
    with transaction(reserve) as session:
        drafts = [triggers.size(tmp_path, session, firing) for firing in fired]
        spi = next(d for d in drafts if d.firing.rule.id == "spi3-severe-drought")
        assert spi.gap is not None
        # cereal import dependency 2,000 ÷ 6,000 = 33.33 %; × 6,000,000 t ÷ 12 × 3 months
        assert spi.gap.need_t == Decimal("499950.000")
        assert "33.33 % × 6,000,000.000 t ÷ 12" in spi.note
        created = triggers.raise_drafts(session, cli_principal(), drafts, date(2025, 3, 20))
        assert {row.status for row in created} == {"draft"}
        assert triggers.raise_drafts(session, cli_principal(), drafts, date(2025, 3, 20)) == []
        assert ledger.balance(session, ledger.lot(session, "KAZ-L1").id) == Decimal("100.000")
        surplus = matching.surpluses(tmp_path, "wheat")
        assert [(s.iso3, s.exportable_t) for s in surplus] == [("KAZ", Decimal("5900000.000"))]


def test_rank_sources() -> None:
    lots = [
        matching.SourceLot("KAZ-L1", "KAZ", "Kostanay", Decimal(300)),
        matching.SourceLot("AFG-L1", "AFG", "Mazar", Decimal(900)),
        matching.SourceLot("UZB-L1", "UZB", "Termez", Decimal(50)),
    ]
    surplus = [matching.Surplus("TUR", Decimal("120.0"), Decimal(5000), 2022)]
    found = matching.rank_sources(Decimal(1000), "AFG", lots, surplus, Decimal("400"))
    assert [(m.iso3, m.share_of_need_percent, m.value_usd) for m in found] == [
        ("TUR", Decimal("100.0"), Decimal(400000)),
        ("KAZ", Decimal("30.0"), Decimal(120000)),
        ("UZB", Decimal("5.0"), Decimal(20000)),
    ]


def test_the_risk_class_rule_fires_on_high_and_very_high_only() -> None:
    rules = [r for r in triggers.load_rules() if r.signal == "risk_class"]
    assert rules, "the shipped triggers declare a risk-class rule"
    for risk_class, fires in (("high", True), ("very_high", True), ("medium", False)):
        observed = triggers.Observations("AFG", "2025-03", risk_class=risk_class)
        fired = triggers.evaluate(rules, observed)
        assert bool(fired) is fires, risk_class
        if fires:
            assert f"risk index {risk_class}" in fired[0].evidence


def test_observe_reads_no_risk_class_from_an_empty_store(tmp_path: Path) -> None:
    from iofs.config import Settings

    settings = Settings(env="test", data_dir=tmp_path, secret_key="x" * 40)
    observed = triggers.observe(settings.analytics_dir, settings, "AFG", date(2025, 3, 20))
    assert observed.risk_class is None
