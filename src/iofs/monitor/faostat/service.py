"""FAOSTAT indicators for pages, API and CLI: per state, comparisons, growth, downloads."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from iofs.errors import InputError, NotFoundError
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.monitor.faostat import indicators as suite
from iofs.monitor.faostat import store
from iofs.monitor.faostat.areas import AGGREGATE_CODES, oic_states, state_name
from iofs.monitor.faostat.definitions import INDICATORS, Indicator
from iofs.monitor.faostat.schemas import (
    GrowthOut,
    IndicatorRecord,
    IndicatorRow,
    MapValueOut,
    RankedValue,
    SliceOut,
)
from iofs.monitor.faostat.trade import import_sources as import_sources  # re-exported
from iofs.monitor.faostat.trade import import_sources_by_state as import_sources_by_state
from iofs.slices import SliceInfo, UnknownSlice, discard, file_size, modified_at, split_id


class FaostatInputError(InputError):
    """A request names an unknown area, indicator or year."""


def indicator_table(analytics_dir: Path) -> pd.DataFrame:
    """The computed indicator table (built on first use after an ingest)."""
    return suite.read_cache(analytics_dir)


def check_area(area: str) -> str:
    """The upper-cased ISO3 of an OIC state or an OIC aggregate code; else an error."""
    code = area.strip().upper()
    if code in AGGREGATE_CODES or any(s.iso3 == code for s in oic_states()):
        return code
    raise NotFoundError(
        _(
            "%(code)s is neither an OIC member state (ISO3) nor one of OIC, "
            "OIC-ARAB, OIC-AFR, OIC-ASIA."
        )
        % {"code": code[:12]}
    )


def check_indicator(indicator: str) -> str:
    """The indicator name if known; else an error listing the known ones."""
    if indicator not in INDICATORS:
        raise FaostatInputError(
            _("Unknown indicator %(name)s; known: %(known)s.")
            % {"name": indicator[:60], "known": ", ".join(INDICATORS)},
            "indicator",
        )
    return indicator


def definitions() -> list[Indicator]:
    """Every indicator's definition (id, label msgid, unit, definition, reference), in the
    suite's order."""
    return list(INDICATORS.values())


def area_rows(
    analytics_dir: Path, area: str, year: int | None = None, indicator: str | None = None
) -> list[IndicatorRow]:
    """Every indicator value of one state or aggregate (optionally one year / indicator)."""
    code = check_area(area)
    table = indicator_table(analytics_dir)
    chosen = table[table["area"] == code]
    if year is not None:
        chosen = chosen[chosen["year"] == year]
    if indicator is not None:
        chosen = chosen[chosen["indicator"] == check_indicator(indicator)]
    return [_row(r) for r in chosen.to_dict(orient="records")]


def _clean(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _row(record: dict[str, object]) -> IndicatorRow:
    values = {k: _clean(v) for k, v in record.items() if k != "item_code"}
    return IndicatorRow.model_validate(values)


def records(rows: list[IndicatorRow]) -> list[IndicatorRecord]:
    """The public record shape ``{indicator, item, year, value, unit, source}``."""
    return [
        IndicatorRecord.model_validate(r.model_dump(include=set(IndicatorRecord.model_fields)))
        for r in rows
    ]


def compare(
    analytics_dir: Path,
    indicator: str,
    year: int | None = None,
    item: str | None = None,
    language: str = "en",
) -> list[RankedValue]:
    """The 57 states ranked on ``indicator`` (highest first) for ``year`` (default: the
    latest year with data for each state). Computed values are preferred over FAO's when
    both exist; ``item`` picks an FAO item (default: the indicator's whole-diet or group
    value, e.g. "Cereals - Excluding Beer" for ratios)."""
    check_indicator(indicator)
    table = indicator_table(analytics_dir)
    states = {s.iso3 for s in oic_states()}
    chosen = table[(table["indicator"] == indicator) & table["area"].isin(states)]
    if item is not None:
        chosen = chosen[chosen["item"] == item]
    elif indicator in ("self_sufficiency_ratio", "import_dependency_ratio"):
        chosen = chosen[chosen["item_code"] == 2905]
    if year is not None:
        chosen = chosen[chosen["year"] == year]
    if chosen.empty:
        return []
    chosen = chosen.assign(pref=(chosen["source"] != "computed").astype(int))
    chosen = chosen.sort_values(["area", "year", "pref"], ascending=[True, False, True])
    latest = chosen.drop_duplicates("area", keep="first").sort_values(
        ["value", "area"], ascending=[False, True]
    )
    return [
        RankedValue(
            rank=rank,
            iso3=r["area"],
            name=state_name(r["area"], language),
            year=int(r["year"]),
            value=float(r["value"]),
            unit=r["unit"],
            source=r["source"],
        )
        for rank, r in enumerate(latest.to_dict(orient="records"), 1)
    ]


def map_values(ranked: list[RankedValue]) -> list[MapValueOut]:
    """Quintile classes ``q1`` (lowest) … ``q5`` of a comparison, for the shared map."""
    out = []
    values = sorted(r.value for r in ranked)
    count = len(values)
    for r in ranked:
        position = values.index(r.value)
        quintile = min(5, 1 + (5 * position) // max(count - 1, 1))
        out.append(
            MapValueOut(
                iso3=r.iso3,
                category=f"q{quintile}",
                label=f"{r.name}: {r.value:,.1f} {r.unit} ({r.year})",
            )
        )
    seen = {r.iso3 for r in ranked}
    out += [
        MapValueOut(iso3=s.iso3, category="nodata", label=_("no data"))
        for s in oic_states()
        if s.iso3 not in seen
    ]
    return out


def growth(
    analytics_dir: Path,
    area: str,
    indicator: str,
    start_year: int,
    end_year: int,
    item: str | None = None,
) -> GrowthOut:
    """Growth of a series from ``start_year`` to ``end_year``: ratio end/start and the
    compound annual growth rate (percent per year), e.g. "exports grew 1.5× in five years"."""
    code = check_area(area)
    check_indicator(indicator)
    if end_year <= start_year:
        raise FaostatInputError(_("The end year must be after the start year."), "end_year")
    table = indicator_table(analytics_dir)
    chosen = table[(table["area"] == code) & (table["indicator"] == indicator)]
    chosen = (
        chosen[chosen["item"] == item]
        if item is not None
        else chosen[chosen["item"].isna()]
        if chosen["item"].isna().any()
        else chosen
    )
    chosen = (
        chosen.assign(pref=(chosen["source"] != "computed").astype(int))
        .sort_values("pref")
        .drop_duplicates("year")
    )
    by_year = dict(zip(chosen["year"], chosen["value"], strict=True))
    if start_year not in by_year or end_year not in by_year:
        raise NotFoundError(
            _("No value for both %(start)d and %(end)d.") % {"start": start_year, "end": end_year}
        )
    start, end = float(by_year[start_year]), float(by_year[end_year])
    if start <= 0:
        raise FaostatInputError(_("Growth needs a positive start value."), "start_year")
    ratio = end / start
    rate = 100 * (ratio ** (1 / (end_year - start_year)) - 1) if ratio > 0 else -100.0
    return GrowthOut(
        area=code,
        indicator=indicator,
        item=item,
        start_year=start_year,
        end_year=end_year,
        start_value=start,
        end_value=end,
        ratio=ratio,
        annual_growth_percent=rate,
    )


def ingested(analytics_dir: Path) -> list[SliceOut]:
    """The FAOSTAT files in the store."""
    return [SliceOut.model_validate(s) for s in store.slices(analytics_dir)]


def series(
    analytics_dir: Path, area: str, domain: str, element_code: int, item_codes: tuple[int, ...]
) -> pd.DataFrame:
    """Raw FAOSTAT observations of one state for charts: year, item, value, unit, flag."""
    code = check_area(area)
    if code in AGGREGATE_CODES:
        return pd.DataFrame(columns=["year", "item", "value", "unit", "flag"])
    return store.read_series(analytics_dir, code, domain, element_code, item_codes)


def series_of_states(
    analytics_dir: Path,
    iso3s: tuple[str, ...],
    domain: str,
    element_codes: tuple[int, ...],
    item_codes: tuple[int, ...],
) -> pd.DataFrame:
    """Raw FAOSTAT observations of several states and elements at once (one query): iso3,
    element, year, item, value, unit, flag. Regional aggregates are not states: left out."""
    states = tuple(code for code in (check_area(a) for a in iso3s) if code not in AGGREGATE_CODES)
    return store.read_series_of_areas(analytics_dir, states, domain, element_codes, item_codes)


def top_items(
    analytics_dir: Path, area: str, domain: str, element_code: int, count: int = 5
) -> list[dict[str, object]] | None:
    """The yearly values of the ``count`` items of one element with the largest total (FAO
    item codes below 3000), for a chart: ``[{year, value, series}]`` (series: item name);
    None when the area has no observation of the element."""
    frame = series(analytics_dir, area, domain, element_code, tuple(range(1, 3000)))
    if frame.empty:
        return None
    top = frame.groupby("item")["value"].sum().nlargest(count).index
    return [
        {"year": int(r["year"]), "value": float(r["value"]), "series": r["item"]}
        for r in frame[frame["item"].isin(top)].to_dict(orient="records")
        if r["value"] == r["value"]
    ]


#: FBS item of the cereal ratios shown by default ("Cereals - Excluding Beer", code 2905).
CEREALS = "Cereals - Excluding Beer"

#: The profile's card: (label msgid, indicator, FAO item); label None: the indicator's own.
PROFILE_CARD: tuple[tuple[str | None, str, str | None], ...] = (
    (N_("Cereal self-sufficiency ratio"), "self_sufficiency_ratio", CEREALS),
    (None, "cereal_import_dependency_ratio", None),
    (None, "dietary_energy_supply", None),
    (None, "animal_protein_supply", None),
    (None, "export_destinations", None),
)


@dataclass(frozen=True)
class Profile:
    """What a state's (or aggregate's) profile page shows."""

    area: str
    #: every indicator value of the area
    rows: list[IndicatorRow]
    #: the values of the year asked for, else of the latest five years with data
    shown: list[IndicatorRow]
    #: (label msgid, latest value) of the card's indicators that have a value
    card: list[tuple[str, IndicatorRow]]


def _latest(
    rows: list[IndicatorRow], indicator: str, item: str | None = None
) -> IndicatorRow | None:
    """The latest value (of one FAO item), a computed one preferred over FAO's."""
    chosen = [r for r in rows if r.indicator == indicator and (item is None or r.item == item)]
    chosen.sort(key=lambda r: (r.year, r.source == "computed"))
    return chosen[-1] if chosen else None


def profile(analytics_dir: Path, area: str, year: int | None = None) -> Profile:
    """The profile of a state or OIC aggregate: its values, those shown, the card."""
    code = check_area(area)
    rows = area_rows(analytics_dir, code)
    shown = [r for r in rows if year is None or r.year == year]
    if year is None and rows:
        latest_year = max(r.year for r in rows)
        shown = [r for r in rows if r.year >= latest_year - 4]
    card = []
    for label, indicator, item in PROFILE_CARD:
        value = _latest(rows, indicator, item)
        if value is not None:
            card.append((label or INDICATORS[indicator].label, value))
    return Profile(code, rows, shown, card)


def to_csv(rows: list[dict[str, object]]) -> str:
    """Rows as CSV text (header from the first row; text never read as a formula)."""
    from iofs.spreadsheets import records_csv

    return records_csv(rows, list(rows[0])) if rows else ""


def to_xlsx(rows: list[dict[str, object]], title: str) -> bytes:
    """Rows as an Excel workbook (one sheet; text stored as text)."""
    from iofs.spreadsheets import records_xlsx

    return records_xlsx(rows, list(rows[0]) if rows else [], title)


# --------------------------------------------------------------------------- slices


def _slice_info(analytics_dir: Path, path: Path) -> SliceInfo:
    import json

    import pyarrow.parquet as pq

    domain = path.parent.name
    manifest = path.with_suffix(".json")
    data: dict[str, object] = {}
    if manifest.exists():
        data = json.loads(manifest.read_text(encoding="utf-8"))
    rows = data.get("rows")
    first, last = data.get("year_min"), data.get("year_max")
    return SliceInfo(
        id=f"faostat:{domain}/{path.stem}",
        dataset="faostat",
        source=str(data.get("file") or data.get("source") or path.stem),
        kind=domain,
        rows=int(rows) if isinstance(rows, int) else pq.ParquetFile(path).metadata.num_rows,
        countries=int(str(data.get("countries") or 0)),
        first=None if first is None else str(first),
        last=None if last is None else str(last),
        ingested_at=str(data.get("ingested_at") or "") or modified_at(path),
        size=file_size(path),
    )


def slices(analytics_dir: Path) -> list[SliceInfo]:
    """Every ingested FAOSTAT slice (one per file and domain), by domain and name."""
    return [_slice_info(analytics_dir, path) for path in store.slice_files(analytics_dir)]


def remove_slice(analytics_dir: Path, slice_id: str) -> SliceInfo:
    """Remove one FAOSTAT slice: its manifest, observations and suite input, and the computed
    indicator table (rebuilt on next read without it). Crash-safe: the slice is gone or still
    listed whole (:func:`iofs.slices.discard`)."""
    name = split_id(slice_id, "faostat")
    domain, _, stem = name.partition("/")
    path = store.slice_path(analytics_dir, domain, stem)
    if "/" in stem or not domain or not path.is_file():
        raise UnknownSlice(slice_id)
    info = _slice_info(analytics_dir, path)
    store.drop_cache(analytics_dir)
    discard([path.with_suffix(".json"), path, store.suite_input_path(analytics_dir, domain, stem)])
    store.drop_cache(analytics_dir)
    return info
