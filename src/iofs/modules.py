"""The one list of iofs modules, and the shape in which each module declares itself.

Each module folder holds a ``module.py`` with ``MODULE = Module(...)``: its routers, command
groups, navigation entries, permission declarations, demo loader, KPI feeds, tables and
migration branch. :data:`MODULES` lists the folders; the app factory, the root CLI, the model
registry, ``iofs demo load``, the navigation, the KPI feed registry and the permission table
all loop over it. Adding a module is one folder and one line here.

Everything a module declares is a *reference* (``"package.module:attribute"``), imported only
when it is used: listing the modules imports no route, table or heavy library, which keeps
``iofs --help`` fast and lets ``iofs users permissions`` run without building the web app.
(The shape follows datasette's plugin registry: declarations first, imports on demand.)
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

#: Module folders, in display order (navigation, demo loading, permission table).
MODULES: tuple[str, ...] = (
    "iofs.members",
    "iofs.labels",
    "iofs.strategy",
    "iofs.programmes",
    "iofs.monitor.prices",
    "iofs.monitor.drought",
    "iofs.genebank",
    "iofs.monitor.faostat",
    "iofs.monitor.ipc",
    "iofs.monitor.risk",
    "iofs.monitor.data",
    "iofs.reserves",
    "iofs.briefs",
    "iofs.notifications",
    "iofs.jobs",
    "iofs.accounts",
    "iofs.audit",
    "iofs.backup",
)


@dataclass(frozen=True)
class Command:
    """A command (or command group) of the ``iofs`` CLI, imported when it is invoked.

    ``target`` is a Typer app (a group) or a command function; ``group`` names the shared
    verb it belongs under (``"ingest"``, ``"fetch"``), or None for a top-level command.
    ``help`` is what ``iofs --help`` shows without importing the target.
    """

    name: str
    target: str
    help: str
    group: str | None = None


@dataclass(frozen=True)
class NavigationEntry:
    """A link in the top navigation; ``label`` is an untranslated msgid."""

    path: str
    label: str


@dataclass(frozen=True)
class StateField:
    """Which OIC state each row of ``table`` concerns: the ISO3 code in its ``field``, or,
    with ``via``, the state of the row of table ``via`` whose id is in ``field`` (a
    contribution's status step concerns its contribution's state). A row whose state cannot
    be told concerns every state."""

    table: str
    field: str
    via: str | None = None


@dataclass(frozen=True)
class Module:
    """What one module contributes to the platform (every field a lazy reference).

    - ``api_routers`` / ``page_routers``: ``"pkg.api:router"``; API routers are mounted under
      ``/api/v1``.
    - ``permissions``: modules whose import declares the module's permissions.
    - ``demo``: ``"pkg.demo:load"``, a ``load(session, principal) -> summary`` function.
    - ``feeds``: modules whose import registers KPI feeds with the strategy module.
    - ``models``: the module holding its SQLAlchemy tables; ``migrations_branch`` its Alembic
      branch label (None: the trunk).
    - ``jobs``: ``"pkg.jobs:KIND"`` references to :class:`iofs.jobs.kinds.JobKind` objects, the
      background jobs the module runs (imports, fetches, digests).
    - ``reads``: names of the other modules whose records the module's pages and API show
      (through their services). The public answers' cache renews a page when a record of its
      module or of one it reads changes, and only then (:mod:`iofs.data_dependencies`);
      a test holds the list to the import graph.
    - ``state_fields``: :class:`StateField` declarations of tables each of whose rows
      concerns one OIC state, e.g. a contribution the state in its ``country``. A page about
      one state that shows such rows only where they concern that state (declared with
      :func:`iofs.data_dependencies.for_state`) is then renewed by a change of a row
      concerning that state, not by every change of the table (:mod:`iofs.audit.chain`
      keeps each table's newest entry per state).
    """

    name: str
    package: str
    api_routers: tuple[str, ...] = ()
    page_routers: tuple[str, ...] = ()
    commands: tuple[Command, ...] = ()
    navigation: tuple[NavigationEntry, ...] = ()
    permissions: tuple[str, ...] = ()
    demo: str | None = None
    feeds: tuple[str, ...] = ()
    models: str | None = None
    migrations_branch: str | None = None
    jobs: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    state_fields: tuple[StateField, ...] = ()


def resolve(reference: str) -> Any:
    """Import ``"package.module:attribute"`` (or a bare module path) and return it."""
    module_path, _, attribute = reference.partition(":")
    module = importlib.import_module(module_path)
    return getattr(module, attribute) if attribute else module


@cache
def all_modules() -> tuple[Module, ...]:
    """Every module's declaration, in the order of :data:`MODULES`."""
    declared: list[Module] = []
    for package in MODULES:
        module = importlib.import_module(f"{package}.module").MODULE
        if not isinstance(module, Module):
            raise TypeError(f"{package}.module.MODULE is not an iofs.modules.Module")
        declared.append(module)
    return tuple(declared)


def commands() -> Iterator[Command]:
    """Every module's CLI commands, in module order."""
    for module in all_modules():
        yield from module.commands


def navigation() -> list[NavigationEntry]:
    """The top navigation of the whole app, in display order."""
    return [entry for module in all_modules() for entry in module.navigation]


def load_models() -> None:
    """Import every module's tables so that ``Base.metadata`` knows them all."""
    for module in all_modules():
        if module.models:
            importlib.import_module(module.models)


def load_permissions() -> None:
    """Import every module's permission declarations (the permission table is then full)."""
    for module in all_modules():
        for reference in module.permissions:
            importlib.import_module(reference)


def load_feeds() -> None:
    """Import every module that registers KPI feeds."""
    for module in all_modules():
        for reference in module.feeds:
            importlib.import_module(reference)


def job_kinds() -> dict[str, Any]:
    """Every module's job kinds (:class:`iofs.jobs.kinds.JobKind`), by name."""
    kinds: dict[str, Any] = {}
    for module in all_modules():
        for reference in module.jobs:
            kind = resolve(reference)
            if kind.name in kinds:
                raise ValueError(f"two modules declare the job kind {kind.name!r}")
            kinds[kind.name] = kind
    return kinds


def demo_loaders() -> list[tuple[str, Any]]:
    """(module name, ``load(session, principal) -> summary``) of every module with demo data."""
    return [(module.name, resolve(module.demo)) for module in all_modules() if module.demo]
