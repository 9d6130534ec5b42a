"""The brief's aid block reads ``programmes.service.country_aid``: appeals covering the state,
requirement, coverage, donors, tonnes delivered, people reached and FTS flows, with the
hand-made Afghan records of ``tests.programmes.test_country_aid`` (figures worked out there)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.briefs import aid_vs_need
from iofs.briefs.blocks import aid
from iofs.config import Settings
from iofs.db import transaction
from iofs.permissions import ANONYMOUS
from iofs.programmes import demo
from tests.programmes.test_country_aid import APPEAL, CHECKER, MAKER, add_afghan_appeal


def _facts(block: object) -> dict[str, str]:
    return {fact.label: fact.text for fact in block.facts}  # type: ignore[attr-defined]


def test_aid_block_shows_appeals_coverage_tonnes_and_people(
    loaded_registry: sessionmaker[Session],
) -> None:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
        add_afghan_appeal(session, MAKER, CHECKER)
    with loaded_registry() as session:
        block = aid(session, ANONYMOUS, "AFG")
        secretariat = aid(session, CHECKER, "AFG")
    facts = _facts(block)
    assert block.filled and block.link == "/programmes/countries/AFG"
    assert facts["Appeals covering the state"] == "1"
    assert facts["Requirement for the state (USD)"] == "1,000,000 USD"
    assert facts["Funded against the requirement (USD)"] == "400,000 USD"
    assert facts["Coverage"] == "40 %"
    assert facts["Unmet requirement (USD)"] == "600,000 USD"
    assert facts["Required tonnes"] == "1,500.0 t"
    assert facts["Funding received, all appeals and projects (committed + paid, USD)"] == (
        "1,000,000 USD"
    )
    assert facts["Tonnes delivered"] == "250.0 t"
    assert facts["People reached"] == "10,200"
    assert facts["Households reached"] == "1,500"
    assert facts["OCHA FTS funding (committed + paid, USD)"] == "100,000 USD in 3 flows"
    assert "Awaiting review, not counted (USD)" not in facts
    assert _facts(secretariat)["Awaiting review, not counted (USD)"] == "50,000 USD"
    appeals, by_sector, donors = block.tables
    assert appeals.rows[0][0] == "Winter wheat for Afghanistan (test)"
    assert appeals.rows[0][2:] == ("1,000,000 USD", "400,000 USD", "40 %", "250.0 t", "9,000")
    assert appeals.links == (f"/programmes/appeals/{APPEAL}",)
    # newest revision only, by sector then year (72010 has no label: its code is shown)
    assert [row[1:] for row in by_sector.rows] == [
        ("72010", "2026", "200,000 USD", "–"),
        ("Emergency food assistance", "2025", "800,000 USD", "1,500.0 t"),
    ]
    assert [row[0] for row in donors.rows][:2] == ["Kazakhstan", "Türkiye"]


def test_aid_block_of_a_state_without_aid_says_how_to_add_it(
    loaded_registry: sessionmaker[Session],
) -> None:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    with loaded_registry() as session:
        block = aid(session, ANONYMOUS, "SUR")
    assert not block.filled
    assert block.missing and block.missing[0].command == "iofs programmes import fts FILE"


def test_aid_against_need_reads_requirement_and_coverage(
    settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
        add_afghan_appeal(session, MAKER, CHECKER)
    with loaded_registry() as session:
        found = aid_vs_need.compute(session, settings, ANONYMOUS)
    by_code = {s.iso3: s for s in found.states}
    assert by_code["AFG"].requirement_usd == 1_000_000.0
    assert by_code["AFG"].coverage == 40.0  # 400,000 of 1,000,000
    # demo 500,000 + winter appeal 100,000 + the old appeal's newest revision 50,000
    assert by_code["PSE"].requirement_usd == 650_000.0
    # 100,000 (demo donors to Gaza) + 30,000 (AZE to the winter appeal for PSE) of 650,000
    assert by_code["PSE"].coverage == pytest.approx(20.0)
    assert by_code["SUR"].requirement_usd is None and by_code["SUR"].coverage is None
    assert not any("not offered" in text for text in found.missing)


def test_aid_figures_are_written_as_french_writes_numbers(
    loaded_registry: sessionmaker[Session],
) -> None:
    from iofs import i18n

    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
        add_afghan_appeal(session, MAKER, CHECKER)
    previous = i18n.current_language()
    i18n.set_language("fr")
    try:
        with loaded_registry() as session:
            block = aid(session, ANONYMOUS, "AFG")
    finally:
        i18n.set_language(previous)
    texts = {fact.value: fact.text for fact in block.facts}
    # Babel's French grouping sign is a narrow no-break space (U+202F), decimals a comma
    assert texts[1_000_000.0] == "1\u202f000\u202f000 USD"
    assert [f.text for f in block.facts if f.unit == "t"] == ["1\u202f500,0 t", "250,0 t"]
