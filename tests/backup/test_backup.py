"""Backups (#21 item 4): an online snapshot taken while writes run restores into an empty
store whose counts and digests match the manifest and whose audit log verifies, on SQLite
and PostgreSQL (and from SQLite into PostgreSQL); damaged archives and non-empty targets are
refused in one sentence with exit status 2; scheduled backups keep the newest N."""

from __future__ import annotations

import io
import json
import tarfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.accounts import service as accounts
from iofs.audit.models import AuditEntry
from iofs.backup import archive
from iofs.cli import app as cli_app
from iofs.config import Settings
from iofs.db import make_engine, make_session_factory, transaction
from iofs.roles import Role
from tests.conftest import POSTGRES_URL, TEST_SECRET, _postgres_schema_url


def _demo(factory: sessionmaker[Session], settings: Settings) -> None:
    from iofs.genebank import demo as genebank_demo
    from iofs.programmes import demo as programmes_demo

    with transaction(factory) as session:
        programmes_demo.load(session, accounts.cli_principal())
        genebank_demo.load(session, accounts.cli_principal())
    files = settings.analytics_dir / "prices" / "sample.parquet"
    files.parent.mkdir(parents=True, exist_ok=True)
    files.write_bytes(b"PAR1 not really parquet, but bytes to carry\x00\xff")


@pytest.fixture
def target(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings of an empty installation on the same kind of database."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'restored' / 'iofs.sqlite3'}"
        yield Settings(
            env="test", data_dir=tmp_path / "restored", database_url=url, secret_key=TEST_SECRET
        )
        return
    yield from _postgres_target(tmp_path)


def _postgres_target(tmp_path: Path) -> Iterator[Settings]:
    assert POSTGRES_URL
    schema = f"iofs_restore_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Settings(
            env="test",
            data_dir=tmp_path / "restored",
            database_url=_postgres_schema_url(POSTGRES_URL, schema),
            secret_key=TEST_SECRET,
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _writer(factory: sessionmaker[Session], stop: threading.Event, made: list[int]) -> None:
    """Audited writes, one transaction each, until ``stop`` is set."""
    number = 0
    while not stop.is_set():
        number += 1
        with transaction(factory) as session:
            accounts.create_user(
                session,
                accounts.cli_principal(),
                email=f"writer{number}@iofs.example",
                display_name=f"writer {number}",
                password="correct horse battery staple",
                grants=[accounts.RoleGrant(Role.VIEWER, ())],
            )
        made.append(number)


def test_a_backup_taken_while_writes_run_restores_whole(
    settings: Settings, loaded_registry: sessionmaker[Session], target: Settings, tmp_path: Path
) -> None:
    _demo(loaded_registry, settings)
    stop, made = threading.Event(), list[int]()
    writer = threading.Thread(target=_writer, args=(loaded_registry, stop, made))
    writer.start()
    try:
        while len(made) < 3:
            stop.wait(0.05)
        out = tmp_path / "backup.tar.gz"
        manifest = archive.create_backup(settings, out)
        during = len(made)
        while len(made) < during + 3:  # the writes went on during and after the snapshot
            stop.wait(0.05)
    finally:
        stop.set()
        writer.join()
    assert manifest.tables["audit_entry"]["rows"] > 0
    assert [f["path"] for f in manifest.files] == ["analytics/prices/sample.parquet"]
    report = archive.restore_backup(target, out)
    assert report.problems == []
    assert report.rows == manifest.row_count and report.files == 1
    restored = make_session_factory(make_engine(target.resolved_database_url))
    with restored() as session:
        entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    assert entries == manifest.tables["audit_entry"]["rows"] == report.audit_entries
    with loaded_registry() as session:
        assert (session.scalar(select(func.count()).select_from(AuditEntry)) or 0) > entries
    data = (target.analytics_dir / "prices" / "sample.parquet").read_bytes()
    assert data == (settings.analytics_dir / "prices" / "sample.parquet").read_bytes()
    # the restored store takes new writes: sequences moved past the restored ids
    with transaction(restored) as session:
        accounts.create_user(
            session,
            accounts.cli_principal(),
            email="after@iofs.example",
            display_name="after",
            password="correct horse battery staple",
            grants=[accounts.RoleGrant(Role.VIEWER, ())],
        )


def _cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    result = CliRunner().invoke(cli_app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, " ".join(result.output.split())


def test_the_cli_refuses_what_it_cannot_restore(
    settings: Settings, loaded_registry: sessionmaker[Session], target: Settings, tmp_path: Path
) -> None:
    _demo(loaded_registry, settings)
    out = tmp_path / "b.tar.gz"
    status, output = _cli(settings, "backup", "--out", str(out))
    assert status == 0 and "tables" in output and "1 files" in output, output
    status, output = _cli(settings, "restore", str(out))
    assert status == 2 and "already holds data" in output, output
    not_tar = tmp_path / "not.tar.gz"
    not_tar.write_bytes(b"hello")
    assert _cli(target, "restore", str(not_tar)) == (
        2,
        "error: not.tar.gz is not a backup archive (.tar.gz).",
    )
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as handle:
        handle.add(out, "something-else")
    status, output = _cli(target, "restore", str(foreign))
    assert status == 2 and "is not an iofs backup" in output
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(out) as source, tarfile.open(tampered, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member)
            if member.name.startswith("files/"):
                content = b"changed"
                member.size = len(content)
                copy.addfile(member, io.BytesIO(content))
            else:
                copy.addfile(member, data)
    status, output = _cli(target, "restore", str(tampered))
    assert status == 2 and "does not match its manifest digest" in output, output
    with make_engine(target.resolved_database_url).connect() as connection:  # nothing loaded
        assert connection.execute(select(func.count()).select_from(AuditEntry)).scalar() == 0
    status, output = _cli(target, "restore", str(out))  # the refused attempts left no trace
    assert status == 0 and "audit log intact" in output, output


def test_scheduled_backups_keep_the_newest(
    settings: Settings, loaded_registry: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        (folder / f"iofs-backup-{stamp}.tar.gz").write_bytes(b"old")
    (folder / "keep-me.txt").write_text("not a backup")
    status, output = _cli(settings, "backup", "--out-dir", str(folder), "--keep", "2")
    assert status == 0, output
    names = sorted(p.name for p in folder.iterdir())
    assert names[0] == "iofs-backup-20260103T000000Z.tar.gz" and names[-1] == "keep-me.txt"
    assert len(names) == 3 and "removed" in output
    with tarfile.open(folder / names[1]) as handle:
        manifest = json.loads(handle.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["format"] == "iofs-backup/1" and not manifest["secret_key"]
    assert _cli(settings, "backup")[0] == 2


@pytest.mark.skipif(
    not POSTGRES_URL, reason="PostgreSQL not configured: set IOFS_TEST_DATABASE_URL"
)
def test_a_sqlite_backup_restores_into_postgresql(tmp_path: Path) -> None:
    from iofs.db import upgrade
    from iofs.members import service as members

    source = Settings(
        env="test",
        data_dir=tmp_path / "source",
        database_url=f"sqlite:///{tmp_path / 'source' / 'iofs.sqlite3'}",
        secret_key=TEST_SECRET,
    )
    upgrade(source.resolved_database_url)
    factory = make_session_factory(make_engine(source.resolved_database_url))
    with transaction(factory) as session:
        members.load_reference(session)
    _demo(factory, source)
    out = tmp_path / "sqlite.tar.gz"
    manifest = archive.create_backup(source, out, include_secret_key=True)
    for destination in _postgres_target(tmp_path):
        report = archive.restore_backup(destination, out)
        assert report.problems == [], report.problems
        assert report.rows == manifest.row_count
        assert (destination.data_dir / "secret_key").read_text().strip() == TEST_SECRET
