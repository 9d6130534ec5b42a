"""Analyses read back from the store: one :class:`Analysis` per country/area, analysis and
validity period, with its people and shares per phase.

Several files may hold the same figures (the national long and wide files; the global and
the country area file; the HAPI file). For one country, area, kind and validity period the
figures of one analysis are read, by the rules HDX HAPI applies to the same data: the latest
analysis ("duplicate row with earlier date of analysis excluded"), then the largest
population analysed ("duplicate row with lower population analyzed excluded"); a file with a
date of analysis before one without; equal ones are the same analysis, read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from iofs.analytics_store.duckdb_cursor import duckdb_cursor
from iofs.monitor.ipc import phases
from iofs.monitor.ipc.store import slices
from iofs.monitor.ipc.validation import KINDS

LEVELS = ("national", "level1", "area")
KIND_LABELS = {
    "current": "current",
    "projected": "first projection",
    "second_projected": "second projection",
}


@dataclass(frozen=True)
class Analysis:
    """One IPC analysis of one country or area for one validity period.

    ``people`` maps ``"1"``–``"5"`` and ``"P3+"`` to persons; ``population_analysed`` is
    persons (the ``all`` row, else the sum of phases 1–5); shares are 0–1 of the population
    analysed, computed from the people (the files round theirs to two decimals, which shows
    20,324 people in phase 5 as 0), the file's own share when the population is unknown.
    ``analysis_date`` is the first day of the month of analysis, None for HAPI rows.
    """

    country: str
    level: str
    level1: str | None
    area: str | None
    analysis_date: date | None
    kind: str
    period_from: date
    period_to: date
    population_analysed: int | None
    country_population: int | None
    people: Mapping[str, int]
    file_shares: Mapping[str, float] = field(repr=False)
    source: str

    def share(self, phase: str) -> float | None:
        """Share 0–1 of the population analysed in ``phase`` (``"1"``–``"5"``, ``"P3+"``,
        ``"P4+"``)."""
        count = self.people_in(phase)
        computed = phases.share(count, self.population_analysed)
        return computed if computed is not None else self.file_shares.get(phase)

    def people_in(self, phase: str) -> int | None:
        """Persons in ``phase`` (``"1"``–``"5"``, ``"P3+"``, ``"P4+"``), None if unknown."""
        if phase == "P4+":
            parts = [self.people.get(p) for p in ("4", "5")]
            return None if all(v is None for v in parts) else sum(v or 0 for v in parts)
        return self.people.get(phase)

    @property
    def p3_plus_people(self) -> int | None:
        """Persons in phase 3 or worse (IPC "P3+", in need of urgent action)."""
        return self.people_in("P3+")

    @property
    def p3_plus_share(self) -> float | None:
        """Share 0–1 of the population analysed in phase 3 or worse."""
        return self.share("P3+")

    @property
    def area_phase(self) -> int | None:
        """Phase 1–5 by the IPC Manual 3.1 20 % rule (:func:`phases.area_phase`)."""
        by_phase = {int(p): n for p, n in self.people.items() if p.isdigit()}
        return phases.area_phase(by_phase, self.population_analysed)

    @property
    def ordering(self) -> tuple[date, date, date]:
        """Sort key: month of analysis (HAPI has none: its validity start), then validity."""
        return (self.analysis_date or self.period_from, self.period_from, self.period_to)

    @property
    def place(self) -> tuple[str, str, str | None, str | None]:
        """Country, level, level 1 and area: what "the same place" means between analyses."""
        return (self.country, self.level, self.level1, self.area)

    def label(self) -> str:
        """``the March 2022 analysis``, or ``the analysis valid from March 2022`` (HAPI)."""
        if self.analysis_date is not None:
            return f"the {self.analysis_date:%B %Y} analysis"
        return f"the analysis valid from {self.period_from:%B %Y}"

    def record(self) -> dict[str, Any]:
        """Plain data (JSON-ready): dates ISO 8601, people in persons, shares 0–1."""
        out: dict[str, Any] = {
            "country": self.country,
            "level": self.level,
            "level1": self.level1,
            "area": self.area,
            "analysis_date": self.analysis_date.isoformat()[:7] if self.analysis_date else None,
            "kind": self.kind,
            "period_from": self.period_from.isoformat(),
            "period_to": self.period_to.isoformat(),
            "population_analysed": self.population_analysed,
        }
        for phase in ("1", "2", "3", "4", "5", "P3+", "P4+"):
            out[f"phase_{phase.lower().replace('+', '_plus')}_people"] = self.people_in(phase)
            value = self.share(phase)
            out[f"phase_{phase.lower().replace('+', '_plus')}_share"] = (
                None if value is None else round(value, 4)
            )
        out["area_phase"] = self.area_phase
        out["source"] = self.source
        return out


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


#: Results of :func:`read` for the store's current files (slices are replaced, never edited
#: in place, so their names, sizes and times identify the content); a few entries suffice.
_READS: dict[tuple[Any, ...], list[Analysis]] = {}
_READS_KEPT = 16


def read(
    analytics_dir: Path,
    *,
    countries: Iterable[str] | None = None,
    levels: Iterable[str] = ("national",),
    kinds: Iterable[str] = KINDS,
) -> list[Analysis]:
    """Every stored analysis of ``countries`` (default: all) at ``levels`` of ``kinds``,
    duplicates across files resolved (module docstring), sorted by place and time.

    Answers from memory while the store's files are unchanged: the risk index asks for every
    month of its history, the briefs for every state."""
    files = slices(analytics_dir)
    if not files:
        return []
    wanted = [c.upper() for c in countries] if countries is not None else None
    stats = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    key = (stats, tuple(wanted) if wanted is not None else None, tuple(levels), tuple(kinds))
    if key not in _READS:
        if len(_READS) >= _READS_KEPT:
            _READS.pop(next(iter(_READS)))
        _READS[key] = _read(files, wanted, tuple(levels), tuple(kinds))
    return list(_READS[key])


def _read(
    files: list[Path], wanted: list[str] | None, levels: tuple[str, ...], kinds: tuple[str, ...]
) -> list[Analysis]:

    if wanted is not None and not wanted:
        return []
    filters = [
        f"level IN ({', '.join(_literal(v) for v in levels)})",
        f"kind IN ({', '.join(_literal(v) for v in kinds)})",
    ]
    if wanted is not None:
        filters.append(f"country IN ({', '.join(_literal(v) for v in wanted)})")
    where = " AND ".join(filters)
    paths = "[" + ", ".join(_literal(str(f)) for f in files) + "]"
    with duckdb_cursor() as con:
        rows = con.execute(f"""
            WITH stored AS (
                SELECT * FROM read_parquet({paths}, union_by_name = true) WHERE {where}),
            analyses AS (
                SELECT country, level, level1, area, kind, period_from, period_to,
                       analysis_date, source, instance,
                       max(people) FILTER (WHERE phase = 'all') AS population
                FROM stored GROUP BY ALL),
            chosen AS (
                SELECT * FROM analyses
                QUALIFY row_number() OVER (
                    PARTITION BY country, level, level1, area, kind, period_from, period_to
                    ORDER BY analysis_date DESC NULLS LAST, population DESC NULLS LAST,
                             source, instance) = 1)
            SELECT s.country, s.level, s.level1, s.area, s.analysis_date, s.kind,
                   s.period_from, s.period_to, s.country_population, s.phase, s.people,
                   s.share, s.source
            FROM stored s JOIN chosen c
              ON s.country = c.country AND s.level = c.level
             AND s.level1 IS NOT DISTINCT FROM c.level1 AND s.area IS NOT DISTINCT FROM c.area
             AND s.kind = c.kind AND s.period_from = c.period_from
             AND s.period_to = c.period_to
             AND s.analysis_date IS NOT DISTINCT FROM c.analysis_date AND s.source = c.source
             AND s.instance = c.instance
            ORDER BY s.country, s.level, s.level1 NULLS FIRST, s.area NULLS FIRST,
                     s.period_from, s.period_to, s.kind
        """).fetchall()  # noqa: S608 - constant identifiers; values enter as quoted literals
    grouped: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault((*row[:8], row[12]), []).append(row)
    analyses = [_analysis(key, members) for key, members in grouped.items()]
    analyses.sort(
        key=lambda a: (
            a.place[0],
            a.place[1],
            a.place[2] or "",
            a.place[3] or "",
            a.ordering,
            KINDS.index(a.kind),
        )
    )
    return analyses


def _analysis(key: tuple[Any, ...], members: list[tuple[Any, ...]]) -> Analysis:
    country, level, level1, area, analysis_date, kind, period_from, period_to, source = key
    people: dict[str, int] = {}
    shares: dict[str, float] = {}
    population: int | None = None
    country_population: int | None = None
    for row in members:
        phase, count, file_share = row[9], int(row[10]), row[11]
        country_population = row[8] if row[8] is not None else country_population
        if phase == "all":
            population = count
            continue
        people[phase] = count
        if file_share is not None:
            shares[phase] = float(file_share)
    if "P3+" not in people and any(p in people for p in ("3", "4", "5")):
        people["P3+"] = sum(people.get(p, 0) for p in ("3", "4", "5"))
    if population is None and any(p in people for p in "12345"):
        population = sum(people.get(p, 0) for p in "12345")
    return Analysis(
        country,
        level,
        level1,
        area,
        analysis_date,
        kind,
        period_from,
        period_to,
        population,
        country_population,
        people,
        shares,
        source,
    )
