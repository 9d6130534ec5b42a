"""Audit entries for each write, append-only storage, verification that detects tampering."""

from __future__ import annotations

import json
import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.audit import service as audit
from iofs.audit.models import AuditEntry
from iofs.config import Settings
from tests.conftest import make_user

FIGURE = {
    "indicator": "wheat_production",
    "year": 2023,
    "value": "16400000",
    "source": "national statistics",
}


def _entries(factory: sessionmaker[Session], record_type: str) -> list[AuditEntry]:
    with factory() as session:
        return list(
            session.query(AuditEntry).filter_by(record_type=record_type).order_by(AuditEntry.id)
        )


def test_each_write_is_audited_with_who_when_where_before_after(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "audit-test/1.0"}
    created = client.post("/api/v1/members/KAZ/figures", headers=headers, json=FIGURE).json()
    client.put(
        f"/api/v1/figures/{created['id']}", headers=headers, json={**FIGURE, "value": "16500000"}
    )
    client.delete(f"/api/v1/figures/{created['id']}", headers=headers)
    entries = _entries(loaded_registry, "country_figure")
    assert [e.action for e in entries] == ["create", "update", "delete"]
    create, update, delete = entries
    assert {e.actor for e in entries} == {"fp@kaz.example"}
    assert all(e.token_id is not None and e.ip == "testclient" for e in entries)
    assert all(e.user_agent == "audit-test/1.0" for e in entries)
    assert create.before is None and json.loads(create.after or "")["value"] == "16400000.0000"
    assert json.loads(update.before or "")["value"] == "16400000.0000"
    assert json.loads(update.after or "")["value"] == "16500000.0000"
    assert delete.after is None and json.loads(delete.before or "")["iso3"] == "KAZ"


def test_secrets_never_reach_the_log(loaded_registry: sessionmaker[Session]) -> None:
    make_user(loaded_registry, "x@iofs.example", "viewer")
    with loaded_registry() as session:
        text_of_log = " ".join((e.after or "") for e in session.query(AuditEntry))
    assert "argon2" not in text_of_log and "iofs_" not in text_of_log
    assert '"password_hash": "sha256:' in text_of_log


def test_failed_write_leaves_no_entry(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    with loaded_registry() as session:
        before = audit.entry_count(session)
    response = client.post(
        "/api/v1/members/EGY/figures", json=FIGURE, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    with loaded_registry() as session:
        assert audit.entry_count(session) == before


def test_log_is_append_only_in_the_database(loaded_registry: sessionmaker[Session]) -> None:
    make_user(loaded_registry, "y@iofs.example", "viewer")
    for statement in ("UPDATE audit_entry SET actor = 'someone else'", "DELETE FROM audit_entry"):
        with loaded_registry() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                session.execute(text(statement))
                session.commit()
            session.rollback()


def _tamper(factory: sessionmaker[Session], statement: str) -> None:
    """Change the log behind the application's back, as a database superuser could."""
    with factory() as session:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
            session.execute(text(statement))
            session.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))
        else:
            session.execute(text("DROP TRIGGER audit_entry_no_update"))
            session.execute(text("DROP TRIGGER audit_entry_no_delete"))
            session.execute(text(statement))
        session.commit()


def test_verify_passes_then_detects_a_tampered_row(
    client: TestClient, loaded_registry: sessionmaker[Session], settings: Settings
) -> None:
    _, token = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    client.post(
        "/api/v1/members/EGY/figures", json=FIGURE, headers={"Authorization": f"Bearer {token}"}
    )
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    good = CliRunner().invoke(__import__("iofs.cli").cli.app, ["audit", "verify"], env=env)
    assert good.exit_code == 0, good.output
    assert "audit log intact" in good.output
    _tamper(
        loaded_registry,
        "UPDATE audit_entry SET after = replace(after, '16400000', "
        "'99999999') WHERE record_type = 'country_figure'",
    )
    with loaded_registry() as session:
        report = audit.verify(session)
    assert not report.ok
    assert any("was altered after it was written" in p for p in report.problems)
    bad = CliRunner().invoke(__import__("iofs.cli").cli.app, ["audit", "verify"], env=env)
    assert bad.exit_code == 1 and "altered" in bad.output


def test_verify_detects_deleted_entries_and_changes_outside_the_app(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    figure = client.post(
        "/api/v1/members/EGY/figures", json=FIGURE, headers={"Authorization": f"Bearer {token}"}
    ).json()
    with loaded_registry() as session:
        session.execute(
            text("UPDATE country_figure SET value = 1 WHERE id = :id"), {"id": figure["id"]}
        )
        session.commit()
        report = audit.verify(session)
    assert any("differs from its last audited state" in p for p in report.problems)
    _tamper(loaded_registry, "DELETE FROM audit_entry WHERE id = 2")
    with loaded_registry() as session:
        problems = audit.verify(session).problems
    assert any("missing (deleted)" in p for p in problems)
    assert any("does not link" in p for p in problems)


def test_audit_page_api_and_csv_filters(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, secretariat = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    _, viewer = make_user(loaded_registry, "v@iofs.example", "viewer")
    auth = {"Authorization": f"Bearer {secretariat}"}
    client.post("/api/v1/members/EGY/figures", json=FIGURE, headers=auth)
    listed = client.get(
        "/api/v1/audit", params={"record_type": "country_figure"}, headers=auth
    ).json()["items"]
    assert len(listed) == 1 and listed[0]["actor"] == "sec@iofs.example"
    by_actor = client.get("/api/v1/audit", params={"actor": "cli:nobody"}, headers=auth).json()
    assert by_actor == {"items": [], "next": None}
    future = client.get("/api/v1/audit", params={"since": "2999-01-01"}, headers=auth).json()
    assert future == {"items": [], "next": None}
    csv_text = client.get(
        "/api/v1/audit.csv", params={"record_type": "country_figure"}, headers=auth
    ).text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("id,at,actor") and len(lines) == 2
    assert (
        client.get("/api/v1/audit", headers={"Authorization": f"Bearer {viewer}"}).status_code
        == 403
    )
    assert client.get("/api/v1/audit").status_code == 401
