"""Tables of the data vocabulary: one row per (domain, code, language), and a change stamp.

``code`` is what the data holds: the English name for vocabularies stored by name (WFP
commodities, FAOSTAT items and elements), the code for code lists (MCPD ``COLLSRC`` 40) and
records (a reserve system's code, a KPI's code). The English row carries the text shown when a
language has none (the fallback).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from iofs.db import Base

#: Who wrote a row that came from the seed files (a person's edit carries their name).
SEED_AUTHOR = "seed"


class DataLabel(Base):
    """The text of one code of one vocabulary in one language, and where it comes from."""

    __tablename__ = "data_labels"
    __table_args__ = (UniqueConstraint("domain", "code", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    domain: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(300), default=SEED_AUTHOR)


class DataLabelStamp(Base):
    """One row whose ``stamp`` changes with every write to ``data_labels``: process caches
    compare it once per request instead of reloading labels."""

    __tablename__ = "data_label_stamp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stamp: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
