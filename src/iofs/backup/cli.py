"""``iofs backup`` and ``iofs restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from iofs.cli_support import console, errors, fail, settings


def backup(
    out: Annotated[
        Path | None, typer.Option("--out", help="Archive to write (.tar.gz).", dir_okay=False)
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out-dir",
            help="Folder for a timestamped archive (iofs-backup-YYYYMMDDTHHMMSSZ.tar.gz); "
            "with --keep, for scheduled backups.",
            file_okay=False,
        ),
    ] = None,
    keep: Annotated[
        int, typer.Option("--keep", min=1, help="With --out-dir: archives to keep there.")
    ] = 7,
    with_secret_key: Annotated[
        bool,
        typer.Option(
            "--with-secret-key", help="Include the secret key (sessions stay valid after restore)."
        ),
    ] = False,
) -> None:
    """Back up the database (a consistent snapshot, online), the data directory's files and,
    if asked, the secret key, with a manifest of row counts and SHA-256 digests."""
    from iofs.backup import archive

    if (out is None) == (out_dir is None):
        raise fail("give either --out FILE or --out-dir DIR.", 2)
    config = settings()
    removed: list[Path] = []
    try:
        with console.status("backing up …") as status:
            step = status.update
            if out is not None:
                manifest = archive.create_backup(
                    config, out, include_secret_key=with_secret_key, step=step
                )
                written = out
            else:
                assert out_dir is not None
                written, manifest, removed = archive.backup_to_folder(
                    config, out_dir, keep, include_secret_key=with_secret_key, step=step
                )
    except archive.BackupError as error:
        raise fail(str(error), 2) from None
    console.print(
        f"wrote {written} ({written.stat().st_size:,} bytes): {len(manifest.tables)} tables, "
        f"{manifest.row_count:,} rows, {len(manifest.files)} files"
        + (", secret key" if manifest.secret_key else ""),
        highlight=False,
    )
    for old in removed:
        console.print(f"removed {old} (keeping the newest {keep})", highlight=False)


def restore(
    file: Annotated[Path, typer.Argument(help="A backup archive (.tar.gz).", dir_okay=False)],
) -> None:
    """Restore a backup into an empty database and data directory, then check every table,
    file and the audit log against the backup's manifest."""
    from iofs.backup import archive

    config = settings()
    try:
        with console.status("restoring …") as status:
            report = archive.restore_backup(config, file, step=status.update)
    except archive.BackupError as error:
        raise fail(str(error), 2) from None
    for problem in report.problems:
        errors.print(problem, highlight=False, markup=False)
    if report.problems:
        raise fail(f"restored, but {len(report.problems)} check(s) failed (listed above).", 2)
    console.print(
        f"restored {report.tables} tables, {report.rows:,} rows and {report.files} files; "
        f"counts and digests match the manifest; audit log intact ({report.audit_entries:,} "
        "entries).",
        highlight=False,
    )
