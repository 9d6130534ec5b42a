"""Blocks of the public country briefs, kept by each worker while the records they show are
unchanged.

A country brief reads ten modules. Any audited write of one of them renews the whole brief in
the public answers' cache (:mod:`iofs.web.public_cache`): with writers at work (a
contribution every few seconds), nearly every visit to a brief renders all ten blocks again,
although the contribution changed the aid block only. Here each block of a visitor's brief is
kept under its own version — the newest audit entry among the record types its module reads
(:mod:`iofs.data_dependencies`, from the module manifests; of the tables whose rows concern
one state, the newest entry about the brief's state: a brief shows those rows only for its
own state) and the analytics store's signature — so a brief rendered again computes only the
blocks whose records changed.

Kept only for visitors who are not signed in (what a block shows a signed-in user depends on
their roles), under the same switch as the public answers' cache
(``IOFS_PUBLIC_CACHE_SECONDS``: off in tests by default), and for the current day (blocks
count days to deadlines and name the latest month). It relies on what that cache relies on:
every change of the records goes through the audit chain, every change of the analytics
store renames files into its directories.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from iofs.analytics_store.signature import store_signature
from iofs.audit import service as audit
from iofs.briefs.model import Block
from iofs.config import Settings
from iofs.data_dependencies import data_dependencies
from iofs.i18n import current_language
from iofs.permissions import Principal

#: Brief block key → the module whose service computes it.
BLOCK_MODULES: Mapping[str, str] = {
    "identity": "members",
    "risk": "risk",
    "prices": "prices",
    "drought": "drought",
    "food_supply": "faostat",
    "ipc": "ipc",
    "aid": "programmes",
    "reserves": "reserves",
    "genebank": "genebank",
    "strategy": "strategy",
}
#: Blocks kept per worker (57 states × 3 languages × 10 blocks, a few months asked for).
MAX_BLOCKS = 4096

_kept: OrderedDict[tuple[Any, ...], Block] = OrderedDict()
_lock = threading.Lock()


def is_visitor(principal: Principal) -> bool:
    """Whether ``principal`` is a visitor who is not signed in (no user, roles or CLI label)."""
    return not principal.is_authenticated and not principal.roles and principal.label is None


def brief_blocks(
    session: Session,
    settings: Settings,
    principal: Principal,
    key: tuple[str, str | None],
    compute: Mapping[str, Callable[[], Block]],
) -> list[Block]:
    """The blocks ``compute`` makes (block key → function), in its order: kept ones for a
    visitor while their version holds, computed (and kept) otherwise. ``key``: (ISO3, month
    asked for or None)."""
    if settings.resolved_public_cache_seconds <= 0 or not is_visitor(principal):
        return [make() for make in compute.values()]
    dependencies = data_dependencies()
    newest = audit.newest_entries(session)
    signature = store_signature(settings.analytics_dir)
    where = (settings.database_url, str(settings.analytics_dir), current_language())
    today = date.today().isoformat()
    state = key[0]
    found = []
    for name, make in compute.items():
        types = dependencies.reads[BLOCK_MODULES[name]]
        latest = dependencies.newest(newest.by_type, types, state, newest.by_state)
        version = (latest, signature)
        memo_key = (*where, today, name, *key, version)
        with _lock:
            block = _kept.get(memo_key)
            if block is not None:
                _kept.move_to_end(memo_key)
        if block is None:
            block = make()
            with _lock:
                _kept[memo_key] = block
                while len(_kept) > MAX_BLOCKS:
                    _kept.popitem(last=False)
        found.append(block)
    return found


def clear() -> None:
    """Forget every kept block (tests)."""
    with _lock:
        _kept.clear()
