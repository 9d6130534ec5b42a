"""``iofs demo load``: each module contributes its sourced demonstration data.

A module registers a loader with :func:`demo_loader`; loaders run in registration order in
one transaction, are idempotent (a second load changes nothing), and mark every figure that
is not from a public source as illustrative, in the data and on the page.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from iofs.permissions import Principal


@dataclass(frozen=True)
class DemoLoader:
    """A module's demo loader: returns a one-line summary of what it added."""

    module: str
    load: Callable[[Session, Principal], str]


LOADERS: list[DemoLoader] = []

#: Modules with a ``demo`` submodule that registers a loader; a module adds one line here.
DEMO_MODULES: list[str] = []
DEMO_MODULES.append("iofs.strategy.demo")
DEMO_MODULES.append("iofs.programmes.demo")
DEMO_MODULES.append("iofs.genebank.demo")


def demo_loader(module: str) -> Callable[[Callable[[Session, Principal], str]],
                                         Callable[[Session, Principal], str]]:
    """Decorator registering ``load(session, principal) -> summary`` for ``module``."""
    def register(load: Callable[[Session, Principal], str]) -> Callable[[Session, Principal],
                                                                        str]:
        LOADERS.append(DemoLoader(module, load))
        return load
    return register


def load_all(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """Import the demo modules, run every registered loader; (module, summary) for each."""
    for name in DEMO_MODULES:
        importlib.import_module(name)
    return [(loader.module, loader.load(session, principal)) for loader in LOADERS]
