"""Sign-in throttling under attack (issue #20, item 3): atomic counting, per-account and
per-(account, IP) limits, a much higher per-IP ceiling, and forwarded client addresses."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from iofs.accounts import passwords, service
from iofs.config import Settings
from tests.conftest import PASSWORD, make_user

ATTACKER_IP = "203.0.113.7"


class FrozenClock:
    """``service.now`` replaced by a clock that moves only when told."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock()
    monkeypatch.setattr(service, "now", frozen)
    return frozen


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str | None]]:
    """Every password verification, counted (thread-safe)."""
    seen: list[str | None] = []
    lock = threading.Lock()
    original = passwords.verify_password

    def counting(password: str, hashed: str | None) -> Any:
        with lock:
            seen.append(hashed)
        return original(password, hashed)

    monkeypatch.setattr(passwords, "verify_password", counting)
    yield seen


def _attempt(
    factory: sessionmaker[Session], email: str, password: str, ip: str | None = ATTACKER_IP
) -> str:
    """One sign-in as the page does it: "ok", "failed" or "throttled"."""
    with factory() as session:
        try:
            service.authenticate(session, email, password, ip=ip)
        except service.SignInFailed as failure:
            session.commit()
            return "throttled" if failure.retry_after else "failed"
        session.commit()
        return "ok"


def test_forty_concurrent_wrong_passwords_get_at_most_five_password_checks(
    loaded_registry: sessionmaker[Session], clock: FrozenClock, password_checks: list[str | None]
) -> None:
    make_user(loaded_registry, "victim@iofs.example", "viewer")
    password_checks.clear()
    start = threading.Barrier(40)

    def guess(i: int) -> str:
        start.wait()
        try:
            return _attempt(loaded_registry, "victim@iofs.example", f"wrong guess {i}")
        except Exception as error:  # lost updates show up as errors too
            return type(error).__name__

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(guess, range(40)))
    assert len(password_checks) <= service.ACCOUNT_IP_FREE_FAILURES, outcomes
    assert set(outcomes) <= {"failed", "throttled"}, outcomes
    # Refused attempts did not extend the back-off: the right password works seconds later,
    # from the attacker's own address too, not after 15 minutes.
    clock.advance(2)
    assert _attempt(loaded_registry, "victim@iofs.example", PASSWORD) == "ok"


def test_one_attacker_cannot_lock_out_other_users_behind_the_same_address(
    loaded_registry: sessionmaker[Session], clock: FrozenClock
) -> None:
    make_user(loaded_registry, "colleague@iofs.example", "viewer")
    make_user(loaded_registry, "target@iofs.example", "viewer")
    for i in range(60):  # behind a proxy, or one office: everybody shares the address
        _attempt(loaded_registry, "target@iofs.example", f"wrong guess {i}")
        _attempt(loaded_registry, f"guess{i}@iofs.example", "a wrong password")
        clock.advance(1)
    assert _attempt(loaded_registry, "colleague@iofs.example", PASSWORD) == "ok"
    # the targeted account from elsewhere: the per-account limit is higher than per (account, IP)
    assert _attempt(loaded_registry, "target@iofs.example", PASSWORD, ip="198.51.100.9") == "ok"


def test_per_account_limit_holds_across_many_addresses(
    loaded_registry: sessionmaker[Session], clock: FrozenClock, password_checks: list[str | None]
) -> None:
    make_user(loaded_registry, "spread@iofs.example", "viewer")
    password_checks.clear()
    for i in range(3 * service.ACCOUNT_FREE_FAILURES):
        _attempt(loaded_registry, "spread@iofs.example", "wrong", ip=f"192.0.2.{i + 1}")
    assert len(password_checks) == service.ACCOUNT_FREE_FAILURES


def test_per_address_ceiling_stops_guessing_many_accounts(
    loaded_registry: sessionmaker[Session], clock: FrozenClock, password_checks: list[str | None]
) -> None:
    for i in range(service.IP_FREE_FAILURES + 10):
        _attempt(loaded_registry, f"guess{i}@iofs.example", "a wrong password")
    assert len(password_checks) == service.IP_FREE_FAILURES
    assert _attempt(loaded_registry, "guess999@iofs.example", "x") == "throttled"


def test_counters_forget_old_failures(
    loaded_registry: sessionmaker[Session], clock: FrozenClock, password_checks: list[str | None]
) -> None:
    make_user(loaded_registry, "typo@iofs.example", "viewer")
    for _ in range(service.ACCOUNT_IP_FREE_FAILURES):
        _attempt(loaded_registry, "typo@iofs.example", "wrong")
    clock.advance(service.THROTTLE_WINDOW.total_seconds() + 1)
    password_checks.clear()
    assert _attempt(loaded_registry, "typo@iofs.example", "wrong") == "failed"
    assert len(password_checks) == 1


# --- the client's address behind trusted proxies -------------------------------------------


def _request(peer: str, headers: dict[str, str], trusted: str = "") -> Request:
    settings = Settings(env="test", trusted_proxies=trusted)  # type: ignore[arg-type]
    app = SimpleNamespace(state=SimpleNamespace(settings=settings))
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/",
            "app": app,
            "client": (peer, 40000),
            "scheme": "http",
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        }
    )


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    from iofs.http.security import client_ip

    spoofed = {"X-Forwarded-For": "1.2.3.4"}
    assert client_ip(_request("198.51.100.20", spoofed)) == "198.51.100.20"
    assert client_ip(_request("198.51.100.20", spoofed, trusted="10.0.0.0/8")) == "198.51.100.20"


def test_forwarded_for_from_a_trusted_proxy_gives_the_client() -> None:
    from iofs.http.security import client_ip

    trusted = "10.0.0.0/8, 192.0.2.1"
    # the client forged the first entry; the proxies appended the real one
    chain = {"X-Forwarded-For": "6.6.6.6, 198.51.100.30, 10.1.1.1"}
    assert client_ip(_request("192.0.2.1", chain, trusted)) == "198.51.100.30"
    forwarded = {"Forwarded": 'for=6.6.6.6, for="[2001:db8::17]:4711";proto=https'}
    assert client_ip(_request("10.0.0.2", forwarded, trusted)) == "2001:db8::17"
    assert client_ip(_request("10.0.0.2", {}, trusted)) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", {"X-Forwarded-For": "not-an-ip"}, trusted)) == "10.0.0.2"


def test_serve_trusts_forwarded_headers_only_from_the_configured_proxies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    import iofs.cli
    import iofs.db
    from iofs.cli import app

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append(k))
    # no database behind this serve: skip the first-admin hint, which reads the accounts
    monkeypatch.setattr(iofs.cli, "_print_first_steps", lambda: None)
    monkeypatch.setattr(iofs.db, "current_revision", lambda url: "0002")
    monkeypatch.setattr(iofs.db, "pending_migrations", lambda url: False)
    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path))
    # no job worker thread either: it would outlive the test, polling a database without
    # tables, and log a traceback every few seconds into whatever test runs next (Python
    # 3.11 parses source while formatting one, which is not safe beside another thread's
    # parse: it broke the API fuzz test with "AST constructor recursion depth mismatch")
    monkeypatch.setenv("IOFS_JOBS_EMBEDDED", "false")
    monkeypatch.delenv("IOFS_TRUSTED_PROXIES", raising=False)
    assert CliRunner().invoke(app, ["serve"]).exit_code == 0
    assert calls[-1]["proxy_headers"] is False
    monkeypatch.setenv("IOFS_TRUSTED_PROXIES", "10.0.0.0/8,192.0.2.1")
    assert CliRunner().invoke(app, ["serve"]).exit_code == 0
    assert calls[-1]["proxy_headers"] is True
    assert calls[-1]["forwarded_allow_ips"] == ["10.0.0.0/8", "192.0.2.1/32"]
