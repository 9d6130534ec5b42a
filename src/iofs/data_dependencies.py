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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from iofs.db import Base
from iofs.modules import Module, all_modules, load_models

#: Record types a route reads; ``None``: all of them.
RecordTypes = frozenset[str] | None


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

    def of_endpoint(self, endpoint: Callable[..., Any] | None) -> RecordTypes:
        """Record types the route served by ``endpoint`` reads (None: all, or unknown)."""
        if endpoint is None:
            return None
        module = module_of(getattr(endpoint, "__module__", "") or "", self.modules)
        return None if module is None else self.reads[module.name]

    def newest(self, heads: Mapping[str, int], types: RecordTypes) -> int:
        """The newest audit entry id among ``types`` and the unclaimed record types, from
        ``heads`` (record type → newest entry id); 0 when there is none."""
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
    return DataDependencies(reads=reads, claimed=claimed, modules=modules)
