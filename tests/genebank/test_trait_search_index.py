"""Trait search from the in-memory trait index equals the plain query (``EXISTS`` an
observation meeting each condition) on small data, on both databases; the index follows
new observations; estimated totals are flagged."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.genebank import demo, service, trait_index, traits
from iofs.genebank.models import Accession, Observation
from iofs.genebank.schemas import TraitIn
from iofs.permissions import Principal, allows

GENERA = ["Triticum", "Hordeum", "Cicer"]
CODES = ["R", "G", "W"]
DEFINITIONS = [
    TraitIn(code="DTH", name="Days to heading", scale="numeric", unit="d"),
    TraitIn(
        code="DRT", name="Drought tolerance", scale="ordinal", categories="1=low;3=;5=;7=;9=high"
    ),
    TraitIn(code="COL", name="Seed colour", scale="nominal", categories="R=red;G=green;W=white"),
]


@pytest.fixture
def small_bank(session_factory: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """60 accessions (half available, three genera) with 0–3 observations per trait each,
    imported through the trait service."""
    rng = random.Random(19)
    principal = cli_principal()
    with transaction(session_factory) as session:
        for definition in DEFINITIONS:
            traits.define_trait(session, principal, definition)
        for i in range(60):
            session.add(
                Accession(
                    instcode="KAZ015",
                    accenumb=f"T-{i:03d}",
                    genus=GENERA[i % 3],
                    taxon=f"{GENERA[i % 3]} sp",
                    available=i % 2 == 0,
                )
            )
        session.flush()
        rows = []
        for i in range(60):
            for code, values in (
                ("DTH", [str(rng.randrange(90, 131)) for _ in range(rng.randrange(4))]),
                ("DRT", [rng.choice("13579") for _ in range(rng.randrange(4))]),
                ("COL", [rng.choice(CODES) for _ in range(rng.randrange(3))]),
            ):
                for n, value in enumerate(values):
                    row = {"INSTCODE": "KAZ015", "ACCENUMB": f"T-{i:03d}", "TRAIT": code}
                    # distinct observations: same value on different dates
                    rows.append(
                        (len(rows) + 2, {**row, "VALUE": value, "DATE": f"2020-01-{n + 1:02d}"})
                    )
        traits.import_observations(session, principal, rows)
        service.rebuild_counts(session, principal)  # accessions written behind its back
    trait_index.CACHE.clear()
    yield session_factory
    trait_index.CACHE.clear()


def _reference(
    session: Session,
    principal: Principal,
    criteria: list[traits.Criterion],
    genus: str,
    available: bool | None = None,
) -> list[int]:
    """The plain query: accessions with, for each condition, an observation meeting it."""
    query = select(Accession.id).order_by(Accession.id)
    for criterion in criteria:
        trait = traits.get_trait(session, criterion.code)
        if trait.scale == "nominal":
            value: Any = Observation.value_code == criterion.value
        else:
            number = float(criterion.value)
            column = Observation.value_number
            value = {
                ">=": column >= number,
                "<=": column <= number,
                "=": column == number,
                ">": column > number,
                "<": column < number,
            }[criterion.operator]
        query = query.where(
            exists().where(
                Observation.accession_id == Accession.id, Observation.trait_id == trait.id, value
            )
        )
    if not allows(principal, "genebank.read_internal"):
        query = query.where(Accession.available.is_(True))
    elif available is not None:
        query = query.where(Accession.available.is_(available))
    if genus:
        query = query.where(Accession.genus == genus)
    return list(session.execute(query).scalars())


numeric = st.tuples(
    st.sampled_from(["DTH", "DRT"]),
    st.sampled_from(traits.OPERATORS),
    st.integers(min_value=85, max_value=135) | st.sampled_from([1, 3, 4, 5, 7, 9, 10]),
).map(lambda t: traits.Criterion(t[0], t[1], str(t[2])))
nominal = st.sampled_from([*CODES, "X"]).map(lambda c: traits.Criterion("COL", "=", c))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(
    criteria=[traits.Criterion("DRT", ">", "7")],
    internal=True,
    genus="",
    available=None,
    offset=0,
    limit=100,
)
@example(
    criteria=[traits.Criterion("DRT", "<", "3")],
    internal=True,
    genus="",
    available=False,
    offset=0,
    limit=100,
)
@example(
    criteria=[traits.Criterion("DRT", "=", "5")],
    internal=False,
    genus="",
    available=None,
    offset=0,
    limit=100,
)
@example(
    criteria=[traits.Criterion("DTH", "<=", "100"), traits.Criterion("COL", "=", "R")],
    internal=False,
    genus="Cicer",
    available=None,
    offset=0,
    limit=100,
)
@given(
    criteria=st.lists(numeric | nominal, min_size=1, max_size=3),
    internal=st.booleans(),
    genus=st.sampled_from(["", *GENERA]),
    available=st.sampled_from([None, True, False]),
    offset=st.sampled_from([0, 0, 3, 20]),
    limit=st.sampled_from([1, 5, 100]),
)
def test_index_search_equals_the_plain_query(
    small_bank: sessionmaker[Session],
    criteria: list[traits.Criterion],
    internal: bool,
    genus: str,
    available: bool | None,
    offset: int,
    limit: int,
) -> None:
    principal = cli_principal() if internal else Principal()
    with small_bank() as session:
        expected = _reference(session, principal, criteria, genus, available)
        result = traits.trait_search_result(
            session,
            principal,
            criteria,
            limit=limit,
            offset=offset,
            filters=service.SearchQuery(genus=genus, available=available),
        )
    assert not result.approximate
    assert result.total == len(expected)
    assert [a.id for a in result.accessions] == expected[offset : offset + limit]


def test_index_follows_new_observations(small_bank: sessionmaker[Session]) -> None:
    criteria = [traits.Criterion("DTH", ">=", "500")]
    with small_bank() as session:
        assert traits.trait_search_result(session, cli_principal(), criteria).total == 0
    with transaction(small_bank) as session:
        traits.define_trait(
            session,
            cli_principal(),
            TraitIn(code="DTH", name="Days to heading", scale="numeric", unit="d"),
        )
        row = {"INSTCODE": "KAZ015", "ACCENUMB": "T-001", "TRAIT": "DTH", "VALUE": "600"}
        traits.import_observations(session, cli_principal(), [(2, row)])
        # the writing transaction sees its own observation
        assert traits.trait_search_result(session, cli_principal(), criteria).total == 1
    with small_bank() as session:
        found = traits.trait_search_result(session, cli_principal(), criteria)
        assert [a.accenumb for a in found.accessions] == ["T-001"]


def test_rolled_back_observations_are_not_found(small_bank: sessionmaker[Session]) -> None:
    criteria = [traits.Criterion("DTH", ">=", "500")]
    with small_bank() as session:
        row = {"INSTCODE": "KAZ015", "ACCENUMB": "T-001", "TRAIT": "DTH", "VALUE": "700"}
        traits.import_observations(session, cli_principal(), [(2, row)])
        assert traits.trait_search_result(session, cli_principal(), criteria).total == 1
        session.rollback()
    with small_bank() as session:
        assert traits.trait_search_result(session, cli_principal(), criteria).total == 0


def test_estimated_total_is_flagged(
    small_bank: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above EXACT_LIMIT candidates and with filters the database applies, the total is
    estimated from a sample and said so; the page is still exact."""
    criteria = [traits.Criterion("DRT", ">=", "1")]
    with small_bank() as session:
        expected = _reference(session, Principal(), criteria, "Triticum")
        exact = traits.trait_search_result(
            session, Principal(), criteria, filters=service.SearchQuery(genus="Triticum")
        )
        monkeypatch.setattr(traits, "EXACT_LIMIT", 5)
        monkeypatch.setattr(traits, "SAMPLE", 4)
        result = traits.trait_search_result(
            session,
            Principal(),
            criteria,
            limit=3,
            offset=1,
            filters=service.SearchQuery(genus="Triticum"),
        )
    assert result.approximate and not exact.approximate
    assert [a.id for a in result.accessions] == expected[1:4]
    assert exact.total == len(expected)
    assert 0 <= result.total <= 3 * len(expected)


def test_index_follows_availability(small_bank: sessionmaker[Session]) -> None:
    """The public's availability mask is re-read after an accession is made available or
    withdrawn, even when the search counts come out the same."""
    criteria = [traits.Criterion("DRT", ">=", "1")]
    with small_bank() as session:
        before = [
            a.id for a in traits.trait_search_result(session, Principal(), criteria).accessions
        ]
    with small_bank() as session:
        ids = [
            a.id for a in traits.trait_search_result(session, cli_principal(), criteria).accessions
        ]
    newcomer = next(i for i in ids if i not in before)
    withdrawn = before[0]
    with transaction(small_bank) as session:
        service.set_available(session, cli_principal(), newcomer, True)
        service.set_available(session, cli_principal(), withdrawn, False)
    with small_bank() as session:
        after = [
            a.id for a in traits.trait_search_result(session, Principal(), criteria).accessions
        ]
    assert newcomer in after and withdrawn not in after


def test_api_says_when_the_total_is_estimated(
    client: TestClient, loaded_registry: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
        traits.define_trait(session, cli_principal(), DEFINITIONS[1])
        numbers = session.execute(select(Accession.instcode, Accession.accenumb)).all()
        rows = [
            (n + 2, {"INSTCODE": i, "ACCENUMB": a, "TRAIT": "DRT", "VALUE": "7"})
            for n, (i, a) in enumerate(numbers)
        ]
        traits.import_observations(session, cli_principal(), rows)
    url = "/api/v1/genebank/trait-search?where=DRT>=5&genus=Triticum&limit=1"
    exact = client.get(url).json()
    assert exact["approximate"] is False and exact["total"] >= 1
    monkeypatch.setattr(traits, "EXACT_LIMIT", 1)
    monkeypatch.setattr(traits, "SAMPLE", 1)
    estimated = client.get(url).json()
    assert estimated["approximate"] is True
    assert [a["id"] for a in estimated["accessions"]] == [a["id"] for a in exact["accessions"]]


def test_reindex_after_writes_behind_the_service(small_bank: sessionmaker[Session]) -> None:
    """Observations written straight to the table are not seen until ``iofs genebank
    reindex`` (``rebuild_counts``) renews the tokens; then they are."""
    criteria = [traits.Criterion("DTH", ">=", "800")]
    with small_bank() as session:
        assert traits.trait_search_result(session, cli_principal(), criteria).total == 0
        trait = traits.get_trait(session, "DTH")
        first = session.execute(select(Accession.id).order_by(Accession.id)).scalars().first()
    with transaction(small_bank) as session:
        session.add(Observation(trait_id=trait.id, accession_id=first, value_number=900.0))
    with small_bank() as session:
        assert traits.trait_search_result(session, cli_principal(), criteria).total == 0
    with transaction(small_bank) as session:
        service.rebuild_counts(session, cli_principal())
    with small_bank() as session:
        found = traits.trait_search_result(session, cli_principal(), criteria)
    assert [a.id for a in found.accessions] == [first]
