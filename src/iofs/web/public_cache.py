"""Rendered public answers kept in memory while the data they show are unchanged.

Most readers are nobody in particular (no session cookie, no API token) asking for the same
pages and API reads; rendering them again costs tens of milliseconds of CPU each (a country
brief reads several modules). This middleware keeps each public ``200`` answer to ``GET`` —
its status, headers and body — under the request's key (path, query, ``Host``, the
``Accept-Language`` and ``Cookie`` headers, so a language or a basket cookie never crosses
visitors) and serves it again while both hold:

- the **data version** is the one it was rendered at: the newest audit entry among the record
  types the route reads (every write to a record is audited, :mod:`iofs.audit`; which record
  types a route reads is :mod:`iofs.data_dependencies`, from the module manifests, so a
  contribution recorded leaves the gene bank's pages kept) and the modification times of the
  analytics store's directories (every ingest and slice removal renames files into or out of
  them); the version is read once per request (the few dozen rows of
  :class:`~iofs.audit.models.AuditHead` and a few ``stat`` calls);
- it is younger than ``IOFS_PUBLIC_CACHE_SECONDS`` (what no version sees — the clock in "due
  in 3 days", a file read outside the store — is at most that old).

An answer younger than ``IOFS_PUBLIC_CACHE_GRACE`` seconds (default 2) is served without
looking at the version: with writers at work the version changes many times a second and
nothing would ever be served again, so a visitor may see a write up to that many seconds late
(the writer, signed in, never reads through the cache). With a grace, each worker also reads
the version at most every :data:`HEADS_REUSE` seconds (a quarter of a second), in a thread of
its own; visitors asking while it is read take the version read before, if it is younger than
the grace, rather than wait behind the read (under load a read waits for the database and the
CPU: those waits were most of a kept answer's time).

A kept answer carries its ``ETag`` (:func:`iofs.web.conditional.tagged`), computed once when
it is kept rather than by hashing its body at every visit.

Visitors asking for an answer that is being rendered for another visitor wait for that render
(at most :data:`RENDER_WAIT` seconds) and are served what it kept: when a popular page expires
under load, it is rendered once, not once per visitor asking in the meantime.

Answers that set a cookie, say ``no-store`` or ``private``, are not ``200``, or exceed
:data:`MAX_ENTRY_BYTES` are never kept. Entries are evicted least recently used beyond
``IOFS_PUBLIC_CACHE_BYTES``. Each worker process holds its own cache in memory, and the
workers of one machine share what they kept through files (:mod:`iofs.web.shared_answers`,
``IOFS_PUBLIC_CACHE_SHARED``): a page rendered by one worker is served by the others.
``X-Cache: hit|miss`` tells which happened (tests, operators).
``IOFS_PUBLIC_CACHE_SECONDS=0`` turns it off (the default under ``IOFS_ENV=test``).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iofs.analytics_store.signature import store_signature
from iofs.audit import service as audit
from iofs.data_dependencies import DataDependencies, RecordTypes, data_dependencies, state_of
from iofs.web import conditional
from iofs.web.observability import ROUTE_TEMPLATE, route_template
from iofs.web.shared_answers import SharedAnswer, SharedAnswers

#: Largest answer kept (bytes): larger ones are rare and cheap to stream again.
MAX_ENTRY_BYTES = 2 * 1024 * 1024
#: Request headers the answer may depend on, and therefore part of the key.
KEYED_HEADERS = (b"host", b"accept-language", b"cookie", b"x-forwarded-proto", b"x-forwarded-host")

#: Longest a worker reuses the data heads it read (seconds; never beyond the grace): under
#: load, hundreds of kept answers a second share one short query.
HEADS_REUSE = 0.25

#: Longest a visitor waits for the same answer being rendered for another (seconds); then
#: it renders its own.
RENDER_WAIT = 10.0

#: Scope entries routing sets (Starlette's matched route, FastAPI's route context).
ROUTING_KEYS = ("route", "fastapi", "endpoint", "path_params")

#: (newest audit entry id among the record types a route reads, analytics store signature).
Version = tuple[int, tuple[int, ...]]
#: What is read once per request: (the newest audit entries, store signature).
Heads = tuple[audit.Newest, tuple[int, ...]]


def signed_in(scope: Scope, cookie: bytes) -> bool:
    """Whether the request carries an API token or a session cookie (``cookie`` is its name
    followed by ``=``): somebody in particular, whose answers are never kept."""
    for name, value in scope.get("headers", []):
        if name == b"authorization" or (name == b"cookie" and cookie in value):
            return True
    return False


def data_heads(engine: Engine, analytics_dir: Path) -> Heads:
    """(the newest audit entries by record type and by state, analytics store signature):
    what every route's :data:`Version` is taken from (:func:`version_of`)."""
    with engine.connect() as connection:
        newest = audit.newest_entries(connection)
    return newest, store_signature(analytics_dir)


def version_of(
    heads: Heads, types: RecordTypes, dependencies: DataDependencies, state: str | None = None
) -> Version:
    """The version of an answer reading ``types`` (None: every record type), about ``state``
    when its route is :func:`~iofs.data_dependencies.for_state`: changes with every audited
    write of one of them (of the state-scoped ones, about that state) and every change of the
    analytics store."""
    newest, signature = heads
    return dependencies.newest(newest.by_type, types, state, newest.by_state), signature


@dataclass
class Entry:
    """One kept answer."""

    version: Version
    #: Record types the answer was read from (None: all), for its version at the next visit.
    types: RecordTypes
    stored_at: float
    start: Message
    body: bytes
    #: What routing put in the scope (the matched route), given back on a hit so that the
    #: metrics and the access log name the route template as for a rendered answer.
    routing: dict[str, object]
    #: The state a :func:`~iofs.data_dependencies.for_state` route answered for (else None).
    state: str | None = None


class PublicCache:
    """A bounded LRU of :class:`Entry` by request key (single event loop: no locking)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[bytes, Entry] = OrderedDict()

    def get(self, key: bytes) -> Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: bytes, entry: Entry) -> None:
        self.discard(key)
        self.entries[key] = entry
        self.size += len(entry.body)
        while self.size > self.max_bytes and self.entries:
            _key, old = self.entries.popitem(last=False)
            self.size -= len(old.body)

    def discard(self, key: bytes) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body)


def _key(scope: Scope) -> bytes:
    headers = dict(
        (name, value) for name, value in scope.get("headers", []) if name in KEYED_HEADERS
    )
    parts = [scope.get("path", "").encode(), scope.get("query_string", b"")]
    parts += [headers.get(name, b"") for name in KEYED_HEADERS]
    return b"\x00".join(parts)


def _keepable(start: Message) -> bool:
    headers = Headers(raw=start.get("headers", []))
    control = headers.get("cache-control", "")
    return (
        start["status"] == 200
        and "set-cookie" not in headers
        and "no-store" not in control
        and "private" not in control
    )


def _with_header(start: Message, name: bytes, value: bytes) -> Message:
    headers = [(k, v) for k, v in start.get("headers", []) if k != name]
    return {**start, "headers": [*headers, (name, value)]}


class PublicCacheMiddleware:
    """Pure ASGI middleware serving kept public answers (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        session_cookie: str,
        seconds: float,
        max_bytes: int,
        heads: Callable[[], Heads],
        grace: float = 0.0,
        shared: SharedAnswers | None = None,
    ) -> None:
        self.app = app
        self.cookie = f"{session_cookie}=".encode()
        self.seconds = seconds
        self.grace = min(grace, seconds)
        self.cache = PublicCache(max_bytes)
        self.heads = heads
        #: The answers the workers of this machine share (None: this worker's memory only).
        self.shared = shared
        self.dependencies = data_dependencies()
        #: Heads read less than :data:`HEADS_REUSE` seconds ago (monotonic time, heads).
        self.recent: tuple[float, Heads] | None = None
        # One read at a time, in a thread of its own: a read never waits for a free thread
        # behind the pages being rendered in the default pool.
        self.reading = anyio.Lock()
        self.limiter = anyio.CapacityLimiter(1)
        #: Keys being rendered now → set when that render ends (visitors asking meanwhile wait).
        self.rendering: dict[bytes, anyio.Event] = {}

    async def current_heads(self) -> Heads:
        """The data heads, read at most once per ``min(grace, HEADS_REUSE)`` seconds by this
        worker however many visitors ask at once (without grace: every time). While one
        visitor reads them, the others take the heads read before if those are younger than
        the grace (they may see a write that late anyway) rather than wait for the read."""
        reuse = min(self.grace, HEADS_REUSE)
        recent = self.recent
        if (
            recent is not None
            and self.reading.locked()
            and time.monotonic() - recent[0] < self.grace
        ):
            return recent[1]
        async with self.reading:
            if self.recent is not None and time.monotonic() - self.recent[0] < reuse:
                return self.recent[1]
            read_at = time.monotonic()
            heads = await anyio.to_thread.run_sync(self.heads, limiter=self.limiter)
            self.recent = (read_at, heads)
            return heads

    def _public(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET" or self.seconds <= 0:
            return False
        if scope.get("path", "").startswith(("/static/", "/metrics", "/healthz", "/readyz")):
            return False
        return not signed_in(scope, self.cookie)

    def _fresh(self, entry: Entry | None, age: float, heads: Heads | None) -> bool:
        """Whether ``entry`` (``age`` seconds old) may be served: within the grace, or younger
        than the age limit and read at the data version ``heads`` give for its record types."""
        if entry is None:
            return False
        if age < self.grace:
            return True
        return (
            age < self.seconds
            and heads is not None
            and entry.version == version_of(heads, entry.types, self.dependencies, entry.state)
        )

    async def _kept(self, key: bytes) -> tuple[Entry | None, Heads | None]:
        """The kept entry of ``key`` if it may be served (else None), and the heads read to
        decide (None when the grace decided without them)."""
        entry = self.cache.get(key)
        age = time.monotonic() - entry.stored_at if entry is not None else math.inf
        heads = None if age < self.grace else await self.current_heads()
        if self._fresh(entry, age, heads):
            return entry, heads
        entry = self._from_shared(key)
        if entry is None:
            return None, heads
        age = time.monotonic() - entry.stored_at
        if heads is None and age >= self.grace:
            heads = await self.current_heads()
        if not self._fresh(entry, age, heads):
            return None, heads
        self.cache.put(key, entry)
        return entry, heads

    def _from_shared(self, key: bytes) -> Entry | None:
        """The answer another worker of this machine kept under ``key``, as an entry."""
        answer = self.shared.get(key) if self.shared is not None else None
        if answer is None:
            return None
        stored_at = time.monotonic() - (time.time() - answer.stored_at)
        routing: dict[str, object] = {ROUTE_TEMPLATE: answer.route} if answer.route else {}
        return Entry(
            answer.version,
            answer.types,
            stored_at,
            answer.start,
            answer.body,
            routing,
            answer.state,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._public(scope):
            await self.app(scope, receive, send)
            return
        key = _key(scope)
        entry, heads = await self._kept(key)
        rendering = self.rendering.get(key)
        if entry is None and rendering is not None:
            # The same answer is being rendered for another visitor: wait for it (bounded)
            # rather than render it again; if it is not kept (not 200, too large), render.
            with anyio.move_on_after(RENDER_WAIT):
                await rendering.wait()
            entry, heads = await self._kept(key)
        if entry is not None:
            # A copy: the middlewares outside add their headers to the message they are sent.
            scope.update(entry.routing)
            await send({**entry.start, "headers": list(entry.start["headers"])})
            await send({"type": "http.response.body", "body": entry.body, "more_body": False})
            return
        self.cache.discard(key)
        if heads is None:  # read before rendering: a write meanwhile renews the answer next time
            heads = await self.current_heads()
        done = self.rendering.setdefault(key, anyio.Event())
        try:
            await self._render(key, heads, scope, receive, send)
        finally:
            if self.rendering.get(key) is done:
                del self.rendering[key]
            done.set()

    async def _render(
        self, key: bytes, heads: Heads, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Render the answer through the app, keeping it under ``key`` when it may be kept."""
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False

        async def keep(message: Message) -> None:
            nonlocal start, size, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                if not _keepable(message):
                    passing = True
                    await send(message)
                    return
                start = _with_header(message, b"x-cache", b"miss")
                return
            assert start is not None
            body = message.get("body", b"")
            chunks.append(body)
            size += len(body)
            if size > MAX_ENTRY_BYTES:  # too large to keep: send what came, then the rest
                passing = True
                await send(start)
                await send(
                    {
                        "type": "http.response.body",
                        "body": b"".join(chunks),
                        "more_body": message.get("more_body", False),
                    }
                )
                return
            if message.get("more_body", False):
                return
            content = b"".join(chunks)
            if "etag" not in Headers(raw=start["headers"]):  # tagged once, not at every hit
                start = conditional.tagged(start, conditional.weak_tag(content))
            kept = _with_header(start, b"x-cache", b"hit")
            routing = {name: scope[name] for name in ROUTING_KEYS if name in scope}
            types = self.dependencies.of_endpoint(scope.get("endpoint"))
            state = state_of(scope.get("endpoint"), scope.get("path_params") or {})
            version = version_of(heads, types, self.dependencies, state)
            self.cache.put(
                key, Entry(version, types, time.monotonic(), kept, content, routing, state)
            )
            if self.shared is not None:
                route = route_template(scope)
                route = "" if route == "unmatched" else route
                answer = SharedAnswer(version, types, time.time(), kept, content, route, state)
                self.shared.put(key, answer)
            await send(start)
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, keep)
