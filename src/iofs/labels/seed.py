"""The labels shipped with the package (``seed/*.csv``) and how they reach the database.

Each seed file has the columns ``domain,code,en,ar,fr,source``: one code per line with its
English, Arabic and French text and the published multilingual source the terms are taken
from (FAO Term Portal and FAOSTAT's Arabic and French interfaces for items and elements, the
MCPD V.2.1 code lists and their French edition, WFP commodity names, the IOFS and OIC names of
their own programmes and reserves). An empty cell is a translation not seeded.

Seeding adds the labels the database lacks and brings up to date those still as seeded; it
never changes a label a person edited (``updated_by`` other than :data:`SEED_AUTHOR`).
Running it twice changes nothing the second time. It runs when the labels' migration creates
the table (``iofs db upgrade``), from ``iofs labels seed`` and from the demo loader.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from iofs.labels.cache import touch
from iofs.labels.domains import DOMAINS, LANGUAGES
from iofs.labels.models import SEED_AUTHOR, DataLabel

SEED_COLUMNS = ("domain", "code", *LANGUAGES, "source")


@dataclass(frozen=True)
class SeedLabel:
    """One shipped label: a code's text in one language and its source."""

    domain: str
    code: str
    language: str
    text: str
    source: str


@dataclass(frozen=True)
class SeedSummary:
    """What a seeding did: labels added, updated (still as seeded), kept (edited by a person)."""

    created: int
    updated: int
    kept: int


def seed_files() -> list[str]:
    """Names of the shipped seed files, sorted."""
    folder = resources.files("iofs.labels") / "seed"
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".csv"))


@cache
def seed_labels() -> tuple[SeedLabel, ...]:
    """Every shipped label; a malformed seed file is a packaging error (ValueError)."""
    folder = resources.files("iofs.labels") / "seed"
    found: dict[tuple[str, str, str], SeedLabel] = {}
    for name in seed_files():
        reader = csv.DictReader(io.StringIO((folder / name).read_text(encoding="utf-8")))
        if tuple(reader.fieldnames or ()) != SEED_COLUMNS:
            raise ValueError(f"seed/{name}: the columns must be {', '.join(SEED_COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            domain, code, source = row["domain"], row["code"].strip(), row["source"].strip()
            if domain not in DOMAINS or not code or not row["en"].strip():
                raise ValueError(f"seed/{name} line {line}: unknown domain or empty code/English")
            for language in LANGUAGES:
                text = (row[language] or "").strip()
                key = (domain, code, language)
                if not text:
                    continue
                if key in found:
                    raise ValueError(f"seed/{name} line {line}: {domain} {code!r} seeded twice")
                found[key] = SeedLabel(domain, code, language, text, source)
    return tuple(found.values())


def apply_seed(session: Session) -> SeedSummary:
    """Add and refresh the shipped labels in the caller's transaction (see the module doc)."""
    table = cast(Table, DataLabel.__table__)
    columns = table.c
    existing = {
        (r.domain, r.code, r.language): r
        for r in session.execute(
            select(
                columns.id,
                columns.domain,
                columns.code,
                columns.language,
                columns.text,
                columns.source,
                columns.updated_by,
            )
        )
    }
    now = datetime.now(UTC)
    new: list[dict[str, object]] = []
    updated = kept = 0
    for label in seed_labels():
        current = existing.get((label.domain, label.code, label.language))
        if current is None:
            new.append(
                {
                    "domain": label.domain,
                    "code": label.code,
                    "language": label.language,
                    "text": label.text,
                    "source": label.source,
                    "updated_at": now,
                    "updated_by": SEED_AUTHOR,
                }
            )
        elif current.updated_by != SEED_AUTHOR:
            kept += 1
        elif (current.text, current.source) != (label.text, label.source):
            session.execute(
                update(table)
                .where(columns.id == current.id)
                .values(text=label.text, source=label.source, updated_at=now)
            )
            updated += 1
    if new:
        session.execute(insert(table), new)
    if new or updated:
        touch(session)
    return SeedSummary(len(new), updated, kept)
