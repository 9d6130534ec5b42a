"""KPI feeds: values the system already knows, so nobody types them again.

A feed is a function ``fn(session, iso3 | None, year) -> Decimal | None`` registered under a
name; a KPI whose ``data_source`` is ``feed`` names its feed and takes its values from it
(``iso3=None`` asks for the OIC/IOFS-wide value). ``None`` means "no value for this year".

Each module registers its feeds with one call, at import time of its own ``feeds`` module,
and names that module in its manifest (``Module(feeds=...)``)::

    from iofs.feeds import register_feed
    register_feed("programmes.tonnes_delivered", "Food delivered by IOFS programmes", "t",
                  tonnes_delivered)

:func:`iofs.modules.load_feeds` imports them all on first use, so this registry (a base
layer) imports no module, and the strategy module that reads feeds imports none either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

FeedFunction = Callable[[Session, str | None, int], Decimal | None]


@dataclass(frozen=True)
class Feed:
    """A registered feed: name, description (English msgid), unit and function."""

    name: str
    description: str
    unit: str
    fn: FeedFunction


FEEDS: dict[str, Feed] = {}


def register_feed(name: str, description: str, unit: str, fn: FeedFunction) -> Feed:
    """Register ``fn`` as feed ``name``; registering the same name again replaces it."""
    feed = Feed(name, description, unit, fn)
    FEEDS[name] = feed
    return feed


def load_module_feeds() -> None:
    """Import every module's feed registrations (once; later calls cost nothing)."""
    from iofs.modules import load_feeds

    load_feeds()


def feed_value(session: Session, name: str, iso3: str | None, year: int) -> Decimal | None:
    """The value of feed ``name`` for ``iso3`` (None: overall) and ``year``, or None."""
    load_module_feeds()
    feed = FEEDS.get(name)
    if feed is None:
        return None
    return feed.fn(session, iso3, year)


def available_feeds() -> list[Feed]:
    """Every registered feed, by name."""
    load_module_feeds()
    return [FEEDS[name] for name in sorted(FEEDS)]
