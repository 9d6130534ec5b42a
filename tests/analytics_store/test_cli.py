"""``iofs analytics push|pull|status`` and the push after ``iofs ingest …``: against the local
S3 server, and one sentence with exit status 2 (a setting to correct) or 1 (a server away)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iofs.cli import app as cli_app
from iofs.config import Settings
from iofs.demo import ILLUSTRATIVE_PRICES
from tests.analytics_store.conftest import (
    free_port,
    s3_client,
    shared_environment,
    shared_settings,
    visible_bytes,
)


def _run(settings: Settings, *arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_app, list(arguments), env=shared_environment(settings))
    return result.exit_code, " ".join(result.output.split())


def test_ingest_pushes_and_the_other_server_pulls(
    tmp_path: Path, s3_endpoint: str, bucket: str
) -> None:
    a = shared_settings(tmp_path / "a", s3_endpoint, bucket)
    b = shared_settings(tmp_path / "b", s3_endpoint, bucket)
    code, output = _run(a, "ingest", "prices", str(ILLUSTRATIVE_PRICES))
    assert code == 0, output
    assert "Shared analytics store: generation 1 pushed" in output
    keys = s3_client(s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"]
    assert "prod/manifest.json" in {item["Key"] for item in keys}

    code, output = _run(b, "analytics", "status")
    assert code == 0 and "generation 1" in output and "to pull" in output, output
    code, output = _run(b, "analytics", "pull")
    assert code == 0 and "Pulled generation 1" in output, output
    assert visible_bytes(b.analytics_dir) == visible_bytes(a.analytics_dir)
    code, output = _run(b, "analytics", "pull")
    assert code == 0 and "Already at generation 1" in output, output
    code, output = _run(a, "analytics", "push")
    assert code == 0 and "Nothing changed locally" in output, output


def test_no_url_a_missing_bucket_and_an_unreachable_endpoint_are_one_sentence(
    tmp_path: Path, s3_endpoint: str
) -> None:
    plain = Settings(env="test", data_dir=tmp_path / "plain", secret_key="x" * 40)
    code, output = _run(plain, "analytics", "push")
    assert code == 2 and "IOFS_ANALYTICS_URL" in output and "Traceback" not in output, output

    missing = shared_settings(tmp_path / "m", s3_endpoint, "no-such-bucket-here")
    code, output = _run(missing, "analytics", "pull")
    assert code == 2, output
    assert "The bucket of s3://no-such-bucket-here/prod does not exist" in output

    away = shared_settings(tmp_path / "w", f"http://127.0.0.1:{free_port()}", "iofs-away")
    code, output = _run(away, "analytics", "status")
    assert code == 1 and "cannot be reached" in output and "Traceback" not in output, output
    # An ingest whose push fails: ingested here, exit 1, the sentence says what to do.
    code, output = _run(away, "ingest", "prices", str(ILLUSTRATIVE_PRICES))
    assert code == 1 and "not pushed to the shared store" in output, output
    assert "iofs analytics push" in output
    assert visible_bytes(away.analytics_dir)


@pytest.fixture
def strict_s3() -> Iterator[str]:
    """A moto S3 server that checks credentials (no request goes unauthenticated)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    import urllib.request

    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


def test_refused_credentials_are_one_sentence(tmp_path: Path, strict_s3: str) -> None:
    refused = shared_settings(tmp_path / "r", strict_s3, "iofs-refused")
    code, output = _run(refused, "analytics", "status")
    assert code == 2, output
    assert "refused the credentials" in output and "IOFS_S3_ACCESS_KEY_ID" in output, output


def test_a_manifest_naming_a_path_outside_the_store_is_refused(
    tmp_path: Path, s3_endpoint: str, bucket: str
) -> None:
    import json

    hostile = {"generation": 7, "files": {"../outside.txt": {"size": 1, "sha256": "0", "mtime": 0}}}
    s3_client(s3_endpoint).put_object(
        Bucket=bucket, Key="prod/manifest.json", Body=json.dumps(hostile).encode()
    )
    b = shared_settings(tmp_path / "b", s3_endpoint, bucket)
    code, output = _run(b, "analytics", "pull")
    assert code == 1 and "cannot be used" in output and "Traceback" not in output, output
    assert not (tmp_path / "b" / "outside.txt").exists()
    assert not visible_bytes(b.analytics_dir)
