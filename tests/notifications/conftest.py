"""A real SMTP server on a free loopback port (aiosmtpd), users who subscribe, and a risk
watchlist and price alerts computed from the shared real files (WFP prices of Afghanistan,
IPC national analyses)."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from tests.conftest import PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """What the SMTP server received: one parsed message per DATA, with its envelope."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.peers: set[Any] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peers.add(tuple(session.peer))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [
            m
            for m, (_f, rcpt) in zip(self.messages, self.envelopes, strict=True)
            if address in rcpt
        ]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A plain SMTP server; yields (inbox, port)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server TLS context with a self-signed certificate for 127.0.0.1, which the client
    trusts through ``SSL_CERT_FILE`` (read by ``ssl.create_default_context``)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return context


@pytest.fixture
def tls_smtp(certificate: ssl.SSLContext) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server that requires STARTTLS (RFC 3207)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=certificate, require_starttls=True
    )
    controller.start()
    yield inbox, port
    controller.stop()


#: The only login the SSL server below accepts.
SMTP_LOGIN = ("iofs-mailer", "a mail password")


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = (
        isinstance(data, LoginPassword)
        and (
            data.login.decode(),
            data.password.decode(),
        )
        == SMTP_LOGIN
    )
    # handled=False: aiosmtpd answers 535 itself when the login is refused
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def ssl_smtp(certificate: ssl.SSLContext) -> Iterator[tuple[Inbox, int]]:
    """An SMTPS server (TLS from the first byte, RFC 8314) that requires a login."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=certificate,
        auth_required=True,
        # the whole session is TLS; aiosmtpd only counts STARTTLS as TLS
        auth_require_tls=False,
        authenticator=_authenticate,
    )
    controller.start()
    yield inbox, port
    controller.stop()


def mail_settings(settings: Settings, port: int, tls: str = "none", **extra: Any) -> Settings:
    """``settings`` with SMTP pointing at the test server."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_tls": tls,
            "smtp_sender": "IOFS <alerts@iofs.example>",
            "smtp_timeout": 5.0,
            "public_url": "https://iofs.example.org",
            **extra,
        }
    )


def create_user(
    factory: sessionmaker[Session],
    email_address: str,
    role: str = "viewer",
    language: str = "en",
    scopes: tuple[str, ...] = (),
    name: str | None = None,
) -> int:
    from iofs.accounts import service
    from iofs.db import transaction
    from iofs.roles import Role

    with transaction(factory) as session:
        user = service.create_user(
            session,
            service.cli_principal(),
            email=email_address,
            display_name=name or email_address.split("@")[0],
            password=PASSWORD,
            grants=[service.RoleGrant(Role(role), scopes)],
            language=language,
        )
        return user.id


def principal_of(factory: sessionmaker[Session], user_id: int) -> Any:
    from iofs.accounts import service

    with factory() as session:
        return service.principal_for(service.get_user(session, user_id))


def subscribe(factory: sessionmaker[Session], user_id: int, *entries: dict[str, Any]) -> None:
    from iofs.db import transaction
    from iofs.notifications import service
    from iofs.notifications.schemas import SubscriptionIn

    principal = principal_of(factory, user_id)
    with transaction(factory) as session:
        service.put_subscriptions(
            session, principal, [SubscriptionIn.model_validate(e) for e in entries]
        )


@pytest.fixture
def monitored(
    settings: Settings, loaded_registry: sessionmaker[Session], shared_data: Path
) -> sessionmaker[Session]:
    """The 57 states, Afghan WFP prices and the IPC national analyses ingested: the risk
    watchlist has Afghanistan on it, and Afghanistan has price alerts."""
    from iofs.monitor.ipc import service as ipc
    from iofs.monitor.prices.ingest import ingest_file

    prices = shared_data / "wfp" / "country" / "wfp_food_prices_afg.csv"
    national = shared_data / "ipc" / "ipc_global_national_long.csv"
    for path in (prices, national):
        if not path.exists():
            pytest.skip(f"shared real file absent: {path}")
    ingest_file(prices, settings.analytics_dir)
    ipc.ingest([national], settings.analytics_dir)
    return loaded_registry
