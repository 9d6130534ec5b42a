"""A real local S3 server for the shared analytics store: moto in server mode on a free
loopback port (one per test session), a new bucket per test."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from iofs.config import Settings

KEY, SECRET, REGION = "iofs-test-key", "iofs-test-secret", "us-east-1"


def free_port() -> int:
    """A TCP port nobody listens on at the moment (loopback)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The URL of a moto S3 server running for this session."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_client(endpoint: str) -> Any:
    """A boto3 client of the test server (to make buckets and look inside them)."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name=REGION,
    )


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    """A new, empty bucket."""
    name = f"iofs-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return name


def shared_settings(data_dir: Path, endpoint: str, bucket: str, **extra: Any) -> Settings:
    """Settings of one app server whose analytics store mirrors ``s3://bucket/prod``."""
    return Settings(
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        analytics_url=f"s3://{bucket}/prod",
        s3_endpoint_url=endpoint,
        s3_access_key_id=KEY,
        s3_secret_access_key=SECRET,
        s3_region=REGION,
        **extra,
    )


def shared_environment(settings: Settings) -> dict[str, str]:
    """The IOFS_* variables that give ``settings`` to a child process or the CLI."""
    values = {
        "IOFS_ENV": settings.env,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
        "IOFS_ANALYTICS_URL": settings.analytics_url or "",
        "IOFS_S3_ENDPOINT_URL": settings.s3_endpoint_url or "",
        "IOFS_S3_ACCESS_KEY_ID": settings.s3_access_key_id or "",
        "IOFS_S3_SECRET_ACCESS_KEY": settings.s3_secret_access_key or "",
        "IOFS_S3_REGION": settings.s3_region or "",
        "IOFS_ANALYTICS_SYNC_SECONDS": str(settings.analytics_sync_seconds),
    }
    if settings.database_url:
        values["IOFS_DATABASE_URL"] = settings.database_url
    return values


def visible_bytes(root: Path) -> dict[str, bytes]:
    """Every visible file of an analytics store (relative path → bytes)."""
    from iofs.ingest_files import is_in_flight

    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not any(is_in_flight(p) for p in path.relative_to(root).parts)
    }
