"""Conditional GET for public answers (RFC 9110 §13.1.2, §8.8.3): an ``ETag`` on every public
``200`` answer to ``GET``, and ``304 Not Modified`` without a body when the client's
``If-None-Match`` names it.

Public means: no session cookie, no bearer token, and no ``Cache-Control: no-store`` set by
the app (answers that may hold one person's data carry it, see :mod:`iofs.web.app`). The tag
is a weak validator (``W/"…"``: the same representation, byte for byte, in that language) made
from the SHA-256 of the body, so a feed reader or dashboard polling the API, an Atom feed or a
page downloads it again only when the data changed. Answers larger than
:data:`MAX_TAGGED_BYTES`, streamed answers and static files (which Starlette tags itself)
pass through unchanged.
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

        async def buffered(message: Message) -> None:
            nonlocal start, size, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                taggable = (
                    message["status"] == 200
                    and "etag" not in headers
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
            tag = f'W/"{hashlib.sha256(content).hexdigest()[:32]}"'
            headers = MutableHeaders(scope=start)
            headers["ETag"] = tag
            headers.setdefault("Cache-Control", "no-cache")  # may be kept; ask before reuse
            if _matches(Headers(scope=scope).get("if-none-match", ""), tag):
                start["status"] = 304
                for name in ("content-length", "content-type", "content-encoding"):
                    if name in headers:
                        del headers[name]
                await send(start)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(start)
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, buffered)
