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

risk_app = typer.Typer(help="Risk indices: INFORM and composite indices declared as trees.",
                       no_args_is_help=True)


def _number(value: Any) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


@risk_app.command("compute")
def compute_command(
    inputs: Annotated[Path, typer.Option("--inputs", help=(
        "CSV table, one row per country, columns named as the tree's nodes and inputs."))],
    tree: Annotated[str, typer.Option(help="A shipped tree (inform) or a tree TOML file.")]
    = "inform",
    levels: Annotated[str, typer.Option(help=(
        "published: each node from its children's values as given in the table; "
        "inputs: from the indicators up."))] = "published",
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
    rows = [{declared.key: result.key, "country": result.label,
             **{node.node: node.value for node in result.nodes},
             "class": result.class_label, "reliability": round(result.reliability, 3)}
            for result in results]
    columns = [declared.key, "country", *names, "class", "reliability"]
    print_records(rows, output, f"{declared.title or declared.name} ({levels})",
                  columns=columns, cell=_number,
                  justify={name: "right" for name in (*names, "reliability")})


@risk_app.command("import-inform")
def import_inform_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help=(
        "An INFORM GRI release as CSV (INFORM's column names; x or blank = missing)."))],
) -> None:
    """Load an INFORM release into the analytics store (Parquet), validated, all-or-nothing."""
    from iofs.monitor.risk import service

    config = settings()
    try:
        report = service.import_inform(file, config.analytics_dir)
    except InputError as error:
        raise fail(f"{error}.", 2) from None
    verb = {"imported": "Imported", "replaced": "Replaced the earlier import with",
            "unchanged": "Unchanged, already imported:"}[report.status]
    console.print(f"{verb} {report.rows} countries from {file.name} → {report.path}",
                  highlight=False)
