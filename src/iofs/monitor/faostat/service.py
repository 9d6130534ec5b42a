"""FAOSTAT indicators for pages, API and CLI: per state, comparisons, growth, downloads."""
# ruff: noqa: S608 - SQL is assembled from quoted identifiers and quoted literals; no user text

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import duckdb
import pandas as pd

from iofs.errors import InputError, NotFoundError
from iofs.i18n import gettext as _
from iofs.monitor.faostat import indicators as suite
from iofs.monitor.faostat.areas import AGGREGATE_CODES, oic_states, state_name
from iofs.monitor.faostat.ingest import slices
from iofs.monitor.faostat.schemas import (
    GrowthOut,
    IndicatorRecord,
    IndicatorRow,
    MapValueOut,
    RankedValue,
    SliceOut,
)


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
    raise NotFoundError(_("%(code)s is neither an OIC member state (ISO3) nor one of OIC, "
                          "OIC-ARAB, OIC-AFR, OIC-ASIA.") % {"code": code[:12]})


def check_indicator(indicator: str) -> str:
    """The indicator name if known; else an error listing the known ones."""
    if indicator not in suite.INDICATORS:
        raise FaostatInputError(_("Unknown indicator %(name)s; known: %(known)s.") % {
            "name": indicator[:60], "known": ", ".join(suite.INDICATORS)}, "indicator")
    return indicator


def area_rows(analytics_dir: Path, area: str, year: int | None = None,
              indicator: str | None = None) -> list[IndicatorRow]:
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
    return [IndicatorRecord.model_validate(r.model_dump(include=set(IndicatorRecord
                                                                    .model_fields)))
            for r in rows]


def compare(analytics_dir: Path, indicator: str, year: int | None = None,
            item: str | None = None, language: str = "en") -> list[RankedValue]:
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
        ["value", "area"], ascending=[False, True])
    return [RankedValue(rank=rank, iso3=r["area"], name=state_name(r["area"], language),
                        year=int(r["year"]), value=float(r["value"]), unit=r["unit"],
                        source=r["source"])
            for rank, r in enumerate(latest.to_dict(orient="records"), 1)]


def map_values(ranked: list[RankedValue]) -> list[MapValueOut]:
    """Quintile classes ``q1`` (lowest) … ``q5`` of a comparison, for the shared map."""
    out = []
    values = sorted(r.value for r in ranked)
    count = len(values)
    for r in ranked:
        position = values.index(r.value)
        quintile = min(5, 1 + (5 * position) // max(count - 1, 1))
        out.append(MapValueOut(iso3=r.iso3, category=f"q{quintile}",
                               label=f"{r.name}: {r.value:,.1f} {r.unit} ({r.year})"))
    seen = {r.iso3 for r in ranked}
    out += [MapValueOut(iso3=s.iso3, category="nodata", label=_("no data"))
            for s in oic_states() if s.iso3 not in seen]
    return out


def growth(analytics_dir: Path, area: str, indicator: str, start_year: int, end_year: int,
           item: str | None = None) -> GrowthOut:
    """Growth of a series from ``start_year`` to ``end_year``: ratio end/start and the
    compound annual growth rate (percent per year), e.g. "exports grew 1.5× in five years"."""
    code = check_area(area)
    check_indicator(indicator)
    if end_year <= start_year:
        raise FaostatInputError(_("The end year must be after the start year."), "end_year")
    table = indicator_table(analytics_dir)
    chosen = table[(table["area"] == code) & (table["indicator"] == indicator)]
    chosen = chosen[chosen["item"] == item] if item is not None else \
        chosen[chosen["item"].isna()] if chosen["item"].isna().any() else chosen
    chosen = chosen.assign(pref=(chosen["source"] != "computed").astype(int)).sort_values(
        "pref").drop_duplicates("year")
    by_year = dict(zip(chosen["year"], chosen["value"], strict=True))
    if start_year not in by_year or end_year not in by_year:
        raise NotFoundError(_("No value for both %(start)d and %(end)d.") % {
            "start": start_year, "end": end_year})
    start, end = float(by_year[start_year]), float(by_year[end_year])
    if start <= 0:
        raise FaostatInputError(_("Growth needs a positive start value."), "start_year")
    ratio = end / start
    rate = 100 * (ratio ** (1 / (end_year - start_year)) - 1) if ratio > 0 else -100.0
    return GrowthOut(area=code, indicator=indicator, item=item, start_year=start_year,
                     end_year=end_year, start_value=start, end_value=end, ratio=ratio,
                     annual_growth_percent=rate)


def ingested(analytics_dir: Path) -> list[SliceOut]:
    """The FAOSTAT files in the store."""
    return [SliceOut.model_validate(s) for s in slices(analytics_dir)]


def series(analytics_dir: Path, area: str, domain: str, element_code: int,
           item_codes: tuple[int, ...]) -> pd.DataFrame:
    """Raw FAOSTAT observations of one state for charts: year, item, value, unit, flag."""
    code = check_area(area)
    files = sorted((analytics_dir / "faostat" / "observations" / domain).glob("*.parquet"))
    if not files or code in AGGREGATE_CODES:
        return pd.DataFrame(columns=["year", "item", "value", "unit", "flag"])
    listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    items = ", ".join(str(i) for i in item_codes)
    con = duckdb.connect()
    frame = con.execute(
        f"SELECT year, any_value(item) AS item, arg_max(value, source) AS value, "
        f"any_value(unit) AS unit, arg_max(flag, source) AS flag "
        f"FROM read_parquet([{listed}], union_by_name = true) WHERE iso3 = ? "
        f"AND element_code = ? AND item_code IN ({items}) AND year = year_end "
        f"GROUP BY year, item_code ORDER BY year", [code, element_code]).df()
    con.close()
    return frame


def to_csv(rows: list[dict[str, object]]) -> str:
    """Rows as CSV text (header from the first row)."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def to_xlsx(rows: list[dict[str, object]], title: str) -> bytes:
    """Rows as an Excel workbook (one sheet)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    if rows:
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append([v if isinstance(v, int | float | str) or v is None else str(v)
                          for v in row.values()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
