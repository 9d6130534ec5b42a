"""Public functions of the IPC module: ingest files, and the OIC views other modules read.

Every view returns plain typed data. OIC views hold only the 57 OIC states (the packaged
member reference, :func:`iofs.members.service.reference_member_states`) unless called with
``include_non_oic=True``; rows of other countries are stored all the same.

Units: people are persons; shares are 0–1 of the population analysed (the ``record()``
dictionaries too); months are ``YYYY-MM``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from iofs.errors import InputError
from iofs.monitor.ipc import analyses, layouts, store, validation
from iofs.monitor.ipc import signals as signal_rules
from iofs.monitor.ipc.analyses import Analysis
from iofs.monitor.ipc.signals import Signal
from iofs.monitor.ipc.validation import KINDS, Problem
from iofs.slices import SliceInfo, UnknownSlice, discard, file_size, modified_at, split_id

__all__ = [
    "Analysis",
    "IngestReport",
    "IpcIngestError",
    "NoIpcData",
    "P3PlusShare",
    "Problem",
    "Signal",
    "area_phases",
    "history",
    "ingest",
    "latest",
    "month_start",
    "oic_states",
    "p3_plus_share",
    "projections",
    "remove_slice",
    "signals",
    "slices",
]


class NoIpcData(LookupError):
    """Nothing has been ingested yet."""


class IpcIngestError(InputError):
    """An ingest was refused; nothing was written. ``problems`` are the bad rows (file, line,
    field, reason); ``refused`` the files that could not be read as IPC data at all."""

    def __init__(
        self, message: str, problems: Sequence[Problem] = (), refused: Sequence[str] = ()
    ) -> None:
        super().__init__(message, "file")
        self.problems = list(problems)
        self.refused = list(refused)


@dataclass
class IngestReport:
    """What the ingest of one file did.

    ``rows``: phase rows stored (or already stored, when ``unchanged``); ``analyses``:
    distinct country/area × analysis × validity period; ``non_oic_rows`` of
    ``non_oic_countries`` are stored but stay out of OIC views; ``skipped``: rows the source
    marks as excluded (HAPI duplicates of an older analysis).
    """

    source: str
    layout: str
    rows: int
    analyses: int
    countries: list[str]
    non_oic_rows: int
    non_oic_countries: list[str]
    skipped: int
    unchanged: bool
    path: Path
    removed_temporaries: list[Path] = field(default_factory=list)


@lru_cache(maxsize=1)
def oic_states() -> frozenset[str]:
    """ISO3 codes of the 57 OIC states (the members module's packaged reference)."""
    from iofs.members.service import oic_iso3

    return oic_iso3()


@dataclass
class _Checked:
    path: Path
    layout: layouts.Layout
    rows: list[validation.PhaseRow]
    skipped: int
    sha256: str


def _check(path: Path) -> tuple[_Checked | None, list[Problem], str | None]:
    try:
        layout = layouts.recognise(path)
        rows, problems, skipped = validation.validate(path.name, layouts.read_rows(path, layout))
        sha256 = store.file_sha256(path)
    except layouts.IpcFileError as error:
        return None, [], str(error)
    except OSError as error:
        return None, [], f"{path.name} cannot be read: {error.strerror or error}."
    if not rows and not problems:
        return None, [], f"{path.name} has a {layout.label} header but no rows."
    return _Checked(path, layout, rows, skipped, sha256), problems, None


def ingest(
    paths: Sequence[Path], analytics_dir: Path, progress: Callable[[Path], None] | None = None
) -> list[IngestReport]:
    """Validate every file, then store each (one Parquet slice per file); all-or-nothing.

    Any unreadable file, unknown layout or bad row refuses the whole run before anything is
    written (:class:`IpcIngestError`). A file whose bytes are already stored is left as it is
    (``unchanged``). Temporary files of killed earlier runs are removed first. ``progress``
    is called once per file validated and once per file stored.
    """
    removed = store.remove_stale_temporaries(analytics_dir)
    checked: list[_Checked] = []
    problems: list[Problem] = []
    refused: list[str] = []
    stems: dict[str, Path] = {}
    for path in paths:
        other = stems.setdefault(path.stem, path)
        if other != path:
            refused.append(
                f"{path} and {other} have the same name {path.stem!r}; each file is "
                "stored under its name, so ingest them in separate runs or rename "
                "one."
            )
            continue
        result, bad, message = _check(path)
        if progress is not None:
            progress(path)
        problems.extend(bad)
        if message is not None:
            refused.append(message)
        elif result is not None:
            checked.append(result)
    if problems or refused:
        parts = []
        if refused:
            parts.append(f"{len(refused)} file(s) not readable as IPC data")
        if problems:
            files = len({p.file for p in problems})
            parts.append(f"{len(problems):,} bad row(s) in {files} file(s)")
        raise IpcIngestError(f"{' and '.join(parts)}; nothing was written.", problems, refused)
    oic = oic_states()
    reports: list[IngestReport] = []
    for item in checked:
        target = store.slice_path(analytics_dir, item.path.name)
        unchanged = target.exists() and store.stored_sha256(target) == item.sha256
        if not unchanged:
            store.write_slice(
                analytics_dir, item.path.name, item.layout.label, item.sha256, item.rows
            )
        countries = sorted({r.country for r in item.rows})
        outside = [r for r in item.rows if r.country not in oic]
        reports.append(
            IngestReport(
                source=item.path.name,
                layout=item.layout.label,
                rows=len(item.rows),
                analyses=len({(r.key[:-1], r.instance) for r in item.rows}),
                countries=countries,
                non_oic_rows=len(outside),
                non_oic_countries=sorted({r.country for r in outside}),
                skipped=item.skipped,
                unchanged=unchanged,
                path=target,
                removed_temporaries=removed,
            )
        )
        if progress is not None:
            progress(item.path)
    return reports


def month_start(month: str | date) -> date:
    """The first day of ``month`` (``YYYY-MM`` or a date); InputError for anything else."""
    if isinstance(month, date):
        return month.replace(day=1)
    text = month.strip()
    try:
        if len(text) != 7:
            raise ValueError(text)
        return date.fromisoformat(text + "-01")
    except ValueError:
        raise InputError(f"A month looks like 2022-03, not {month!r}.", "month") from None


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _scope(iso3: str | None, include_non_oic: bool) -> list[str] | None:
    if iso3 is not None:
        code = iso3.strip().upper()
        return [code] if include_non_oic or code in oic_states() else []
    return None if include_non_oic else sorted(oic_states())


def _stored(analytics_dir: Path) -> None:
    if not store.slices(analytics_dir):
        raise NoIpcData("No IPC analyses ingested yet; run `iofs ingest ipc FILE…`.")


def _newest(candidates: list[Analysis]) -> Analysis:
    """The analysis made last (its month, else its validity start), current first."""
    return max(
        candidates,
        key=lambda a: (a.analysis_date or a.period_from, a.period_from, -KINDS.index(a.kind)),
    )


def _valid_in(analysis: Analysis, first: date) -> bool:
    return analysis.period_from <= _month_end(first) and analysis.period_to >= first


def latest(
    analytics_dir: Path,
    month: str | date | None = None,
    *,
    iso3: str | None = None,
    include_non_oic: bool = False,
) -> list[Analysis]:
    """Per country (national level), its latest analysis valid in ``month``, one per country.

    With ``month`` (``YYYY-MM``): of the analyses whose validity period overlaps the month,
    the one made last (a newer projection beats an older current estimate; same analysis:
    current first). Each country's own latest, never "the newest month of any country"; a
    country with nothing valid in the month is absent. Without ``month``: each country's
    latest current analysis. OIC states only unless ``include_non_oic``. Raises
    :class:`NoIpcData` when nothing is stored.
    """
    _stored(analytics_dir)
    scope = _scope(iso3, include_non_oic)
    first = month_start(month) if month is not None else None
    kinds = KINDS if first is not None else ("current",)
    by_country: dict[str, list[Analysis]] = {}
    for analysis in analyses.read(analytics_dir, countries=scope, kinds=kinds):
        if first is None or _valid_in(analysis, first):
            by_country.setdefault(analysis.country, []).append(analysis)
    return [_newest(found) for _country, found in sorted(by_country.items())]


def projections(
    analytics_dir: Path, *, iso3: str | None = None, include_non_oic: bool = False
) -> list[Analysis]:
    """Per country (national level), the projections (first and second) of its latest
    analysis that has any, oldest validity first. OIC states only unless asked."""
    _stored(analytics_dir)
    by_country: dict[str, list[Analysis]] = {}
    for analysis in analyses.read(
        analytics_dir,
        countries=_scope(iso3, include_non_oic),
        kinds=("projected", "second_projected"),
    ):
        by_country.setdefault(analysis.country, []).append(analysis)
    chosen: list[Analysis] = []
    for _country, found in sorted(by_country.items()):
        newest = _newest(found)
        stamp = newest.analysis_date
        same = [a for a in found if a.analysis_date == stamp] if stamp else [newest]
        chosen.extend(sorted(same, key=lambda a: a.ordering))
    return chosen


def history(
    analytics_dir: Path,
    iso3: str,
    *,
    kinds: Sequence[str] = KINDS,
    level: str = "national",
    include_non_oic: bool = False,
) -> list[Analysis]:
    """Every analysis of one country at ``level`` (national, level1, area), by validity
    period. Empty for a non-OIC country unless ``include_non_oic``."""
    _stored(analytics_dir)
    if level not in analyses.LEVELS:
        raise InputError(f"level must be one of {', '.join(analyses.LEVELS)}.", "level")
    return analyses.read(
        analytics_dir, countries=_scope(iso3, include_non_oic) or [], levels=(level,), kinds=kinds
    )


def area_phases(
    analytics_dir: Path,
    iso3: str,
    month: str | date | None = None,
    *,
    include_non_oic: bool = False,
) -> list[Analysis]:
    """Per area of one country, its latest analysis valid in ``month`` (default: the latest
    current one); :attr:`Analysis.area_phase` holds its IPC Manual 3.1 area phase."""
    _stored(analytics_dir)
    first = month_start(month) if month is not None else None
    kinds = KINDS if first is not None else ("current",)
    by_area: dict[tuple[object, ...], list[Analysis]] = {}
    for analysis in analyses.read(
        analytics_dir, countries=_scope(iso3, include_non_oic) or [], levels=("area",), kinds=kinds
    ):
        if first is None or _valid_in(analysis, first):
            by_area.setdefault(analysis.place, []).append(analysis)
    return [
        _newest(found)
        for _place, found in sorted(
            by_area.items(), key=lambda item: tuple(str(v or "") for v in item[0])
        )
    ]


def signals(
    analytics_dir: Path,
    month: str | date | None = None,
    *,
    iso3: str | None = None,
    level: str = "national",
    include_non_oic: bool = False,
) -> list[Signal]:
    """HDX Signals-style food insecurity signals (:mod:`iofs.monitor.ipc.signals`), newest
    first; with ``month``, only those of analyses made in that month (for HAPI rows without
    a date of analysis: whose validity starts in it). OIC states only unless asked."""
    _stored(analytics_dir)
    if level not in analyses.LEVELS:
        raise InputError(f"level must be one of {', '.join(analyses.LEVELS)}.", "level")
    first = month_start(month) if month is not None else None
    found = signal_rules.detect(
        analyses.read(analytics_dir, countries=_scope(iso3, include_non_oic), levels=(level,))
    )
    if first is not None:
        found = [s for s in found if s.month == first]
    return sorted(found, key=lambda s: (s.month, s.analysis.country), reverse=True)


@dataclass(frozen=True)
class P3PlusShare:
    """A country's share of people in IPC phase 3 or worse, for the risk index.

    ``share`` is 0–1 of the population analysed (not percent); ``people`` persons;
    ``analysis_date`` the month of analysis (None for HAPI rows) so that its age can be
    shown; ``kind`` current, projected or second_projected.
    """

    share: float
    people: int
    analysis_date: date | None
    kind: str
    period_from: date
    period_to: date


def p3_plus_share(analytics_dir: Path, iso3: str, month: str | date) -> P3PlusShare | None:
    """The P3+ share (0–1) of ``iso3`` in ``month`` from its latest analysis valid in that
    month (:func:`latest`), or None: nothing stored, no analysis valid then, no P3+ figure,
    or not an OIC state."""
    if not store.slices(analytics_dir):
        return None
    found = latest(analytics_dir, month, iso3=iso3)
    if not found:
        return None
    analysis = found[0]
    share, people = analysis.p3_plus_share, analysis.p3_plus_people
    if share is None or people is None:
        return None
    return P3PlusShare(
        share,
        people,
        analysis.analysis_date,
        analysis.kind,
        analysis.period_from,
        analysis.period_to,
    )


# --- slices: what was loaded, and removing it ------------------------------------------------


def _slice_info(path: Path) -> SliceInfo:
    import pyarrow.parquet as pq

    table = pq.read_table(
        path, columns=["source", "layout", "country", "analysis_date", "period_from", "period_to"]
    )
    columns = table.to_pydict()
    dates = [
        d
        for d in (*columns["analysis_date"], *columns["period_from"], *columns["period_to"])
        if d is not None
    ]
    sources = [s for s in columns["source"] if s]
    layouts_ = [s for s in columns["layout"] if s]
    return SliceInfo(
        id=f"ipc:{path.stem}",
        dataset="ipc",
        source=sources[0] if sources else path.stem,
        kind=layouts_[0] if layouts_ else "ipc",
        rows=table.num_rows,
        countries=len({c for c in columns["country"] if c}),
        first=min(dates).isoformat()[:7] if dates else None,
        last=max(dates).isoformat()[:7] if dates else None,
        ingested_at=modified_at(path),
        size=file_size(path),
    )


def slices(analytics_dir: Path) -> list[SliceInfo]:
    """Every ingested IPC file (one slice per file, with its SHA-256 in the slice)."""
    return [_slice_info(path) for path in store.slices(analytics_dir)]


def remove_slice(analytics_dir: Path, slice_id: str) -> SliceInfo:
    """Remove one IPC slice; the views read the store's files anew (their memory is keyed by
    the files' sizes and times)."""
    name = split_id(slice_id, "ipc")
    path = store.store_dir(analytics_dir) / f"{name}.parquet"
    if "/" in name or not path.is_file():
        raise UnknownSlice(slice_id)
    info = _slice_info(path)
    discard([path])
    return info
