"""Static assets compressed and cached: gzip for ``/static`` and cache lifetimes by fingerprint.

Only ``/static`` responses are compressed (the 756 KB world map becomes ~240 KB): pages are not,
so a secret in a page (a CSRF token) never shares a compressed stream with reflected input
(BREACH). URLs written by :func:`iofs.http.static_assets.static_url` carry ``?v=<hash>`` and are
cached for a year (``immutable``); others for an hour.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iofs.http.static_assets import IMMUTABLE_MAX_AGE, SHORT_MAX_AGE


class StaticAssets:
    """ASGI middleware: gzip and ``Cache-Control`` for ``/static/…``; other paths untouched."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/static/"):
            await self.app(scope, receive, send)
            return
        fingerprinted = b"v=" in scope.get("query_string", b"")
        lifetime = (
            f"public, max-age={IMMUTABLE_MAX_AGE}, immutable"
            if fingerprinted
            else f"public, max-age={SHORT_MAX_AGE}"
        )

        async def send_with_cache(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 200:
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"]
                headers.append((b"cache-control", lifetime.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.gzip(scope, receive, send_with_cache)
