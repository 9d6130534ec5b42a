"""``iofs risk …``: compute a composite index (INFORM or a declared tree), import INFORM.

Thin: parse, call :mod:`iofs.monitor.risk.service`, render. numpy/pyarrow load inside the
commands so that ``iofs --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from iofs.cli_support import check_format, console, fail, print_records, settings
from iofs.errors import InputError

risk_app = typer.Typer(
    help="Risk indices: INFORM and composite indices declared as trees.", no_args_is_help=True
)


def _number(value: Any) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


@risk_app.command("compute")
def compute_command(
    inputs: Annotated[
        Path,
        typer.Option(
            "--inputs",
            help=("CSV table, one row per country, columns named as the tree's nodes and inputs."),
        ),
    ],
    tree: Annotated[
        str, typer.Option(help="A shipped tree (inform) or a tree TOML file.")
    ] = "inform",
    levels: Annotated[
        str,
        typer.Option(
            help=(
                "published: each node from its children's values as given in the table; "
                "inputs: from the indicators up."
            )
        ),
    ] = "published",
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Compute every node of the tree for every country (scores 0–10, reliability 0–1)."""
    from dataclasses import asdict

    from iofs.monitor.risk import service

    check_format(output)
    if levels not in service.LEVELS:
        raise fail(f"--levels must be one of {', '.join(service.LEVELS)}, not {levels!r}.", 2)
    try:
        declared = service.load_tree(tree)
        table = service.read_inputs(inputs, declared, levels)
        results = service.compute(declared, table, levels)
    except InputError as error:
        raise fail(f"{error}.", 2) from None
    if output == "json":
        print_records([asdict(result) for result in results], "json", declared.name)
        return
    names = service.display_order(declared)
    rows = [
        {
            declared.key: result.key,
            "country": result.label,
            **{node.node: node.value for node in result.nodes},
            "class": result.class_label,
            "reliability": round(result.reliability, 3),
        }
        for result in results
    ]
    columns = [declared.key, "country", *names, "class", "reliability"]
    print_records(
        rows,
        output,
        f"{declared.title or declared.name} ({levels})",
        columns=columns,
        cell=_number,
        justify={name: "right" for name in (*names, "reliability")},
    )


@risk_app.command("import-inform")
def import_inform_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=("An INFORM GRI release as CSV (INFORM's column names; x or blank = missing)."),
        ),
    ],
) -> None:
    """Load an INFORM release into the analytics store (Parquet), validated, all-or-nothing."""
    from iofs.monitor.risk import service

    config = settings()
    try:
        report = service.import_inform(file, config.analytics_dir)
    except InputError as error:
        raise fail(f"{error}.", 2) from None
    verb = {
        "imported": "Imported",
        "replaced": "Replaced the earlier import with",
        "unchanged": "Unchanged, already imported:",
    }[report.status]
    console.print(
        f"{verb} {report.rows} countries from {file.name} → {report.path}", highlight=False
    )


# --- the IOFS index -------------------------------------------------------------------------

Month = Annotated[
    str | None, typer.Option("--month", help="YYYY-MM (default: each state's own latest month).")
]
Format = Annotated[str, typer.Option("--format", help="table, json or csv.")]
NonOic = Annotated[
    bool, typer.Option("--include-non-oic", help="Also show countries outside the 57 OIC states.")
]


def _stored() -> tuple[Any, Any]:
    from iofs.monitor.risk import index
    from iofs.monitor.risk.tree import load_tree

    tree = load_tree(index.DEFAULT_TREE)
    stored = index.current(settings(), tree)
    if stored is None:
        raise fail(
            "The risk index has no input yet: ingest prices, drought, IPC or INFORM "
            "data, or run `iofs demo load`."
        )
    return stored, tree


def _check_month(month: str | None) -> None:
    import re

    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise fail(f"--month must look like 2024-09, not {month!r}.", 2)


@risk_app.command("update")
def update_command() -> None:
    """Recompute the IOFS risk index from every stored input and store it (Parquet)."""
    from iofs.monitor.risk import index

    report = index.update(settings())
    inputs = ", ".join(f"{name} {count:,}" for name, count in sorted(report.observations.items()))
    console.print(
        f"Risk index: {report.countries} countries × months {report.first_month} to "
        f"{report.last_month} ({report.rows:,} rows) → {report.path}\n"
        f"Observations: {inputs or 'none'}",
        highlight=False,
    )


@risk_app.command("index")
def index_command(
    month: Month = None, output: Format = "table", include_non_oic: NonOic = False
) -> None:
    """The IOFS risk index of every OIC state, highest first, with its drivers."""
    from iofs.monitor.risk import views
    from iofs.monitor.risk.api import ranked_record

    check_format(output)
    _check_month(month)
    stored, tree = _stored()
    rows = [ranked_record(r) for r in views.ranking(stored, tree, month, include_non_oic)]
    print_records(
        rows,
        output,
        "IOFS food-security risk",
        columns=[
            "rank",
            "iso3",
            "name",
            "month",
            "value",
            "class",
            "reliability",
            "trend_3_months",
            "drivers",
        ],
        cell=_number,
        justify={"rank": "right", "value": "right"},
    )


@risk_app.command("watchlist")
def watchlist_command(
    month: Month = None, output: Format = "table", include_non_oic: NonOic = False
) -> None:
    """States at high risk and on watch (rules: see /risk), drivers and change."""
    from iofs.monitor.risk import views
    from iofs.monitor.risk.api import watch_record

    check_format(output)
    _check_month(month)
    stored, tree = _stored()
    entries, left = views.watchlist(stored, tree, month, include_non_oic)
    rows = [watch_record(e) for e in entries]
    if output == "json":
        print_records([{"entries": rows, "left": left}], "json", "watchlist")
        return
    for row in rows:
        row["reasons"] = ", ".join(row["reasons"])
    print_records(
        rows,
        output,
        "IOFS watchlist",
        columns=["list", "iso3", "name", "month", "value", "class", "reasons", "drivers", "change"],
        cell=_number,
    )
    if left and output == "table":
        console.print(f"Left the watchlist since last month: {', '.join(left)}", highlight=False)


@risk_app.command("explain")
def explain_command(
    iso3: Annotated[str, typer.Argument(metavar="ISO3", help="An OIC state's ISO3 code.")],
    month: Month = None,
    output: Format = "table",
    include_non_oic: NonOic = False,
) -> None:
    """One state's index: every node and input with its value, source and age."""
    from iofs.monitor.risk import index, views
    from iofs.monitor.risk.api import explain_record

    check_format(output)
    _check_month(month)
    stored, tree = _stored()
    code = iso3.strip().upper()
    found = (
        views.explain(stored, tree, code, month)
        if include_non_oic or code in index.oic_states()
        else None
    )
    if found is None:
        raise fail(f"No risk index for {code}.", 2)
    if output == "json":
        print_records([explain_record(found)], "json", code)
        return
    inputs = {item.name: item for item in found.inputs}
    rows: list[dict[str, Any]] = []
    for node in found.nodes:
        rows.append({"component": "  " * node.depth + node.title, "score": node.value})
        for contribution in node.contributions:
            item = inputs.get(contribution.child)
            if item is not None:
                rows.append(
                    {
                        "component": "  " * (node.depth + 1) + item.title,
                        "score": None if item.score is None else round(item.score, 1),
                        "weight": round(contribution.weight, 2),
                        "value": item.raw,
                        "unit": item.unit,
                        "source": item.source,
                        "age_months": item.age,
                    }
                )
    value = "insufficient data" if found.value is None else f"{found.value:.1f} {found.risk_class}"
    print_records(
        rows,
        output,
        f"{found.name} {found.month}: {value} — {found.drivers}",
        columns=["component", "score", "weight", "value", "unit", "source", "age_months"],
        cell=_number,
    )


@risk_app.command("import-hungermap")
def import_hungermap_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=("HungerMap LIVE /v1/foodsecurity/country JSON, or an HDX HungerMap CSV."),
        ),
    ],
) -> None:
    """Load WFP HungerMap LIVE insufficient food consumption into the risk store."""
    from iofs.monitor.risk import service

    try:
        rows = service.import_hungermap(file, settings().analytics_dir)
    except InputError as error:
        raise fail(f"{error}.", 2) from None
    console.print(
        f"Imported {rows} HungerMap country values from {file.name}; run `iofs risk update`.",
        highlight=False,
    )


@risk_app.command("import-observations")
def import_observations_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=(
                "CSV: iso3, indicator (an input of trees/iofs.toml), month YYYY-MM, value, source."
            ),
        ),
    ],
) -> None:
    """Load observations of the index's inputs from a CSV (validated, all-or-nothing)."""
    from iofs.monitor.risk import service

    try:
        rows = service.import_observations(file, settings().analytics_dir)
    except InputError as error:
        raise fail(f"{error}.", 2) from None
    console.print(
        f"Imported {rows} observations from {file.name}; run `iofs risk update`.", highlight=False
    )
