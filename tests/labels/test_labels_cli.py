"""``iofs labels``: seed (idempotent), missing counts, export with formulas neutralised, and
an import refused with exit status 2 naming the file, line and field, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.config import Settings
from iofs.labels.models import DataLabel


def _run(settings: Settings, *args: str) -> Result:
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    return CliRunner().invoke(__import__("iofs.cli").cli.app, ["labels", *args], env=env)


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(DataLabel)) or 0)


def test_seed_missing_export_import(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    first = _run(settings, "seed")
    assert first.exit_code == 0, first.output
    seeded = _count(session_factory)
    again = _run(settings, "seed")
    assert "0 labels added, 0 updated" in again.output
    assert _count(session_factory) == seeded
    missing = _run(settings, "missing", "--format", "csv")
    assert "commodity,fr," in missing.output

    bad = tmp_path / "labels.csv"
    bad.write_text(
        "domain,code,language,text,source\ncommodity,Teff,en,Teff,WFP\ncommodity,Teff,fr,,\n",
        encoding="utf-8",
    )
    refused = _run(settings, "import", str(bad))
    assert refused.exit_code == 2
    output = " ".join(refused.output.split())
    # the file's path may be wrapped across lines by the console, anywhere
    assert str(bad.name) in "".join(refused.output.split()) and "Line 3, field text" in output
    assert "Nothing was imported" in output and "Traceback" not in output
    assert _count(session_factory) == seeded
    assert _run(settings, "import", str(tmp_path / "absent.csv")).exit_code == 2

    good = tmp_path / "good.csv"
    good.write_text(
        "domain,code,language,text,source\nsource,formula,en,=1+1,tests\n", encoding="utf-8"
    )
    imported = _run(settings, "import", str(good))
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "out.csv"
    exported = _run(settings, "export", str(out), "--domain", "source")
    assert exported.exit_code == 0, exported.output
    assert out.read_text(encoding="utf-8").splitlines()[1] == "source,formula,en,'=1+1,tests"


def test_register_counts_new_codes_as_missing(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    from iofs.labels import service

    assert _run(settings, "seed").exit_code == 0
    prices = tmp_path / "prices.csv"
    prices.write_text(
        "date,market,commodity,price\n#date,#loc+market+name,#item+name,#value\n"
        "2024-01-15,Addis,Teff,10\n2024-01-15,Addis,Rice,12\n2024-02-15,Addis,Teff,11\n",
        encoding="utf-8",
    )
    done = _run(settings, "register", "commodity", str(prices))
    assert done.exit_code == 0, done.output
    assert "1 codes of commodity added" in done.output  # Teff; Rice is seeded
    with session_factory() as session:
        counts = {(c.domain, c.language): c.missing for c in service.missing_counts(session)}
    assert counts[("commodity", "fr")] == 1 and counts[("commodity", "ar")] == 1
    wrong = _run(settings, "register", "commodity", str(prices), "--column", "item")
    assert wrong.exit_code == 2 and "no column 'item'" in wrong.output
    unknown = _run(settings, "register", "crops", str(prices))
    assert unknown.exit_code == 2 and "Unknown domain crops" in " ".join(unknown.output.split())
