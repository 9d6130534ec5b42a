"""Serving pages makes no outbound network connection (everything is local)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient


def test_pages_make_no_outbound_connection(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        try:
            local = ipaddress.ip_address(host).is_loopback
        except ValueError:
            local = isinstance(address, (str, bytes))  # unix socket
        if not local:
            attempts.append(address)
            raise OSError(f"outbound connection attempted to {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: (
            attempts.append(a) or (_ for _ in ()).throw(OSError("DNS lookup attempted"))
        ),
    )
    for path in (
        "/",
        "/members",
        "/members/KAZ?lang=ar",
        "/api/v1/members",
        "/healthz",
        "/static/vendor/countries-50m.json",
    ):
        assert client.get(path).status_code == 200, path
    assert attempts == []
