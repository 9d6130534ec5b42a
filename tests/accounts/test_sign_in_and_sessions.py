"""Sign-in, session cookies, rotation, throttling, password changes, API tokens."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import ORIGIN, PASSWORD, make_user, sign_in


def _use_cookie(client: TestClient, value: str) -> None:
    """Replace the browser's session cookie, as an attacker or a stale tab would."""
    client.cookies.delete("iofs_session")
    client.cookies.set("iofs_session", value, domain="testserver.local", path="/")


def test_sign_in_sets_a_safe_cookie_and_opens_the_account(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    response = sign_in(client, "FP@kaz.example ")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "iofs_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    account = client.get("/account")
    assert account.status_code == 200 and "fp@kaz.example" in account.text
    assert client.get("/api/v1/me").json()["roles"] == [{"role": "focal_point", "scope": "KAZ"}]


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "someone@iofs.example", "viewer")
    wrong = sign_in(client, "someone@iofs.example", "not the password at all")
    unknown = sign_in(client, "nobody@iofs.example", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    message = "Sign-in failed: the e-mail or password is wrong"
    assert message in wrong.text and message in unknown.text
    assert "iofs_session" not in wrong.headers.get("set-cookie", "")


def test_session_is_rotated_at_sign_in(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "a@iofs.example", "secretariat")
    first = sign_in(client, "a@iofs.example")
    old_cookie = client.cookies.get("iofs_session")
    assert first.status_code == 303 and old_cookie
    _use_cookie(client, "planted-by-an-attacker")  # fixation attempt
    assert client.get("/api/v1/me").status_code == 401
    _use_cookie(client, old_cookie)
    sign_in(client, "a@iofs.example")
    new_cookie = client.cookies.get("iofs_session")
    assert new_cookie and new_cookie != old_cookie
    assert client.get("/api/v1/me").status_code == 200
    # the session the browser had before signing in again no longer works
    _use_cookie(client, old_cookie)
    assert client.get("/api/v1/me").status_code == 401


def test_sign_out_ends_the_session(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "b@iofs.example", "viewer")
    sign_in(client, "b@iofs.example")
    cookie = client.cookies.get("iofs_session")
    assert (
        client.post("/signout", headers={"Origin": ORIGIN}, follow_redirects=False).status_code
        == 303
    )
    _use_cookie(client, cookie or "")
    assert client.get("/api/v1/me").status_code == 401


def test_throttling_backs_off_per_account(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "c@iofs.example", "viewer")
    statuses = [
        sign_in(client, "c@iofs.example", f"wrong password {i}").status_code for i in range(6)
    ]
    assert statuses[:4] == [401] * 4
    assert statuses[4] == 429 or statuses[5] == 429
    blocked = sign_in(client, "c@iofs.example")  # even the right password waits
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert "Sign-in failed" in blocked.text


def test_password_change_and_admin_reset(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, admin_token = make_user(loaded_registry, "admin@iofs.example", "admin")
    user_id, _ = make_user(loaded_registry, "d@iofs.example", "viewer")
    sign_in(client, "d@iofs.example")
    weak = client.post(
        "/api/v1/me/password",
        headers={"Origin": ORIGIN},
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert weak.status_code == 422 and weak.json()["detail"][0]["field"] == "new_password"
    wrong = client.post(
        "/api/v1/me/password",
        headers={"Origin": ORIGIN},
        json={"current_password": "nope", "new_password": "a much better one!"},
    )
    assert wrong.status_code == 422
    ok = client.post(
        "/api/v1/me/password",
        headers={"Origin": ORIGIN},
        json={"current_password": PASSWORD, "new_password": "a much better one!"},
    )
    assert ok.status_code == 204
    assert client.get("/api/v1/me").status_code == 200  # this session stays
    client.cookies.clear()
    assert sign_in(client, "d@iofs.example").status_code == 401
    assert sign_in(client, "d@iofs.example", "a much better one!").status_code == 303
    reset = client.post(
        f"/api/v1/users/{user_id}/password",
        json={"password": "reset by admin!!"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert reset.status_code == 204
    assert client.get("/api/v1/me").status_code == 401  # the reset ended the user's sessions


def test_outdated_hash_is_upgraded_at_sign_in(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from iofs.accounts import passwords
    from iofs.accounts.models import User

    make_user(loaded_registry, "e@iofs.example", "viewer")
    with loaded_registry() as session:
        old_hash = session.query(User).filter_by(email="e@iofs.example").one().password_hash
    fast = passwords._hasher
    passwords.set_hasher(
        PasswordHash((Argon2Hasher(time_cost=2, memory_cost=2048, parallelism=1),))
    )
    try:
        assert sign_in(client, "e@iofs.example").status_code == 303
    finally:
        passwords.set_hasher(fast)
    with loaded_registry() as session:
        new_hash = session.query(User).filter_by(email="e@iofs.example").one().password_hash
    assert new_hash != old_hash and "m=2048,t=2" in new_hash and "m=1024,t=1" in old_hash


def test_tokens_work_and_revocation_is_immediate(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "f@iofs.example", "viewer")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=auth).json()["email"] == "f@iofs.example"
    created = client.post("/api/v1/tokens", headers=auth, json={"name": "cron", "expires_days": 30})
    assert created.status_code == 201
    second = created.json()
    assert second["token"].startswith("iofs_") and second["expires_at"]
    listed = client.get("/api/v1/tokens", headers=auth).json()
    assert {t["name"] for t in listed} == {"tests", "cron"}
    assert all("token" not in t for t in listed)
    revoke = client.delete(
        f"/api/v1/tokens/{second['id']}", headers={"Authorization": f"Bearer {second['token']}"}
    )
    assert revoke.status_code == 204
    refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['token']}"})
    assert refused.status_code == 401
    assert "invalid, expired or revoked" in refused.json()["detail"]
    assert client.get("/api/v1/me", headers=auth).status_code == 200


def test_deactivated_user_is_locked_out(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, admin = make_user(loaded_registry, "admin@iofs.example", "admin")
    user_id, token = make_user(loaded_registry, "g@iofs.example", "viewer")
    response = client.patch(
        f"/api/v1/users/{user_id}",
        json={"active": False},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert sign_in(client, "g@iofs.example").status_code == 401


def test_open_redirect_is_refused(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "h@iofs.example", "viewer")
    response = client.post(
        "/signin",
        data={"email": "h@iofs.example", "password": PASSWORD, "next": "//evil.example/x"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_cli_creates_first_admin_from_stdin(settings, loaded_registry) -> None:  # type: ignore[no-untyped-def]
    import os

    from typer.testing import CliRunner

    from iofs.cli import app

    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key,
    }
    runner = CliRunner()
    created = runner.invoke(
        app,
        ["users", "create", "--email", "root@iofs.example", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
    )
    assert created.exit_code == 0, created.output
    weak = runner.invoke(
        app,
        ["users", "create", "--email", "x@iofs.example", "--role", "viewer", "--password-stdin"],
        input="short\n",
        env=env,
    )
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    token = runner.invoke(
        app, ["tokens", "create", "--user", "root@iofs.example", "--expires", "7"], env=env
    )
    assert token.exit_code == 0
    raw = token.output.strip().splitlines()[-1]
    assert raw.startswith("iofs_")
    no_scope = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "fp@iofs.example",
            "--role",
            "focal_point",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        env=env,
    )
    assert no_scope.exit_code == 1 and "needs at least one scope" in no_scope.output


def test_password_change_and_admin_reset_revoke_api_tokens(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    """A stolen token stops working when its owner changes the password or an admin resets it
    (issue #20, item 9); the token the owner used for the change itself stays."""
    _, admin_token = make_user(loaded_registry, "admin@iofs.example", "admin")
    user_id, stolen = make_user(loaded_registry, "g@iofs.example", "viewer")
    stolen_auth = {"Authorization": f"Bearer {stolen}"}
    sign_in(client, "g@iofs.example")
    changed = client.post(
        "/api/v1/me/password",
        headers={"Origin": ORIGIN},
        json={"current_password": PASSWORD, "new_password": "a much better one!"},
    )
    assert changed.status_code == 204
    assert client.get("/api/v1/me", headers=stolen_auth).status_code == 401
    assert client.get("/api/v1/me").status_code == 200  # the browser session that changed it
    # a token used for the change itself is kept; the user's other tokens end
    mine = client.post("/api/v1/tokens", headers={"Origin": ORIGIN}, json={"name": "mine"})
    other = client.post("/api/v1/tokens", headers={"Origin": ORIGIN}, json={"name": "other"})
    mine_auth = {"Authorization": f"Bearer {mine.json()['token']}"}
    assert (
        client.post(
            "/api/v1/me/password",
            headers=mine_auth,
            json={"current_password": "a much better one!", "new_password": "an even better one!"},
        ).status_code
        == 204
    )
    assert client.get("/api/v1/me", headers=mine_auth).status_code == 200
    assert (
        client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {other.json()['token']}"}
        ).status_code
        == 401
    )
    reset = client.post(
        f"/api/v1/users/{user_id}/password",
        json={"password": "reset by admin!!"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert reset.status_code == 204
    assert client.get("/api/v1/me", headers=mine_auth).status_code == 401


def test_a_tokens_last_use_is_written_once_a_minute_not_per_request(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    """Each write of ``last_used_at`` is an UPDATE and a commit of the token's row, which a
    script's concurrent requests would queue on; the column keeps the minute."""
    from datetime import timedelta

    from sqlalchemy import select, update

    from iofs.accounts.models import ApiToken
    from iofs.accounts.service import TOKEN_USE_PRECISION

    user_id, token = make_user(loaded_registry, "script@iofs.example", "viewer")
    auth = {"Authorization": f"Bearer {token}"}

    def last_used() -> object:
        with loaded_registry() as session:
            query = select(ApiToken.last_used_at).where(ApiToken.user_id == user_id)
            return session.execute(query).scalar_one()

    assert client.get("/api/v1/me", headers=auth).status_code == 200
    first = last_used()
    assert first is not None
    for _ in range(3):
        assert client.get("/api/v1/me", headers=auth).status_code == 200
    assert last_used() == first
    with loaded_registry.begin() as session:  # a minute and a second ago
        earlier = first - TOKEN_USE_PRECISION - timedelta(seconds=1)  # type: ignore[operator]
        session.execute(
            update(ApiToken).where(ApiToken.user_id == user_id).values(last_used_at=earlier)
        )
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    assert last_used() > earlier  # type: ignore[operator]
