"""Demonstration data of the labels: the shipped seed (the same as a fresh install has)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from iofs.labels.seed import apply_seed
from iofs.permissions import Principal


def load(session: Session, principal: Principal) -> str:
    """Seed the shipped labels (idempotent; edited labels kept); returns a summary."""
    del principal  # seeding is the package's data, not a person's edit
    summary = apply_seed(session)
    return f"{summary.created} labels added, {summary.updated} updated, {summary.kept} kept"
