"""``iofs ingest faostat`` and ``iofs indicators`` (``iofs fetch faostat`` is in ``fetch.py``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from iofs.cli_support import check_format, console, errors, fail, print_records
from iofs.errors import InputError


def ingest_faostat(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help=("FAOSTAT bulk zip(s) or CSV(s), normalized or wide layout, Latin-1 or UTF-8."),
        ),
    ],
    domain: Annotated[
        str | None,
        typer.Option(
            help=(
                "Domain code when it cannot be recognised: FBS, FBSH, QCL, QV, TCL, TM, CP, FS, OA."
            )
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Import FAOSTAT bulk files into the analytics store (all-or-nothing, idempotent).

    Re-ingesting a file replaces its slice; observations (domain, area, item, element, year)
    that an older file under another name already holds are replaced by the new file's.
    """
    from iofs.cli_support import settings
    from iofs.monitor.faostat import indicators
    from iofs.monitor.faostat.ingest import IngestError, ingest

    config = settings()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(label: str, fraction: float) -> None:
            if label not in tasks:
                tasks[label] = int(bar.add_task(label, total=1.0))
            bar.update(tasks[label], completed=fraction)  # type: ignore[arg-type]

        try:
            reports = ingest(paths, config.analytics_dir, domain, progress)
        except IngestError as error:
            raise fail(str(error), 2) from None
        task = bar.add_task("indicators", total=None)
        indicators.build_cache(config.analytics_dir)
        bar.update(task, completed=1)
    if output == "json":
        sys.stdout.write(json.dumps([r.as_dict() for r in reports], indent=2) + "\n")
        return
    table = Table(title="FAOSTAT ingest")
    for column in (
        "source",
        "domain",
        "layout",
        "encoding",
        "rows",
        "countries",
        "aggregates",
        "years",
        "<x values",
        "seconds",
        "replaced",
    ):
        table.add_column(column)
    for r in reports:
        table.add_row(
            r.source,
            r.domain,
            r.layout,
            r.encoding,
            f"{r.rows:,}",
            str(r.countries),
            str(r.aggregates),
            f"{r.year_min}–{r.year_max}",
            str(r.qualified_values),
            f"{r.seconds:.2f}",
            "yes" if r.replaced else "",
        )
    console.print(table)
    for r in reports:
        if r.unmapped_areas:
            errors.print(
                f"{r.source}: FAO area codes without a mapping (kept apart from "
                f"countries): {', '.join(map(str, r.unmapped_areas))}"
            )
        if r.cpc_only_items:
            errors.print(
                f"{r.source}: {len(r.cpc_only_items)} item(s) kept by their CPC code "
                f"only (no FAO item code known for them: ingest a bulk file naming both "
                f"to map them): {', '.join(r.cpc_only_items[:20])}"
            )
        if r.domain_code:
            errors.print(f"{r.source}: old domain code {r.domain_code} stored as {r.domain}")
        for older, rows in r.superseded.items():
            errors.print(
                f"{r.source}: {rows:,} observation(s) of {older} replaced (same "
                f"domain, area, item, element and year; the file ingested last wins)"
            )


def _cell(value: object) -> str:
    return "" if value is None else f"{value:,.2f}" if isinstance(value, float) else str(value)


def _print(rows: list[dict[str, object]], output: str, title: str) -> None:
    if output == "csv" and not rows:
        return  # nothing to write, not even a header
    print_records(
        rows,
        output,
        title,
        columns=list(rows[0]) if rows else ["indicator"],
        cell=_cell,
        justify={"value": "right", "rank": "right"},
    )


def indicators_command(
    target: Annotated[
        str,
        typer.Argument(
            metavar="ISO3|compare|growth",
            help=(
                "ISO3 of an OIC state (or OIC, OIC-ARAB, OIC-AFR, OIC-ASIA), 'compare' or 'growth'."
            ),
        ),
    ],
    indicator: Annotated[
        str | None,
        typer.Argument(
            metavar="[INDICATOR|ISO3]",
            help=(
                "With 'compare': the indicator to rank the 57 states on; with 'growth': the "
                "state or aggregate."
            ),
        ),
    ] = None,
    growth_indicator: Annotated[
        str | None,
        typer.Argument(
            metavar="[INDICATOR]", help=("With 'growth': the indicator, e.g. export_value.")
        ),
    ] = None,
    year: Annotated[int | None, typer.Option(help="Only this year.")] = None,
    item: Annotated[
        str | None, typer.Option(help="FAO item name (compare, growth), e.g. 'Wheat and products'.")
    ] = None,
    from_year: Annotated[
        int | None, typer.Option("--from", help=("With 'growth': the first year."))
    ] = None,
    to_year: Annotated[
        int | None, typer.Option("--to", help=("With 'growth': the last year."))
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """FAO food-security indicators of a state, `compare INDICATOR` to rank the 57, or
    `growth ISO3 INDICATOR --from Y1 --to Y2` (e.g. "exports grew 1.5× in five years")."""
    from iofs.cli_support import settings
    from iofs.monitor.faostat import service

    check_format(output)
    config = settings()
    try:
        if target.lower() == "growth":
            if (
                indicator is None
                or growth_indicator is None
                or from_year is None
                or to_year is None
            ):
                raise fail(
                    "usage: `iofs indicators growth ISO3 INDICATOR --from Y1 --to Y2`, "
                    "e.g. `iofs indicators growth EGY export_value --from 2015 "
                    "--to 2020`.",
                    2,
                )
            grown = service.growth(
                config.analytics_dir, indicator, growth_indicator, from_year, to_year, item
            )
            if output == "table":
                console.print(
                    f"{grown.area} {grown.indicator}"
                    + (f" ({grown.item})" if grown.item else "")
                    + f": {grown.ratio:.2f}× from {grown.start_year} to {grown.end_year} "
                    f"({grown.start_value:,.2f} → {grown.end_value:,.2f}; "
                    f"{grown.annual_growth_percent:+.2f} % a year over "
                    f"{grown.end_year - grown.start_year} years)",
                    highlight=False,
                )
            else:
                _print([grown.model_dump()], output, "")
            return
        if growth_indicator is not None:
            raise fail("too many arguments; see `iofs indicators --help`.", 2)
        if target.lower() == "compare":
            if indicator is None:
                raise fail(
                    "give the indicator to compare, e.g. "
                    "`iofs indicators compare dietary_energy_supply`.",
                    2,
                )
            ranked = service.compare(config.analytics_dir, indicator, year, item)
            _print(
                [r.model_dump() for r in ranked],
                output,
                f"{indicator} — OIC states ranked ({len(ranked)})",
            )
            return
        if indicator is not None:
            raise fail(
                "an extra argument after ISO3; did you mean `iofs indicators compare INDICATOR`?", 2
            )
        rows = service.area_rows(config.analytics_dir, target, year)
    except InputError as error:
        raise fail(str(error), 2) from None
    if not rows:
        raise fail(
            f"no FAOSTAT indicators for {target.upper()}"
            + (f" in {year}" if year else "")
            + "; ingest FAOSTAT files with `iofs ingest faostat PATH`."
        )
    if output == "json":
        _print([r.model_dump() for r in service.records(rows)], output, "")
    else:
        _print([r.model_dump() for r in rows], output, f"FAOSTAT indicators — {target.upper()}")
