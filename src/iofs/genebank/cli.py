"""``iofs genebank …``: passport import/export, viability constants, queue, SMTA report."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

genebank_app = typer.Typer(
    help="Gene bank: MCPD passport data, seed lots, viability, SMTA.", no_args_is_help=True
)
constants_app = typer.Typer(
    help="Ellis & Roberts species viability constants.", no_args_is_help=True
)
genebank_app.add_typer(constants_app, name="constants")
traits_app = typer.Typer(
    help="Characterization and evaluation: traits and observations.", no_args_is_help=True
)
genebank_app.add_typer(traits_app, name="traits")


def _progress() -> Progress:
    from iofs.cli_support import errors

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


def _escape(text: str) -> str:
    """``text`` with Rich markup escaped (messages quote users' values, e.g. ``[constants]``)."""
    from rich.markup import escape

    return escape(text)


def _stored_rows(rows: list[Any], limit: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows as they would be stored (line, the MCPD values given, availability, the
    coordinates read), and the columns any of them fills."""
    from iofs.genebank import mcpd

    shown = [
        {
            "line": row.line,
            **{c: v for c, v in row.values.items() if v},
            mcpd.AVAILABLE: "yes" if row.available else "no",
            "lat": row.lat,
            "lon": row.lon,
        }
        for row in (rows if limit == 0 else rows[:limit])
    ]
    filled = {key for record in shown for key, value in record.items() if value is not None}
    order = ["line", *mcpd.MCPD_COLUMNS, mcpd.AVAILABLE, "lat", "lon"]
    return shown, [c for c in order if c in filled]


@genebank_app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV, TSV or XLSX with MCPD columns.", exists=True, dir_okay=False, readable=True
        ),
    ],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Validate, print every problem and the rows as they would be stored; "
            "write nothing.",
        ),
    ] = False,
    reject_file: Annotated[
        Path | None,
        typer.Option(
            "--reject-file", help="Import the valid rows; write the others here with reasons."
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help="Mapping file: CSV source,target, or JSON/TOML/YAML with [columns], "
            "[constants], [values.<MCPD>] and [convert] (see `genebank mapping-template`).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="Workbook sheet (default: the first with an MCPD header)."),
    ] = None,
    output: Annotated[
        str, typer.Option("--format", help="With --dry-run: the rows as table or json.")
    ] = "table",
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="With --dry-run: rows shown (0: all).")
    ] = 50,
) -> None:
    """Import passport data: all-or-nothing unless --reject-file; re-importing changes
    nothing. A file with errors stops with exit status 2, naming the first error."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import check_format, console, errors, fail, print_records, session_factory
    from iofs.db import transaction
    from iofs.genebank import mcpd, service

    check_format(output, ("table", "json"))
    try:
        column_map = mcpd.read_mapping(mapping) if mapping else None
        stream = mcpd.open_passport(file, column_map, sheet=sheet)
    except mcpd.PassportFileError as error:
        raise fail(_escape(str(error)), 2) from None

    def show(issues: Any, errors_only: bool) -> None:
        for issue in issues:
            if not errors_only or issue.severity == "error":
                colour = "red" if issue.severity == "error" else "yellow"
                errors.print(f"[{colour}]{_escape(str(issue))}[/]", highlight=False, markup=True)

    def summary() -> str:
        return (
            f"{stream.row_count} rows: {stream.valid_count} valid, {len(stream.invalid)} "
            f"with errors; {stream.error_count} errors, {stream.warning_count} warnings"
        )

    def first_error() -> str:
        issue = next(i for i in stream.issues() if i.severity == "error")
        where = (
            f"sheet {stream.source.sheet}, row" if stream.source and stream.source.sheet else "line"
        )
        return f"{file.name}: {where} {issue.line}, column {issue.column}: {issue.reason}"

    if dry_run:
        show(stream.header_issues, False)
        rows: list[mcpd.PassportRow] = []
        try:
            for row in stream:
                show(row.issues, False)
                if row.ok and (limit == 0 or len(rows) < limit):
                    rows.append(row)
        except mcpd.PassportFileError as error:
            raise fail(_escape(str(error)), 2) from None
        shown, columns = _stored_rows(rows, limit)
        print_records(
            shown,
            output,
            f"As they would be stored ({len(shown)} of {stream.valid_count} valid rows)",
            columns=columns,
        )
        if stream.error_count:
            raise fail(_escape(f"{first_error()}. {summary()}; nothing was written (dry run)."), 2)
        errors.print(summary() + "; nothing was written (dry run)", highlight=False)
        return
    try:
        with _progress() as progress:
            task = progress.add_task("validating and importing", total=None)
            with transaction(session_factory()) as session:
                result = service.import_passport(
                    session,
                    cli_principal(),
                    stream,
                    partial=reject_file is not None,
                    progress=lambda n: progress.advance(task, n),
                )
    except service.ImportRejected:
        show(stream.issues(), True)
        raise fail(
            _escape(
                f"{first_error()}. {summary()}. Nothing was imported (fix the file, or use "
                "--reject-file)."
            ),
            2,
        ) from None
    except (service.GenebankError, mcpd.PassportFileError) as error:
        raise fail(_escape(str(error)), 2) from None
    show(stream.issues(), True)
    if reject_file is not None:
        with reject_file.open("w", encoding="utf-8", newline="") as out:
            service.write_rejects(result.rejected, stream.header, out)
    console.print(
        f"{result.inserted} inserted, {result.updated} updated, {result.unchanged} "
        f"unchanged, {len(result.rejected)} rejected"
        + (f" (written to {reject_file})" if reject_file else "")
        + f"; {result.warnings} warnings"
    )


@genebank_app.command("mapping-template")
def mapping_template(
    file: Annotated[
        Path,
        typer.Argument(
            help="The passport file (CSV, TSV or XLSX) to map.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="Workbook sheet (default: the first with a header row)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="mapping.toml or mapping.yaml (default: TOML on standard output)."
        ),
    ] = None,
    values: Annotated[
        int, typer.Option("--values", min=1, max=1000, help="Distinct values listed per column.")
    ] = 20,
) -> None:
    """A mapping file to edit for FILE: each column with its distinct values (the most
    frequent, with counts) beside the MCPD descriptor guessed and the codes its values could
    map to. Import with `genebank import FILE --mapping mapping.toml`."""
    from iofs.cli_support import errors, fail
    from iofs.genebank import mcpd, mcpd_template

    if out is not None and out.suffix.lower() not in {".toml", ".yaml", ".yml"}:
        raise fail(f"--out must end in .toml or .yaml, not {out.name!r}.", 2)
    try:
        survey = mcpd_template.survey_file(file, sheet=sheet, limit=values)
    except mcpd.PassportFileError as error:
        raise fail(_escape(str(error)), 2) from None
    kind = "yaml" if out is not None and out.suffix.lower() in {".yaml", ".yml"} else "toml"
    text = mcpd_template.render(survey, kind, limit=values)
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    errors.print(
        f"{len(survey.columns)} columns of {file.name} written to {out} for you to edit",
        highlight=False,
    )


@genebank_app.command("reindex")
def reindex() -> None:
    """Recompute the search counts (facets, totals) from the accessions, e.g. after changes
    made with SQL behind iofs's back."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import console, session_factory
    from iofs.db import transaction
    from iofs.genebank import service

    with transaction(session_factory()) as session:
        combinations = service.rebuild_counts(session, cli_principal())
    console.print(f"{combinations} facet combinations counted")


@genebank_app.command("export")
def export(
    output: Annotated[
        str, typer.Option("--format", help="mcpd, mcpd-xlsx, genesys-json or wiews.")
    ] = "mcpd",
    out: Annotated[
        Path | None, typer.Option("--out", help="File (default: standard output).")
    ] = None,
) -> None:
    """Export passport data as MCPD CSV or XLSX, Genesys JSON, or WIEWS / SDG 2.5.1 counts
    (CSV). Spreadsheet formats neutralise text that would run as a formula."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import fail, session_factory
    from iofs.genebank import service
    from iofs.genebank.vocabulary import EXPORT_FORMATS
    from iofs.spreadsheets import records_csv

    if output not in EXPORT_FORMATS:
        raise fail(
            f"--format must be one of {', '.join(EXPORT_FORMATS)}, not {_escape(repr(output))}.",
            2,
        )
    if output == "mcpd-xlsx":
        if out is None:
            raise fail("--format mcpd-xlsx writes a workbook: give the file with --out.", 2)
        from iofs.genebank import exports

        with session_factory()() as session:
            out.write_bytes(exports.export_mcpd_xlsx(session, cli_principal()))
        return
    target = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        with session_factory()() as session:
            if output == "mcpd":
                service.export_mcpd(session, cli_principal(), target)  # type: ignore[arg-type]
            elif output == "genesys-json":
                service.export_genesys_json(session, cli_principal(), target)  # type: ignore[arg-type]
            else:
                rows = service.wiews_counts(session, cli_principal())
                target.write(records_csv(rows, service.WIEWS_COLUMNS))
    finally:
        if out:
            target.close()


@genebank_app.command("queue")
def queue(
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """The regeneration queue: lots below 85 % of initial viability, below three sowings,
    past their predicted date or overdue for a test, most urgent first."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import print_records, session_factory
    from iofs.genebank import service

    with session_factory()() as session:
        statuses = service.regeneration_queue(session, cli_principal())
        rows = [
            {
                "lot_id": s.lot.id,
                "accession": s.accession.accenumb,
                "taxon": s.accession.taxon,
                "lot": s.lot.lot_number,
                "seeds": s.lot.seed_count,
                "latest_pct": s.latest_pct,
                "regeneration_due": s.prediction.regeneration_due.isoformat()
                if s.prediction
                else None,
                "next_test_due": s.prediction.next_test_due.isoformat() if s.prediction else None,
                "urgency": s.urgency,
                "reasons": ";".join(s.reasons),
            }
            for s in statuses
        ]
    print_records(rows, output, f"Regeneration queue ({len(rows)})", json_default=str)


@genebank_app.command("smta-report")
def smta_report(
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "csv",
) -> None:
    """Distributions for the Treaty's SMTA reporting (one row per sample sent)."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import print_records, session_factory
    from iofs.genebank import service

    with session_factory()() as session:
        rows = service.smta_report(session, cli_principal())
    print_records(rows, output, f"SMTA report ({len(rows)})", json_default=str)


@constants_app.command("import")
def constants_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV Species,Ke,Cw,Ch,Cq,Reference (e.g. viabilityconstants.csv).",
            exists=True,
            dir_okay=False,
        ),
    ],
) -> None:
    """Load species viability constants (idempotent; degenerate rows are skipped)."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import console, errors, fail, session_factory
    from iofs.db import transaction
    from iofs.genebank import service, viability

    try:
        constants, skipped = viability.read_constants_csv(file)
    except viability.ConstantsError as error:
        raise fail(str(error)) from None
    for reason in skipped:
        errors.print(f"skipped {reason}", highlight=False, markup=False)
    with transaction(session_factory()) as session:
        counts = service.import_constants(session, cli_principal(), constants)
    console.print(
        f"{counts['inserted']} inserted, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {len(skipped)} rows skipped"
    )


@constants_app.command("list")
def constants_list(
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Species constants in use (imported, else the built-in priority crops)."""
    from iofs.cli_support import print_records, session_factory
    from iofs.genebank import service

    with session_factory()() as session:
        rows = [
            {
                "species": c.species,
                "ke": c.ke,
                "cw": c.cw,
                "ch": c.ch,
                "cq": c.cq,
                "single_temperature": c.single_temperature,
                "reference": c.reference,
            }
            for c in service.list_constants(session)
        ]
    print_records(rows, output, f"Viability constants ({len(rows)})", json_default=str)


TRIAL_SPECIES = {
    "Wheat": "Triticum aestivum",
    "Soybean": "Glycine max",
    "Groundnut": "Arachis hypogaea",
}


def read_storage_trial(path: Path) -> list[dict[str, Any]]:
    """Rows of a storage trial CSV (crop, moisturecontent %, temperature °C, storageperiod
    years, viabilitypercent) with the crop mapped to its species."""
    with path.open(encoding="utf-8") as handle:
        return [
            {
                "species": TRIAL_SPECIES.get(r["crop"], r["crop"]),
                "moisture": float(r["moisturecontent"]),
                "temperature": float(r["temperature"]),
                "years": float(r["storageperiod"]),
                "viability": float(r["viabilitypercent"]),
            }
            for r in csv.DictReader(handle)
        ]


@genebank_app.command("validate-predictor")
def validate_predictor(
    trial: Annotated[
        Path,
        typer.Argument(help="seedsurvival.csv-shaped storage trial.", exists=True, dir_okay=False),
    ],
    constants_file: Annotated[
        Path | None,
        typer.Option(
            "--constants", help="Constants CSV (default: the built-in table).", exists=True
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Error of the Ellis & Roberts predictor against a real storage trial, per species."""
    from iofs.cli_support import print_records
    from iofs.genebank import service, viability

    constants = dict(viability.BUILT_IN_CONSTANTS)
    if constants_file:
        constants.update({c.species: c for c in viability.read_constants_csv(constants_file)[0]})
    report = service.validate_predictor(constants, read_storage_trial(trial))
    rows = [
        {
            "species": r["species"],
            "n": r["n"],
            "initial_pct": round(r["initial_pct"], 1),
            "rmse_pts": round(r["rmse"], 1),
            "mae_pts": round(r["mae"], 1),
            "bias_pts": round(r["bias"], 1),
        }
        for r in report
    ]
    print_records(rows, output, "Predictor vs. storage trial (percentage points)", json_default=str)


@genebank_app.command("glis-register")
def glis_register(
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Send at most this many.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be sent.")] = False,
) -> None:
    """Register new accessions with GLIS and update changed ones; the DOIs are stored.
    Server and account: IOFS_GLIS_URL (the Treaty's test server by default),
    IOFS_GLIS_USERNAME, IOFS_GLIS_PASSWORD, IOFS_GLIS_PID."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import console, errors, fail, session_factory
    from iofs.db import transaction
    from iofs.genebank import service
    from iofs.genebank.glis_settings import GlisSettings

    settings = GlisSettings()
    if not dry_run and not (settings.username and settings.pid):
        raise fail("Set IOFS_GLIS_USERNAME, IOFS_GLIS_PASSWORD and IOFS_GLIS_PID first.", 2)
    with transaction(session_factory()) as session:
        if dry_run:
            for item in service.glis_pending(session, cli_principal(), settings.pid)[:limit]:
                console.print(
                    f"{item.action} {item.accession.instcode} {item.accession.accenumb}",
                    highlight=False,
                )
            return
        run = service.register_with_glis(
            session, cli_principal(), service.GlisClient(settings), limit
        )
    for accenumb, reason in run.failed:
        errors.print(f"{accenumb}: {reason}", highlight=False, markup=False)
    console.print(
        f"{len(run.registered)} registered, {len(run.updated)} updated, "
        f"{len(run.failed)} refused ({settings.url})",
        highlight=False,
    )
    if run.failed:
        raise typer.Exit(1)


@genebank_app.command("easy-smta")
def easy_smta(
    out: Annotated[
        Path | None, typer.Option("--out", help="File (default: standard output).")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Every shipped SMTA, not only those not yet reported.")
    ] = False,
    mark: Annotated[
        bool,
        typer.Option(
            "--mark-reported", help="Record them as reported (after Easy-SMTA accepted the file)."
        ),
    ] = False,
) -> None:
    """The Easy-SMTA XML report of shipped SMTAs (provider: IOFS_GLIS_PID, _INSTITUTE,
    _ADDRESS, _COUNTRY)."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import errors, session_factory
    from iofs.db import transaction
    from iofs.genebank import service

    with transaction(session_factory()) as session:
        shipments = (
            service.distributions(session, cli_principal(), status="shipped")
            if everything
            else service.unreported(session, cli_principal())
        )
        xml = service.easy_smta_xml(
            session, cli_principal(), service.Provider.from_settings(), shipments
        )
        if out:
            out.write_bytes(xml)
        else:
            sys.stdout.write(xml.decode("utf-8") + "\n")
        if mark:
            marked = service.mark_reported(
                session, cli_principal(), [d.id for d in shipments if d.mta_type == "smta"]
            )
            errors.print(f"{marked} distributions marked as reported", highlight=False)


@genebank_app.command("smta-unreported")
def smta_unreported(
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Shipped distributions under the SMTA not yet reported to Easy-SMTA."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import print_records, session_factory
    from iofs.genebank import service

    with session_factory()() as session:
        rows = [
            {
                "id": d.id,
                "agreement": d.mta_identifier,
                "form": d.smta_form,
                "recipient": d.recipient_name,
                "country": d.recipient_country,
                "shipped_on": d.shipped_on.isoformat() if d.shipped_on else "",
            }
            for d in service.unreported(session, cli_principal())
        ]
    print_records(rows, output, f"Not yet reported to Easy-SMTA ({len(rows)})")


@traits_app.command("list")
def traits_list(
    crop: Annotated[str, typer.Option("--crop", help="Only this crop's.")] = "",
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Trait definitions (code, name, crop, method, scale, unit, bounds, codes)."""
    from iofs.cli_support import print_records, session_factory
    from iofs.genebank import service

    with session_factory()() as session:
        rows = [
            {
                "code": t.code,
                "name": t.name,
                "crop": t.crop,
                "method": t.method,
                "scale": t.scale,
                "unit": t.unit,
                "minimum": t.minimum,
                "maximum": t.maximum,
                "categories": t.categories,
            }
            for t in service.list_traits(session, crop)
        ]
    print_records(rows, output, f"Traits ({len(rows)})", json_default=str)


@traits_app.command("define")
def traits_define(
    code: Annotated[str, typer.Argument(help="Short code, e.g. DTH.")],
    name: Annotated[str, typer.Option("--name", help="Name, e.g. 'Days to heading'.")],
    scale: Annotated[str, typer.Option("--scale", help="numeric, ordinal or nominal.")],
    crop: Annotated[str, typer.Option("--crop")] = "",
    method: Annotated[str, typer.Option("--method")] = "",
    unit: Annotated[str, typer.Option("--unit")] = "",
    minimum: Annotated[float | None, typer.Option("--min")] = None,
    maximum: Annotated[float | None, typer.Option("--max")] = None,
    categories: Annotated[str, typer.Option("--codes", help="'1=low;5=medium;9=high'.")] = "",
) -> None:
    """Define a trait, or update the one with this code."""
    from pydantic import ValidationError

    from iofs.accounts.service import cli_principal
    from iofs.cli_support import console, fail, session_factory
    from iofs.db import transaction
    from iofs.genebank import service

    try:
        data = service.TraitIn(
            code=code,
            name=name,
            scale=scale,
            crop=crop,
            method=method,
            unit=unit,
            minimum=minimum,
            maximum=maximum,
            categories=categories,
        )
        with transaction(session_factory()) as session:
            service.define_trait(session, cli_principal(), data)
    except ValidationError as error:
        raise fail(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()), 2
        ) from None
    except service.GenebankError as error:
        raise fail(_escape(str(error)), 2) from None
    console.print(f"trait {code} saved", highlight=False)


@traits_app.command("import")
def traits_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or XLSX: INSTCODE, ACCENUMB, TRAIT, VALUE[, DATE, SITE, ENVIRONMENT, "
            "OBSERVER].",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
) -> None:
    """Import observations: every row valid or nothing stored (exit 2, each bad row
    named); re-importing the same rows changes nothing."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import console, errors, fail, session_factory
    from iofs.db import transaction
    from iofs.errors import InputError
    from iofs.genebank import service

    try:
        with transaction(session_factory()) as session:
            result = service.import_observation_file(session, cli_principal(), file)
    except service.ObservationsRejected as error:
        for issue in error.issues:
            errors.print(str(issue), highlight=False, markup=False)
        raise fail(_escape(str(error)), 2) from None
    except InputError as error:
        raise fail(_escape(str(error)), 2) from None
    console.print(
        f"{result.inserted} observations added, {result.unchanged} already stored", highlight=False
    )


@traits_app.command("export")
def traits_export(
    out: Annotated[
        Path | None, typer.Option("--out", help="File (default: standard output).")
    ] = None,
) -> None:
    """Observations as CSV in the import's columns."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.genebank import service

    target = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        with session_factory()() as session:
            service.export_observations(session, cli_principal(), target)
    finally:
        if out:
            target.close()


@traits_app.command("search")
def traits_search(
    conditions: Annotated[list[str], typer.Argument(help="e.g. 'DRT>=7' 'DTH<=110'.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 100,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Accessions with an observation meeting every condition."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import fail, print_records, session_factory
    from iofs.genebank import service

    try:
        with session_factory()() as session:
            criteria = [c for text in conditions for c in service.parse_criteria(text)]
            total, found = service.trait_search(session, cli_principal(), criteria, limit=limit)
            rows = [
                {
                    "id": a.id,
                    "instcode": a.instcode,
                    "accenumb": a.accenumb,
                    "taxon": a.taxon,
                    "origcty": a.origcty,
                }
                for a in found
            ]
    except service.GenebankError as error:
        raise fail(_escape(str(error)), 2) from None
    print_records(rows, output, f"Accessions ({total})", json_default=str)
