"""The shared downloader against a local server: conditional requests, resume, checks."""

from __future__ import annotations

import hashlib
import io
import socket
import zipfile
from pathlib import Path

import pytest

from iofs.fetching.download import BadUrl, FetchError, Validators, download
from tests.fetching.server import HdxServer

BODY = (
    b"date,market,price\n"
    + b"".join(f"2024-{m:02d}-15,Kabul,{10 + m}.5\n".encode() for m in range(1, 13)) * 300
)


def test_fetch_then_not_modified(hdx: HdxServer, tmp_path: Path) -> None:
    url = hdx.put("/files/prices.csv", BODY)
    seen: list[tuple[int, int | None]] = []
    first = download(
        url, tmp_path / "prices.csv", kind="csv", progress=lambda d, t: seen.append((d, t))
    )
    assert first.outcome == "fetched" and first.size == len(BODY)
    assert first.sha256 == hashlib.sha256(BODY).hexdigest()
    assert (tmp_path / "prices.csv").read_bytes() == BODY
    assert first.validators.etag == hdx.files["/files/prices.csv"].etag
    assert seen[-1] == (len(BODY), len(BODY))
    second = download(url, tmp_path / "prices.csv", known=first.validators, kind="csv")
    assert second.outcome == "not_modified" and second.sha256 == first.sha256
    last = hdx.seen("/files/prices.csv")[-1]
    assert last.status == 304 and last.headers["If-None-Match"] == first.validators.etag
    # With only a date known, If-Modified-Since is asked.
    dated = Validators(last_modified=first.validators.last_modified)
    third = download(url, tmp_path / "prices.csv", known=dated, kind="csv")
    assert third.outcome == "not_modified"
    assert "If-Modified-Since" in hdx.seen("/files/prices.csv")[-1].headers
    # A changed file is downloaded again.
    hdx.put("/files/prices.csv", BODY + b"2025-01-15,Kabul,30.0\n")
    fourth = download(url, tmp_path / "prices.csv", known=first.validators, kind="csv")
    assert fourth.outcome == "fetched" and fourth.size == len(BODY) + 22


def test_connection_dropped_mid_body_resumes_with_range(hdx: HdxServer, tmp_path: Path) -> None:
    url = hdx.put("/files/prices.csv", BODY)
    hdx.drop_after["/files/prices.csv"] = 5000
    target = tmp_path / "prices.csv"
    with pytest.raises(FetchError, match=r"closed after 5000 of \d+ bytes \(truncated\)"):
        download(url, target, kind="csv", retries=0)
    assert not target.exists()
    assert (tmp_path / "prices.csv.part").stat().st_size == 5000
    resumed = download(url, target, kind="csv", retries=0)
    assert resumed.outcome == "fetched" and resumed.resumed_from == 5000
    assert target.read_bytes() == BODY and not (tmp_path / "prices.csv.part").exists()
    last = hdx.seen("/files/prices.csv")[-1]
    assert last.status == 206 and last.headers["Range"] == "bytes=5000-"
    assert last.headers["If-Range"] == hdx.files["/files/prices.csv"].etag


def test_retries_resume_within_one_call(hdx: HdxServer, tmp_path: Path) -> None:
    url = hdx.put("/files/prices.csv", BODY)
    hdx.drop_after["/files/prices.csv"] = 700
    got = download(url, tmp_path / "prices.csv", kind="csv", retries=2, backoff=0)
    assert got.attempts == 2 and got.resumed_from == 700
    assert (tmp_path / "prices.csv").read_bytes() == BODY


def test_a_file_changed_since_the_part_is_fetched_whole(hdx: HdxServer, tmp_path: Path) -> None:
    url = hdx.put("/files/prices.csv", BODY)
    hdx.drop_after["/files/prices.csv"] = 900
    with pytest.raises(FetchError):
        download(url, tmp_path / "prices.csv", kind="csv", retries=0)
    changed = BODY.replace(b"Kabul", b"Herat")
    hdx.put("/files/prices.csv", changed)
    got = download(url, tmp_path / "prices.csv", kind="csv", retries=0)
    # If-Range named the old version: the server sent the new file whole.
    assert got.resumed_from == 0 and (tmp_path / "prices.csv").read_bytes() == changed
    assert hdx.seen("/files/prices.csv")[-1].status == 200


def test_failures_are_sentences(hdx: HdxServer, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"/missing\.csv: not found on the server \(HTTP 404\)"):
        download(hdx.base_url + "/missing.csv", tmp_path / "m.csv", retries=0)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match=r"cannot be reached \(connection refused"):
        download(f"http://127.0.0.1:{port}/x.csv", tmp_path / "x.csv", retries=1, backoff=0)
    page = hdx.put("/page.csv", b"<!DOCTYPE html><html><body>Sign in</body></html>")
    with pytest.raises(FetchError, match="not a CSV file"):
        download(page, tmp_path / "page.csv", kind="csv")
    assert not (tmp_path / "page.csv").exists() and not (tmp_path / "page.csv.part").exists()
    broken = hdx.put("/bulk.zip", b"PK\x03\x04 not really a zip")
    with pytest.raises(FetchError, match="not a zip file"):
        download(broken, tmp_path / "bulk.zip", kind="zip")
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("a.csv", "a,b\n1,2\n")
    url = hdx.put("/good.zip", good.getvalue())
    assert download(url, tmp_path / "good.zip", kind="zip").outcome == "fetched"
    url = hdx.put("/files/prices.csv", BODY)
    with pytest.raises(FetchError, match="does not match the expected"):
        download(url, tmp_path / "prices.csv", sha256="0" * 64)
    with pytest.raises(BadUrl, match="not an http or https URL"):
        download("ftp://example.org/x.csv", tmp_path / "x.csv")
    with pytest.raises(BadUrl):
        download("not a url", tmp_path / "x.csv")


def test_one_download_of_a_file_at_a_time(hdx: HdxServer, tmp_path: Path) -> None:
    import fcntl

    url = hdx.put("/files/prices.csv", BODY)
    target = tmp_path / "prices.csv"
    with (tmp_path / "prices.csv.lock").open("a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(FetchError, match="another fetch is downloading this file"):
            download(url, target)
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)
    assert download(url, target).outcome == "fetched"
