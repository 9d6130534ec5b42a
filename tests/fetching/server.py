"""A local HDX-shaped HTTP server for the fetch tests (no internet, ever).

It serves files from memory under any path, with what real servers do and the downloader
relies on: ``ETag`` (strong, from the bytes' SHA-256) and ``Last-Modified``; conditional
requests (``If-None-Match``, ``If-Modified-Since`` → 304); ``Range`` with ``If-Range`` (206,
or 200 with the whole file when the version changed; 416 past the end). CKAN's
``/api/3/action/package_show?id=…`` answers from :attr:`HdxServer.datasets` (404 with
``"success": false`` for an unknown dataset). ``drop_after[path] = n`` makes the next answer
of ``path`` close the connection after ``n`` bytes of the body (once); ``stall_after``
sends ``n`` bytes and waits (a download a test kills halfway). Every request is kept
in :attr:`HdxServer.requests` (path and headers) for the tests to look at.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Served:
    """A file as served: its bytes and when it last changed."""

    body: bytes
    modified: datetime

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    status: int = 0


@dataclass
class HdxServer:
    """State of the running server (files, datasets, failures to inject, requests seen)."""

    base_url: str = ""
    files: dict[str, Served] = field(default_factory=dict)
    #: dataset name → list of (resource name, path on this server)
    datasets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    drop_after: dict[str, int] = field(default_factory=dict)
    #: path → n: the next answer sends n bytes, then waits for :attr:`release` (once).
    stall_after: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, path: str, body: bytes, modified: datetime | None = None) -> str:
        """Serve ``body`` at ``path`` (a new version: new ETag and date); return its URL."""
        moment = modified or datetime.now(UTC).replace(microsecond=0)
        old = self.files.get(path)
        if old is not None and moment <= old.modified:
            # HTTP dates have a one-second resolution: a new version gets a later second.
            moment = old.modified + timedelta(seconds=1)
        self.files[path] = Served(body, moment)
        return self.base_url + path

    def publish(self, dataset: str, resource: str, path: str, body: bytes) -> str:
        """Serve ``body`` as resource ``resource`` of HDX dataset ``dataset``."""
        url = self.put(path, body)
        entries = self.datasets.setdefault(dataset, [])
        if (resource, path) not in entries:
            entries.append((resource, path))
        return url

    def seen(self, path: str) -> list[Request]:
        """The requests made for ``path``."""
        return [r for r in self.requests if r.path == path]


class _Handler(http.server.BaseHTTPRequestHandler):
    state: HdxServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _record(self, status: int) -> None:
        with self.state.lock:
            self.state.requests.append(
                Request(urlsplit(self.path).path, dict(self.headers.items()), status)
            )

    def _json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _empty(self, status: int, headers: dict[str, str] | None = None) -> None:
        self._record(status)
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/api/3/action/package_show":
            name = parse_qs(parts.query).get("id", [""])[0]
            if name not in self.state.datasets:
                self._json(404, {"success": False, "error": {"message": "Not found"}})
                return
            resources = [
                {"name": resource, "url": self.state.base_url + path, "format": "CSV"}
                for resource, path in self.state.datasets[name]
            ]
            self._json(200, {"success": True, "result": {"name": name, "resources": resources}})
            return
        served = self.state.files.get(parts.path)
        if served is None:
            self._empty(404)
            return
        validators = {
            "ETag": served.etag,
            "Last-Modified": format_datetime(served.modified, usegmt=True),
        }
        if self._not_modified(served):
            self._empty(304, validators)
            return
        body = served.body
        status, start = 200, 0
        wanted = self.headers.get("Range")
        if wanted and self._if_range_holds(served):
            start = int(wanted.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self._empty(416, {"Content-Range": f"bytes */{len(body)}"})
                return
            status = 206
        chunk = body[start:]
        self._record(status)
        self.send_response(status)
        for name, value in validators.items():
            self.send_header(name, value)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(chunk)))
        self.end_headers()
        with self.state.lock:
            cut = self.state.drop_after.pop(parts.path, None)
            stall = self.state.stall_after.pop(parts.path, None)
        if cut is not None:
            self.wfile.write(chunk[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        try:
            if stall is not None:
                self.wfile.write(chunk[:stall])
                self.wfile.flush()
                self.state.release.wait(30)
                chunk = chunk[stall:]
            self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _not_modified(self, served: Served) -> bool:
        tag = self.headers.get("If-None-Match")
        if tag is not None:
            return served.etag in [t.strip() for t in tag.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since is not None:
            try:
                return served.modified <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _if_range_holds(self, served: Served) -> bool:
        condition = self.headers.get("If-Range")
        if condition is None:
            return True
        if condition.startswith('"'):
            return condition == served.etag
        try:
            return served.modified == parsedate_to_datetime(condition)
        except (TypeError, ValueError):
            return False


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def start() -> tuple[HdxServer, _Server]:
    """Start a server on a free port of 127.0.0.1 (in a daemon thread)."""
    state = HdxServer()
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = _Server(("127.0.0.1", 0), handler)
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return state, httpd
