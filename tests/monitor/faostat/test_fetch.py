"""`iofs fetch faostat`: download from a local HTTP server with resume and checks."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from iofs.monitor.faostat.fetch import (
    BULK_FILES,
    FetchError,
    UnknownDomain,
    download,
    fetch_domain,
)
from tests.monitor.faostat.helpers import FS_TEXT


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "Food_Security_Data_E_All_Data_(Normalized).csv",
            (FS_TEXT + FS_TEXT.split("\n", 1)[1] * 200).encode("latin-1"),
        )
    return buffer.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    ranges_seen: ClassVar[list[str]] = []
    lie_about_length = False

    def do_GET(self) -> None:
        body = self.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        header = self.headers.get("Range")
        if header:
            self.ranges_seen.append(header)
            start = int(header.removeprefix("bytes=").split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            chunk = body[start:]
        else:
            self.send_response(200)
            chunk = body
        length = len(chunk) + (10 if self.lie_about_length else 0)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(chunk)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.files = {
        "production/" + BULK_FILES["FS"].replace("(", "%28").replace(")", "%29"): _zip_bytes()
    }
    _Handler.ranges_seen = []
    _Handler.lie_about_length = False
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/production"
    httpd.shutdown()
    httpd.server_close()


def test_download_and_resume(server: str, tmp_path: Path) -> None:
    body = next(iter(_Handler.files.values()))
    result = fetch_domain("fs", tmp_path, server, hashlib.sha256(body).hexdigest())
    assert result.path.read_bytes() == body and result.resumed_from == 0
    # An interrupted download: the first 1000 bytes are there, the rest is asked for.
    result.path.unlink()
    part = tmp_path / (BULK_FILES["FS"] + ".part")
    part.write_bytes(body[:1000])
    resumed = fetch_domain("FS", tmp_path, server)
    assert resumed.resumed_from == 1000 and resumed.path.read_bytes() == body
    assert _Handler.ranges_seen == ["bytes=1000-"] and not part.exists()


def test_checksum_size_and_http_errors(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="SHA-256"):
        fetch_domain("FS", tmp_path, server, "0" * 64)
    assert not (tmp_path / BULK_FILES["FS"]).exists()
    _Handler.lie_about_length = True
    with pytest.raises(FetchError):
        fetch_domain("FS", tmp_path, server)
    assert not (tmp_path / BULK_FILES["FS"]).exists()
    with pytest.raises(FetchError, match="HTTP 404"):
        download(server + "/missing.zip", tmp_path / "missing.zip")
    with pytest.raises(UnknownDomain, match="unknown FAOSTAT domain"):
        fetch_domain("XYZ", tmp_path, server)


def test_cli_fetch_then_ingest(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from iofs.cli import app

    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IOFS_ENV", "development")
    # The run is recorded in the database (fetch_runs).
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    result = CliRunner().invoke(app, ["fetch", "faostat", "FS", "--base-url", server, "--ingest"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "var" / "downloads" / "faostat" / BULK_FILES["FS"]).is_file()
    assert list(
        (tmp_path / "var" / "analytics" / "faostat" / "observations" / "FS").glob("*.parquet")
    )
