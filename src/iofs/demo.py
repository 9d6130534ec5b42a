"""``iofs demo load``: each module contributes its sourced demonstration data.

A module names its loader in its manifest (``Module(demo="pkg.demo:load")``); loaders run in
the order of the module list in one transaction, are idempotent (a second load changes
nothing), and mark every figure that is not from a public source as illustrative, in the data
and on the page.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from iofs.modules import demo_loaders
from iofs.permissions import Principal


def load_all(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """Run every module's demo loader; (module, one-line summary) for each."""
    return [(name, load(session, principal)) for name, load in demo_loaders()]
