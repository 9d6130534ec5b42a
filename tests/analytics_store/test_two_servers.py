"""Two real ``iofs serve`` processes on one PostgreSQL database, each with its own data
directory, sharing one S3 bucket (moto): prices ingested on A reach B through the shared
store (B's pull thread), both answer ``/prices`` and ``/api/v1/prices/…`` alike, a programme
written through A's API shows on B's page, and a slice removed through A's API leaves B."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.cli import app as cli_app
from iofs.config import Settings
from iofs.demo import ILLUSTRATIVE_PRICES
from tests.analytics_store.conftest import (
    free_port,
    shared_environment,
    shared_settings,
    visible_bytes,
)
from tests.conftest import PROJECT_ROOT, make_user

PROGRAMME = {"code": "SHARED-1", "title": "Wheat seed for two servers", "sector_code": "31161"}


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _send(method: str, url: str, token: str, body: dict[str, Any] | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _start(settings: Settings) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    environment = {
        **os.environ,
        **shared_environment(settings),
        "IOFS_JOBS_EMBEDDED": "false",
        "IOFS_PUBLIC_CACHE_SECONDS": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "iofs.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, f"http://127.0.0.1:{port}"


def _wait_until(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting until {what}")


def _answers(base: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return _get(f"{base}/healthz")[0] == 200
        except OSError:
            return False

    return check


@pytest.fixture
def two_servers(
    database_url: str,
    tmp_path: Path,
    s3_endpoint: str,
    bucket: str,
    loaded_registry: sessionmaker[Session],
) -> Iterator[tuple[tuple[Settings, str], tuple[Settings, str]]]:
    a = shared_settings(
        tmp_path / "a", s3_endpoint, bucket, database_url=database_url, analytics_sync_seconds=0.5
    )
    b = shared_settings(
        tmp_path / "b", s3_endpoint, bucket, database_url=database_url, analytics_sync_seconds=0.5
    )
    servers = [_start(a), _start(b)]
    try:
        for process, base in servers:
            _wait_until(_answers(base), f"{base} answers /healthz", 120)
            assert process.poll() is None
        yield (a, servers[0][1]), (b, servers[1][1])
    finally:
        for process, _base in servers:
            process.terminate()
        for process, _base in servers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _page(base: str, path: str) -> str:
    status, body = _get(base + path)
    assert status == 200, (path, status, body[:500])
    # What differs between any two answers of the same page: the request id and the nonce.
    return re.sub(r'(nonce|data-request-id)="[^"]*"', r'\1=""', body.decode())


# One PostgreSQL database only (skipped, with the reason, when IOFS_TEST_DATABASE_URL is unset).
@pytest.mark.parametrize("migrated_database", ["postgresql"], indirect=True)
def test_two_app_servers_share_the_analytics_store_and_the_database(
    two_servers: tuple[tuple[Settings, str], tuple[Settings, str]],
    loaded_registry: sessionmaker[Session],
) -> None:
    (a, base_a), (b, base_b) = two_servers
    api = "/api/v1/prices/anomalies?country=KAZ&limit=50"
    assert _get(base_b + api)[0] == 404  # nothing ingested anywhere yet

    ingested = CliRunner().invoke(
        cli_app, ["ingest", "prices", str(ILLUSTRATIVE_PRICES)], env=shared_environment(a)
    )
    assert ingested.exit_code == 0, ingested.output
    assert "Shared analytics store: generation 1 pushed" in " ".join(ingested.output.split())

    _wait_until(lambda: _get(base_b + api)[0] == 200, "B's pull thread brings the prices")
    assert visible_bytes(b.analytics_dir) == visible_bytes(a.analytics_dir)
    for path in (api, "/api/v1/prices/alerts", "/api/v1/prices/map"):
        status_a, body_a = _get(base_a + path)
        status_b, body_b = _get(base_b + path)
        assert status_a == status_b == 200, path
        assert json.loads(body_a) == json.loads(body_b), path
    assert json.loads(_get(base_b + api)[1])["items"]
    page_a, page_b = _page(base_a, "/prices"), _page(base_b, "/prices")
    assert "Wheat flour" in page_a and page_a == page_b

    # One database: a programme written through A's API is on B's page.
    _user, token = make_user(loaded_registry, "lead@shared.example", "secretariat")
    assert _send("PUT", f"{base_a}/api/v1/programmes", token, PROGRAMME) == 200
    assert PROGRAMME["title"] in _page(base_b, "/programmes")

    # A slice removed through A's API leaves B at its next pull.
    status, body = _get(f"{base_a}/api/v1/data/slices", token)
    assert status == 200
    price_slices = [s["id"] for s in json.loads(body) if s["dataset"] == "prices"]
    assert price_slices
    for slice_id in price_slices:
        assert _send("DELETE", f"{base_a}/api/v1/data/slices?id={slice_id}", token) == 200
    _wait_until(lambda: _get(base_b + api)[0] == 404, "B's pull thread removes the prices")
    assert _get(base_a + api)[0] == 404
