"""Country briefs, aid against need and the bulletin at the service level: every block on an
empty store (what is missing, and how to add it) and on a store filled with real files."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.briefs import aid_vs_need, bulletin, service
from iofs.config import Settings
from iofs.errors import NotFoundError
from iofs.permissions import ANONYMOUS


def test_every_block_of_an_empty_store_says_what_is_missing(
    settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    with loaded_registry() as session:
        for iso3 in ("KAZ", "AFG", "SUR"):
            brief = service.country_brief(session, settings, ANONYMOUS, iso3)
            assert [b.key for b in brief.blocks] == list(service.BLOCK_KEYS)
            identity, *others = brief.blocks
            assert identity.filled
            names = {f.value for f in identity.facts[:3]}
            assert names == set(brief.names.values())
            for block in others:
                assert not block.filled, block.key
                assert block.missing, block.key
                assert all(m.command or m.page for m in block.missing), block.key
                assert block.link.startswith("/")


@pytest.mark.parametrize("code", ["USA", "XXX", "FRA"])
def test_only_a_code_outside_the_57_is_not_found(
    settings: Settings, loaded_registry: sessionmaker[Session], code: str
) -> None:
    with loaded_registry() as session, pytest.raises(NotFoundError):
        service.country_brief(session, settings, ANONYMOUS, code)


def test_a_month_is_checked(settings: Settings, loaded_registry: sessionmaker[Session]) -> None:
    with loaded_registry() as session, pytest.raises(Exception, match="2025-03"):
        service.country_brief(session, settings, ANONYMOUS, "KAZ", "2025-13")


def test_blocks_filled_from_the_real_files_and_the_demo(
    settings: Settings, filled: sessionmaker[Session]
) -> None:
    from iofs.monitor.faostat import service as faostat
    from iofs.monitor.ipc import service as ipc

    with filled() as session:
        brief = service.country_brief(session, settings, ANONYMOUS, "AFG")
    by_key = {b.key: b for b in brief.blocks}
    for key in ("identity", "prices", "food_supply", "ipc", "aid", "reserves", "strategy"):
        assert by_key[key].filled, (key, by_key[key].missing)
    prices = {f.label: f.value for f in by_key["prices"].facts}
    priced, watch, alert = (int(str(v)) for v in list(prices.values())[:3])
    assert 0 < watch + alert <= priced
    worst = by_key["prices"].tables[0]
    ipa = [float(row[1]) for row in worst.rows]
    assert ipa == sorted(ipa, reverse=True) and min(ipa) >= 0.5  # watch starts at IPA 0.5
    assert all(link.startswith("/prices/series/") for link in worst.links)
    # food supply: every value has its year, and equals the FAOSTAT profile's latest value
    rows = faostat.area_rows(settings.analytics_dir, "AFG", indicator="dietary_energy_supply")
    latest = max(rows, key=lambda r: (r.year, r.source == "computed"))
    energy = by_key["food_supply"].facts[0]
    assert energy.value == pytest.approx(latest.value) and energy.as_of == str(latest.year)
    # IPC: the people in phase 3+ are phases 3 to 5 of the table's first row
    people = next(
        f.value
        for f in by_key["ipc"].facts
        if f.unit == "people" and f.label.startswith("People in phase 3")
    )
    first = by_key["ipc"].tables[0].rows[0]
    assert people == sum(int(cell.replace(",", "")) for cell in first[3:6] if cell != "–")
    found = ipc.latest(settings.analytics_dir, iso3="AFG")[0]
    assert people == found.p3_plus_people
    # aid: the funding received is the donors' committed + paid, pledges apart
    aid = by_key["aid"]
    facts = {f.label: f.value for f in aid.facts}
    received = facts["Funding received, all appeals and projects (committed + paid, USD)"]
    # demo AFSP-AFG: KAZ paid 300,000, TUR paid 200,000, TJK committed 100,000
    assert received == pytest.approx(600_000.0)
    assert facts["Pledged, not yet counted (USD)"] == pytest.approx(150_000.0)  # TKM
    (donors,) = [t for t in aid.tables if t.caption == "Donors"]
    assert sum(float(row[1].split()[0].replace(",", "")) for row in donors.rows) == received


def test_the_api_record_is_the_brief(
    settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    with loaded_registry() as session:
        brief = service.country_brief(session, settings, ANONYMOUS, "kaz")
    record = brief.record()
    assert record["iso3"] == "KAZ" and record["names"]["ar"] == "كازاخستان"
    assert [b["key"] for b in record["blocks"]] == list(service.BLOCK_KEYS)
    assert all(set(b) >= {"title", "link", "facts", "missing", "filled"} for b in record["blocks"])


def _state(name: str, **values: object) -> aid_vs_need.StateNeed:
    state = aid_vs_need.StateNeed("AFG", name)
    for key, value in values.items():
        setattr(state, key, value)
    return state


def test_neglected_crises_follow_the_rule(
    settings: Settings, filled: sessionmaker[Session]
) -> None:
    with filled() as session:
        found = aid_vs_need.compute(session, settings, ANONYMOUS)
    assert len(found.states) == 57
    assert found.neglected, "the real IPC file has high-need states"
    assert found.median_per_person_usd is not None
    for state in found.states:
        if state.neglected:
            assert state.high_need
            assert state.per_person_usd is not None
            assert state.per_person_usd <= found.median_per_person_usd
        if state.p3_plus and state.p3_plus >= aid_vs_need.P3_PLUS_HIGH:
            assert state.high_need
    ranked = found.neglected
    assert [s.rank for s in ranked] == list(range(1, len(ranked) + 1))
    keys = [(s.per_person_usd, -(s.p3_plus or 0)) for s in ranked]
    assert keys == sorted(keys)
    funded = {s.iso3: s.funding_usd for s in found.states}
    assert funded["AFG"] > 0  # the demo's contributions to the AFSP project
    assert "median" in aid_vs_need.rule_text()


def test_downloads_never_turn_text_into_formulas() -> None:
    found = aid_vs_need.AidAgainstNeed(
        None,
        [
            _state('=HYPERLINK("http://x")', funding_usd=-5.0),
            _state("+1+1"),
            _state("-2"),
            _state("@SUM(A1)"),
            _state("Plain"),
        ],
        None,
        [],
    )
    text, media = aid_vs_need.export(found, "csv")
    assert media.startswith("text/csv")
    names = [row["name"] for row in csv.DictReader(io.StringIO(text.decode()))]
    assert names == ['\'=HYPERLINK("http://x")', "'+1+1", "'-2", "'@SUM(A1)", "Plain"]
    body, _media = aid_vs_need.export(found, "xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    cells = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    column = list(aid_vs_need.COLUMNS)
    assert [c[column.index("name")] for c in cells][:4] == [
        '=HYPERLINK("http://x")',
        "+1+1",
        "-2",
        "@SUM(A1)",
    ]  # text, quote-prefixed
    name_cells = [row[column.index("name")] for row in sheet.iter_rows(min_row=2, max_row=5)]
    assert all(c.data_type == "s" and c.quotePrefix for c in name_cells)
    assert cells[0][column.index("funding_usd")] == -5.0  # numbers stay numbers


def test_bulletin_sentences_come_from_the_data(
    settings: Settings, filled: sessionmaker[Session]
) -> None:
    from iofs.i18n import set_language

    with filled() as session:
        month = bulletin.default_month(settings)
        found = bulletin.compute(session, settings, ANONYMOUS, month)
        assert found.month == month and found.previous < month
        labels = [f.label for f in found.headline]
        assert "People in IPC phase 3 or worse" in labels
        assert len(found.map_values) == 57
        assert {v["category"] for v in found.map_values} <= {"crisis", "alert", "normal"}
        from iofs.monitor.prices import service as prices

        alerts = prices.staple_alerts(settings.analytics_dir)
        alerts = alerts[alerts["month"] == month].set_index("country")
        assert found.watchlist, "the real Afghan prices have alerts"
        for state in found.watchlist:
            if state.iso3 in alerts.index and alerts.loc[state.iso3, "ipa_alert"] > 0:
                row = alerts.loc[state.iso3]
                assert f"{int(row['ipa_alert'])} of {int(row['series'])}" in state.paragraph
        set_language("fr")
        try:
            french = bulletin.compute(session, settings, ANONYMOUS, month)
        finally:
            set_language("en")
    assert french.headline[1].label == "Personnes en phase 3 ou pire de l'IPC"
    assert bulletin.previous_month("2025-01") == "2024-12"


def test_money_sums_are_decimal_exact() -> None:
    assert sum([Decimal("0.1")] * 3, Decimal(0)) == Decimal("0.3")
