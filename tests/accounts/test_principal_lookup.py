"""Who is asking costs one statement: the token (or session), its user and the user's roles
in one query, outside a transaction on PostgreSQL (no BEGIN and COMMIT round trips)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_user

#: A signed-in read that asks who is asking (and reads nothing of accounts itself).
URL = "/api/v1/notifications/subscriptions"


def test_a_token_request_reads_token_user_and_roles_in_one_statement_without_a_transaction(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _uid, token = make_user(
        loaded_registry, "focal@lookup.example", "focal_point", scopes=("KAZ", "TUR")
    )
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(URL, headers=headers).status_code == 200  # its last use is noted now
    engine = client.app.state.engine  # type: ignore[attr-defined]
    seen: list[tuple[str, bool]] = []

    def statement(connection: Any, _cursor: Any, text: str, *_args: Any) -> None:
        # psycopg's ``autocommit``: each statement its own transaction, no BEGIN, no COMMIT.
        seen.append((text, getattr(connection.connection.driver_connection, "autocommit", False)))

    event.listen(engine, "before_cursor_execute", statement)
    try:
        answer = client.get(URL, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    assert answer.status_code == 200, answer.text
    lookups = [(t, alone) for t, alone in seen if "api_token" in t or "role_assignment" in t]
    assert len(lookups) == 1, [t[:80] for t, _ in lookups]
    text, alone = lookups[0]
    assert "role_assignment" in text and "api_token" in text
    if engine.dialect.name == "postgresql":  # SQLite's BEGIN and COMMIT are no round trips
        assert alone, "the lookup ran inside a transaction (BEGIN and COMMIT round trips)"
