"""Conditional GET for public answers (RFC 9110 §13.1.2, §8.8.3): an ``ETag`` on every public
``200`` answer to ``GET``, and ``304 Not Modified`` without a body when the client's
``If-None-Match`` names it.

Public means: no session cookie, no bearer token, and no ``Cache-Control: no-store`` set by
the app (answers that may hold one person's data carry it, see :mod:`iofs.web.app`). The tag
is a weak validator (``W/"…"``: the same representation, byte for byte, in that language) made
from the SHA-256 of the body, so a feed reader or dashboard polling the API, an Atom feed or a
page downloads it again only when the data changed. Answers larger than
:data:`MAX_TAGGED_BYTES`, streamed answers and static files (which Starlette tags itself)
pass through unchanged. An answer that already carries a tag (the public answers' cache tags
what it keeps once, with :func:`weak_tag`, rather than every time it is served) is compared
with ``If-None-Match`` without reading its body.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Largest body buffered to compute its tag (bytes); larger answers are sent as they come.
MAX_TAGGED_BYTES = 8 * 1024 * 1024


def _public_request(scope: Scope, cookie: str) -> bool:
    """A GET by nobody in particular: no token, no session cookie (``cookie`` is its name=)."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return False
    if scope.get("path", "").startswith("/static/"):
        return False
    headers = Headers(scope=scope)
    return not headers.get("authorization") and cookie not in headers.get("cookie", "")


def weak_tag(content: bytes) -> str:
    """The weak validator of a body: ``W/"`` and 32 hex digits of its SHA-256 ``"``."""
    return f'W/"{hashlib.sha256(content).hexdigest()[:32]}"'


def tagged(start: Message, tag: str) -> Message:
    """A copy of ``start`` (a 200 answer's start) with the ``ETag`` ``tag`` and, unless the
    app set one, ``Cache-Control: no-cache`` (a client may keep it, and asks before reuse)."""
    headers = MutableHeaders(raw=list(start.get("headers", [])))
    headers["ETag"] = tag
    headers.setdefault("Cache-Control", "no-cache")
    return {**start, "headers": headers.raw}


def _not_modified(start: Message) -> Message:
    """``start`` (a 200 answer's start) turned into a 304's: no body headers."""
    headers = MutableHeaders(raw=list(start.get("headers", [])))
    for name in ("content-length", "content-type", "content-encoding"):
        if name in headers:
            del headers[name]
    return {**start, "status": 304, "headers": headers.raw}


def _matches(if_none_match: str, tag: str) -> bool:
    """Weak comparison (RFC 9110 §8.8.3.2): ``*`` or any listed tag equal but for ``W/``."""
    wanted = tag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


class ConditionalGetMiddleware:
    """Pure ASGI middleware adding ``ETag`` and answering ``304`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, session_cookie: str) -> None:
        self.app = app
        self.cookie = f"{session_cookie}="

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _public_request(scope, self.cookie):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False
        answered = False
        wanted = Headers(scope=scope).get("if-none-match", "")

        async def buffered(message: Message) -> None:
            nonlocal start, size, passing, answered
            if answered:  # a 304 went in its place: the body is not sent
                return
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                own_tag = headers.get("etag")
                if own_tag and message["status"] == 200 and _matches(wanted, own_tag):
                    answered = True  # its tag is the client's: the body stays here
                    await send(_not_modified(message))
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
                taggable = (
                    message["status"] == 200
                    and not own_tag
                    and "no-store" not in headers.get("cache-control", "")
                )
                if not taggable:
                    passing = True
                    await send(message)
                    return
                start = message
                return
            body = message.get("body", b"")
            chunks.append(body)
            size += len(body)
            if size > MAX_TAGGED_BYTES:  # too large to hold: send what came, then the rest
                passing = True
                assert start is not None
                await send(start)
                await send(
                    {"type": "http.response.body", "body": b"".join(chunks), "more_body": True}
                )
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            if message.get("more_body", False):
                return
            assert start is not None
            content = b"".join(chunks)
            tag = weak_tag(content)
            start = tagged(start, tag)
            if _matches(wanted, tag):
                await send(_not_modified(start))
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(start)
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, buffered)
