"""Which records a route's answers are made of: the record types (tables) of its module and of
every module that module reads, transitively.

Each module declares in its manifest the other modules whose records its pages and API show
(:attr:`iofs.modules.Module.reads`; a test holds the declarations to the import graph, so a
module cannot start showing another's records without saying so). A table belongs to the
module whose package defines its mapped class. The public answers' cache
(:mod:`iofs.web.public_cache`) keeps a page while the newest audit entry of each of these
record types is unchanged, so that a contribution recorded in the programmes leaves the gene
bank's and the price monitor's pages cached.

Routes outside every module (the platform's own), and record types no module claims (e.g. an
analytics slice removed, ``data_slice``), are treated as reading everything: a change of an
unclaimed record type renews every page, never too few.

**Pages about one state.** A contribution recorded for Palestine changes nothing on Mali's
country brief, yet it moves the newest entry of the contributions' table, which Mali's brief
reads. A module declares the tables each of whose rows concerns the state named in one of its
fields (:attr:`iofs.modules.Module.state_fields`: a contribution's ``country``), the audit
chain keeps those tables' newest entry per state as well (:mod:`iofs.audit.chain`), and a
route whose answer for the state in a path parameter shows such rows only where they concern
that state says so with :func:`for_state`. Its version for that state then takes those
tables' newest entry *for the state* (or of an entry whose state could not be read,
:data:`ANY_STATE`), so a brief is renewed by the writes about its own state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from iofs.db import Base
from iofs.modules import Module, StateField, all_modules, load_models

#: Record types a route reads; ``None``: all of them.
RecordTypes = frozenset[str] | None
#: (record type, ISO3 state) → the newest audit entry id of a row concerning that state.
StateHeads = Mapping[tuple[str, str], int]
#: The state of an entry whose snapshot does not say which state it concerns: every state.
ANY_STATE = "*"
#: Attribute :func:`for_state` sets on a route's endpoint: the path parameter naming its state.
STATE_PARAMETER = "__iofs_state_parameter__"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def for_state(parameter: str) -> Callable[[Endpoint], Endpoint]:
    """Declare that the route's answer for the state in path parameter ``parameter`` shows
    the rows of the modules' :attr:`~iofs.modules.Module.state_fields` tables only where they
    concern that state (e.g. the contributions counted *for* it), so that a write about
    another state leaves it kept (:meth:`DataDependencies.newest`)."""

    def declare(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, STATE_PARAMETER, parameter)
        return endpoint

    return declare


def state_of(endpoint: Callable[..., Any] | None, path_params: Mapping[str, Any]) -> str | None:
    """The state (upper-case ISO3) a :func:`for_state` route answered for, from its path
    parameters; None for every other route."""
    parameter = getattr(endpoint, STATE_PARAMETER, None)
    value = path_params.get(parameter) if isinstance(parameter, str) else None
    return str(value).upper() if value else None


def module_of(python_module: str, modules: tuple[Module, ...]) -> Module | None:
    """The iofs module whose package holds the Python module ``python_module`` (the longest
    matching package: ``iofs.monitor.risk.pages`` belongs to ``risk``, not to a parent)."""
    best: Module | None = None
    for module in modules:
        package = module.package
        inside = python_module == package or python_module.startswith(package + ".")
        if inside and (best is None or len(package) > len(best.package)):
            best = module
    return best


def read_closure(name: str, modules: tuple[Module, ...]) -> frozenset[str]:
    """The module ``name`` and every module it reads, directly or through another."""
    declared = {m.name: m.reads for m in modules}
    unknown = {r for reads in declared.values() for r in reads} - set(declared)
    if unknown:
        raise ValueError(f"a module manifest reads unknown modules: {sorted(unknown)}")
    seen = {name}
    pending = [name]
    while pending:
        for other in declared[pending.pop()]:
            if other not in seen:
                seen.add(other)
                pending.append(other)
    return frozenset(seen)


def tables_of_modules(modules: tuple[Module, ...]) -> dict[str, frozenset[str]]:
    """Module name → the names of the tables its package maps."""
    load_models()
    found: dict[str, set[str]] = {m.name: set() for m in modules}
    for mapper in Base.registry.mappers:
        owner = module_of(mapper.class_.__module__, modules)
        table = getattr(mapper.class_, "__tablename__", None)
        if owner is not None and table:
            found[owner.name].add(table)
    return {name: frozenset(tables) for name, tables in found.items()}


@dataclass(frozen=True)
class DataDependencies:
    """Record types read by each module's routes, and those no module claims."""

    #: Module name → record types its routes read (its closure's tables).
    reads: Mapping[str, frozenset[str]]
    #: Every record type some module claims.
    claimed: frozenset[str]
    modules: tuple[Module, ...]
    #: Record type → which state each of its rows concerns.
    state_fields: Mapping[str, StateField] = field(default_factory=dict)

    def of_endpoint(self, endpoint: Callable[..., Any] | None) -> RecordTypes:
        """Record types the route served by ``endpoint`` reads (None: all, or unknown)."""
        if endpoint is None:
            return None
        module = module_of(getattr(endpoint, "__module__", "") or "", self.modules)
        return None if module is None else self.reads[module.name]

    def newest(
        self,
        heads: Mapping[str, int],
        types: RecordTypes,
        state: str | None = None,
        by_state: StateHeads | None = None,
    ) -> int:
        """The newest audit entry id among ``types`` and the unclaimed record types, from
        ``heads`` (record type → newest entry id); 0 when there is none. For an answer about
        ``state`` (a :func:`for_state` route), the :attr:`state_fields` tables count only
        their newest entry concerning it, from ``by_state``."""
        if state is not None and by_state is not None:
            heads = {
                kind: (
                    max(by_state.get((kind, state), 0), by_state.get((kind, ANY_STATE), 0))
                    if kind in self.state_fields
                    else newest
                )
                for kind, newest in heads.items()
            }
        if types is None:
            return max(heads.values(), default=0)
        return max(
            (i for kind, i in heads.items() if kind in types or kind not in self.claimed),
            default=0,
        )


@cache
def data_dependencies() -> DataDependencies:
    """The dependencies of every module's routes, from the module manifests."""
    modules = all_modules()
    tables = tables_of_modules(modules)
    reads = {
        m.name: frozenset().union(*(tables[r] for r in read_closure(m.name, modules)))
        for m in modules
    }
    claimed = frozenset().union(*tables.values())
    state_fields = {declared.table: declared for m in modules for declared in m.state_fields}
    named = set(state_fields) | {d.via for d in state_fields.values() if d.via is not None}
    unknown = named - claimed
    if unknown:
        raise ValueError(f"a module manifest names state fields of unknown tables: {unknown}")
    return DataDependencies(
        reads=reads, claimed=claimed, modules=modules, state_fields=state_fields
    )
