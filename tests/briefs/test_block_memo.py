"""A visitor's brief computes again only the blocks whose records changed (:mod:`iofs.briefs.
block_memo`): counted by wrapping each block's function, and compared with a brief computed
without the memo, on the programmes demo plus the hand-made Afghan appeal of
``tests.programmes.test_country_aid``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs import i18n
from iofs.accounts.service import cli_principal
from iofs.briefs import block_memo, blocks, service
from iofs.config import Settings
from iofs.data_dependencies import data_dependencies
from iofs.db import transaction
from iofs.modules import all_modules
from iofs.permissions import ANONYMOUS, Principal
from iofs.programmes import demo
from tests.programmes.test_country_aid import (
    APPEAL,
    CHECKER,
    MAKER,
    add_afghan_appeal,
    add_approved_contribution,
)


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Block key → how many times its function ran, with an empty memo before and after."""
    counts: Counter[str] = Counter()

    def counted(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return function(*args, **kwargs)

        return run

    for name in service.BLOCK_KEYS:
        monkeypatch.setattr(blocks, name, counted(name, getattr(blocks, name)))
    block_memo.clear()
    yield counts
    block_memo.clear()
    i18n.set_language("en")


@pytest.fixture
def afghan(loaded_registry: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
        add_afghan_appeal(session, MAKER, CHECKER)
    return loaded_registry


def _brief(
    factory: sessionmaker[Session], settings: Settings, who: Principal = ANONYMOUS
) -> dict[str, Any]:
    with factory() as session:
        return service.country_brief(session, settings, who, "AFG").record()


def _settled(factory: sessionmaker[Session], settings: Settings) -> None:
    """Read briefs until the analytics store stops changing (the first reads derive and keep
    files: FAOSTAT indicators, the risk index), then forget the blocks kept meanwhile."""
    from iofs.analytics_store.signature import store_signature

    for _ in range(5):
        before = store_signature(settings.analytics_dir)
        _brief(factory, settings)
        if store_signature(settings.analytics_dir) == before:
            break
    block_memo.clear()


def _funded(record: dict[str, Any]) -> str:
    aid = next(block for block in record["blocks"] if block["key"] == "aid")
    return next(f["text"] for f in aid["facts"] if f["label"].startswith("Funded against"))


def test_a_visitors_brief_computes_again_only_the_blocks_a_write_touched(
    afghan: sessionmaker[Session], settings: Settings, computed: Counter[str]
) -> None:
    kept = settings.model_copy(update={"public_cache_seconds": 30.0})
    _settled(afghan, kept)
    computed.clear()
    first = _brief(afghan, kept)
    assert computed == Counter(service.BLOCK_KEYS)  # every block once
    assert _brief(afghan, kept) == first and computed == Counter(service.BLOCK_KEYS)
    assert _funded(first) == "400,000 USD"

    with transaction(afghan) as session:  # an audited write in the programmes: KAZ pays more
        add_approved_contribution(session, "TEST-AFG-W-KAZ-2", APPEAL, "AFG")
    computed.clear()
    after = _brief(afghan, kept)
    assert _funded(after) == "500,000 USD"
    assert after == _brief(afghan, settings)  # the same as computed without the memo
    programmes = {
        name
        for name, module in block_memo.BLOCK_MODULES.items()
        if "programmes_contribution" in data_dependencies().reads[module]
    }
    assert "aid" in programmes and not {"identity", "prices", "drought"} & programmes
    assert set(computed) - set(service.BLOCK_KEYS) == set()
    assert computed["aid"] == 2  # with the memo, then without it
    assert computed["prices"] == 1 and computed["identity"] == 1  # without the memo only
    assert {name for name, n in computed.items() if n == 2} == programmes

    computed.clear()
    i18n.set_language("fr")  # another language: its own blocks
    _brief(afghan, kept)
    assert computed == Counter(service.BLOCK_KEYS)


def test_signed_in_users_and_tests_by_default_compute_every_block(
    afghan: sessionmaker[Session], settings: Settings, computed: Counter[str]
) -> None:
    kept = settings.model_copy(update={"public_cache_seconds": 30.0})
    for _ in range(2):
        _brief(afghan, kept, CHECKER)  # what a block shows a user depends on their roles
        _brief(afghan, settings)  # IOFS_ENV=test: the public cache, and the memo, are off
    assert computed == Counter({name: 4 for name in service.BLOCK_KEYS})
    assert not block_memo.is_visitor(CHECKER) and not block_memo.is_visitor(cli_principal())
    assert block_memo.is_visitor(Principal(ip="198.51.100.7", language="fr"))


def test_an_ingest_renews_the_blocks_read_from_the_analytics_store(
    afghan: sessionmaker[Session], settings: Settings, computed: Counter[str]
) -> None:
    kept = settings.model_copy(update={"public_cache_seconds": 30.0})
    _settled(afghan, kept)
    _brief(afghan, kept)
    computed.clear()
    _brief(afghan, kept)
    assert not computed
    folder = settings.analytics_dir / "prices"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "renamed-in.parquet").write_bytes(b"")  # what an ingest's rename does to a folder
    computed.clear()
    _brief(afghan, kept)
    assert computed["prices"] == 1


def test_every_block_names_the_module_that_computes_it() -> None:
    assert tuple(block_memo.BLOCK_MODULES) == service.BLOCK_KEYS
    assert set(block_memo.BLOCK_MODULES.values()) <= {m.name for m in all_modules()}


def test_a_contribution_for_another_state_leaves_the_briefs_blocks_kept(
    afghan: sessionmaker[Session], settings: Settings, computed: Counter[str]
) -> None:
    kept = settings.model_copy(update={"public_cache_seconds": 30.0})
    _settled(afghan, kept)
    first = _brief(afghan, kept)
    with transaction(afghan) as session:  # a contribution counted for Palestine
        add_approved_contribution(session, "TEST-PSE-MEMO-1", "F4H-GAZA", "PSE")
    computed.clear()
    assert _brief(afghan, kept) == first
    assert not computed  # no block of Afghanistan's brief computed again
    with afghan() as session:
        assert service.country_brief(session, kept, ANONYMOUS, "PSE").record() == (
            service.country_brief(session, settings, ANONYMOUS, "PSE").record()
        )  # Palestine's, kept or not, counts it
    assert computed["aid"] == 2
