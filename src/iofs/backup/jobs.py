"""Scheduled backups: the job kind ``backup.snapshot``.

It writes what ``iofs backup --out-dir DIRECTORY --keep N`` writes — a timestamped archive
(``iofs-backup-YYYYMMDDTHHMMSSZ.tar.gz``: a consistent online snapshot of the database, the
data directory's files and a manifest of row counts and SHA-256 digests) — and then deletes
the oldest archives there beyond the newest ``keep``. Schedulable like any kind:
``iofs jobs schedule add backup.snapshot daily@02:00 --param directory=/srv/backups
--param keep=14``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iofs.errors import InputError
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.jobs.kinds import JobContext, JobKind

SNAPSHOT = JobKind(
    name="backup.snapshot",
    run="iofs.backup.jobs:snapshot",
    title=N_("Backup with retention"),
)


def snapshot(
    context: JobContext, directory: str, keep: int = 7, with_secret_key: bool = False
) -> dict[str, Any]:
    """Back up into ``directory`` and keep its newest ``keep`` archives; returns the archive's
    path and size (bytes), its table, row and file counts, and the archives removed."""
    from iofs.backup import archive

    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise InputError(
            _("keep must be a whole number of at least 1, not %(value)s.") % {"value": keep},
            "keep",
        )
    if not str(directory).strip():
        raise InputError(_("directory must name the folder the backups go to."), "directory")
    steps = 0

    def step(message: str) -> None:
        nonlocal steps
        steps += 1
        context.log(message)
        context.progress(steps, None, message)

    try:
        written, manifest, removed = archive.backup_to_folder(
            context.settings,
            Path(directory),
            keep,
            include_secret_key=bool(with_secret_key),
            step=step,
        )
    except (archive.BackupError, OSError) as error:
        raise InputError(
            _("The backup to %(directory)s failed: %(reason)s")
            % {"directory": directory, "reason": error}
        ) from None
    for old in removed:
        context.log(f"removed {old} (keeping the newest {keep})")
    return {
        "archive": str(written),
        "bytes": written.stat().st_size,
        "tables": len(manifest.tables),
        "rows": manifest.row_count,
        "files": len(manifest.files),
        "removed": [str(old) for old in removed],
    }
