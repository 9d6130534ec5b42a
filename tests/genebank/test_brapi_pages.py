"""BrAPI germplasm pages found by key from the accession ids the trait index holds equal the
plain OFFSET pages, for the public and internal readers, and follow availability changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.genebank import brapi, service, trait_index
from iofs.genebank.models import Accession
from iofs.permissions import Principal, allows


@pytest.fixture
def bank(session_factory: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """23 accessions, every third one available, written behind the services' back and
    then counted (as ``iofs genebank reindex`` does)."""
    with transaction(session_factory) as session:
        for i in range(23):
            session.add(
                Accession(
                    instcode="KAZ015",
                    accenumb=f"B-{i:03d}",
                    genus="Hordeum",
                    taxon="Hordeum vulgare",
                    accename=f"Local {i};Syn {i}" if i % 2 else "",
                    available=i % 3 == 0,
                )
            )
        session.flush()
        service.rebuild_counts(session, cli_principal())
    trait_index.CACHE.clear()
    yield session_factory
    trait_index.CACHE.clear()


def _plain(session: Session, principal: Principal, page: int, size: int) -> list[str]:
    query = select(Accession.id).order_by(Accession.id).limit(size).offset(page * size)
    if not allows(principal, "genebank.read_internal"):
        query = query.where(Accession.available.is_(True))
    return [str(i) for i in session.execute(query).scalars()]


@pytest.mark.parametrize("internal", [False, True])
def test_key_pages_equal_offset_pages(bank: sessionmaker[Session], internal: bool) -> None:
    principal = cli_principal() if internal else Principal()
    with bank() as session:
        expected_total = len(_plain(session, principal, 0, 1000))
        for size in (1, 4, 7, 1000):
            for page in range(expected_total // size + 2):
                total, data = brapi.germplasm_page(session, principal, page, size)
                assert total == expected_total
                assert [d["germplasmDbId"] for d in data] == _plain(session, principal, page, size)
        # the filtered path (by genus) gives the same records as the key path
        _total, keyed = brapi.germplasm_page(session, principal, 0, 1000)
        _total, filtered = brapi.germplasm_page(session, principal, 0, 1000, genus="Hordeum")
        assert keyed == filtered


def test_key_pages_follow_availability(bank: sessionmaker[Session]) -> None:
    with bank() as session:
        total, data = brapi.germplasm_page(session, Principal(), 0, 1000)
        hidden = (
            session.execute(
                select(Accession.id).where(Accession.available.is_(False)).order_by(Accession.id)
            )
            .scalars()
            .first()
        )
    assert hidden is not None
    with transaction(bank) as session:
        service.set_available(session, cli_principal(), hidden, True)
    with bank() as session:
        after_total, after = brapi.germplasm_page(session, Principal(), 0, 1000)
    assert after_total == total + 1
    assert str(hidden) in {d["germplasmDbId"] for d in after}
    assert str(hidden) not in {d["germplasmDbId"] for d in data}
