"""The shape of a brief: blocks of facts, tables, charts, and what is missing.

Every block of a country brief, of the bulletin and of the PDF is a :class:`Block`; pages,
the JSON API and the PDF render the same object. A block with no data is still a block: its
``missing`` entries say what is absent and the command or page that adds it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from iofs.http.formatting import format_number


@dataclass(frozen=True)
class Fact:
    """One figure: ``label`` (translated), ``value`` (number or text, in ``unit``),
    ``text`` (formatted for reading), ``as_of`` (year, month or date of the value)."""

    label: str
    value: float | int | str | None
    text: str
    unit: str = ""
    as_of: str = ""


@dataclass(frozen=True)
class Table:
    """A small table: ``columns`` (translated headers) and ``rows`` of display strings;
    ``links`` (optional) holds one URL per row for the first cell."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A chart as a Vega-Lite spec (data inlined); rendered to SVG in pages and to PNG in
    PDFs (see :mod:`iofs.briefs.charts`)."""

    title: str
    spec: dict[str, Any]


@dataclass(frozen=True)
class Missing:
    """What a block lacks (``what``) and how to add it: a CLI ``command`` or a ``page``."""

    what: str
    command: str = ""
    page: str = ""


@dataclass
class Block:
    """One block of a brief: its ``key`` (stable id), translated ``title``, ``link`` to the
    owning module's detail page (``link_label`` its text), contents and gaps."""

    key: str
    title: str
    link: str
    link_label: str
    facts: list[Fact] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)

    @property
    def filled(self) -> bool:
        """Whether the block shows any data (a fact or a table row)."""
        return bool(self.facts) or any(table.rows for table in self.tables)

    def record(self, with_charts: bool = False) -> dict[str, Any]:
        """The block as JSON-ready data (chart specs only when ``with_charts``)."""
        data = asdict(self)
        data["filled"] = self.filled
        if not with_charts:
            data["charts"] = [{"title": chart.title} for chart in self.charts]
        return data


def number(value: float | int | None, digits: int = 0, unit: str = "") -> str:
    """``value`` with ``digits`` decimals and the current language's grouping and decimal
    signs (Babel, :func:`iofs.http.formatting.format_number`: ``1,500.0`` in English,
    ``1 500,0`` in French), then ``unit``; an en dash for None."""
    if value is None:
        return "–"
    text = format_number(value, digits)
    return f"{text} {unit}".strip() if unit else text


def percent(value: float | None, digits: int = 0) -> str:
    """A percentage (``value`` 0–100) as text in the current language, e.g. ``42 %``."""
    return "–" if value is None else f"{format_number(value, digits)} %"
