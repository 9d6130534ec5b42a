"""Permission checks on requests, the CSRF defence and the request edge, for every module.

- Who is asking is resolved by the accounts module (``iofs.accounts.principals``), installed
  by the app factory as ``app.state.resolve_principal``.
- CSRF: a state-changing request that is not token-authenticated must come from this origin:
  ``Sec-Fetch-Site`` must be ``same-origin``/``none`` when sent; otherwise ``Origin`` (or, failing
  that, ``Referer``) must match the request's own origin. Requests carrying none are refused.
- The client's address (:func:`client_ip`) comes from ``X-Forwarded-For`` (else ``Forwarded``)
  only when the peer is one of ``IOFS_TRUSTED_PROXIES``; absolute links use
  :func:`public_base_url`, never a Host header outside ``IOFS_ALLOWED_HOSTS``.
- :class:`RequestGuard` bounds every request body while it streams (``IOFS_MAX_REQUEST_BYTES``,
  or a route's own :func:`body_limit`) and refuses, before any handler runs, JSON nested
  deeper than :data:`MAX_JSON_DEPTH` and NUL characters in JSON text, form fields and the
  query string (PostgreSQL cannot store them).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import Router, compile_path

from iofs.http.routes import api_routes
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(items: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


def _address(value: str) -> IPAddress | None:
    """An address from a forwarded hop (``1.2.3.4``, ``1.2.3.4:80``, ``"[v6]:80"``), or None."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _forwarded_hops(request: Request) -> list[str]:
    """The addresses the proxies reported, client first: ``X-Forwarded-For``, else
    ``Forwarded`` (RFC 7239 ``for=``)."""
    chain = request.headers.get("x-forwarded-for")
    if chain:
        return chain.split(",")
    hops = []
    for element in request.headers.get("forwarded", "").split(","):
        for pair in element.split(";"):
            name, _sep, value = pair.strip().partition("=")
            if name.lower() == "for":
                hops.append(value)
    return hops


def client_ip(request: Request) -> str | None:
    """The client's address: the peer's, or, when the peer is a trusted proxy
    (``IOFS_TRUSTED_PROXIES``), the nearest forwarded hop that is not a trusted proxy.

    Hops are read from the right (the entries the proxies appended), so addresses a client
    writes into the header itself are never believed.
    """
    peer = request.client.host if request.client else None
    settings = getattr(request.app.state, "settings", None)
    networks = _networks(tuple(settings.trusted_proxies)) if settings else ()
    current = _address(peer) if peer and networks else None
    if current is None or not any(current in network for network in networks):
        return peer
    for hop in reversed(_forwarded_hops(request)):
        address = _address(hop)
        if address is None:
            break
        current = address
        if not any(address in network for network in networks):
            break
    return str(current)


def public_base_url(request: Request) -> str:
    """The site's base URL for absolute links (feeds, e-mails), without a trailing slash.

    ``IOFS_PUBLIC_URL`` when set; else the request's scheme and Host when the host is one of
    ``IOFS_ALLOWED_HOSTS``; else the first allowed host, so that a forged Host header is never
    written into a link.
    """
    settings = request.app.state.settings
    if settings.public_url:
        return str(settings.public_url)
    scheme = request.url.scheme
    parts = urlsplit("//" + request.headers.get("host", ""))
    try:
        allowed = (
            "@" not in parts.netloc
            and parts.hostname in settings.allowed_hosts
            and (parts.port is None or parts.port > 0)
        )
    except ValueError:  # a port that is not a number
        allowed = False
    if allowed:
        return f"{scheme}://{parts.netloc}"
    return f"{scheme}://{settings.allowed_hosts[0] if settings.allowed_hosts else 'localhost'}"


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def resolve_principal(request: Request) -> Principal:
    """The request's principal, from the resolver the app installed (anonymous allowed).

    The app factory sets ``app.state.resolve_principal`` (the accounts module's); the toolkit
    only asks it, so it depends on no module.
    """
    resolver: Callable[[Request], Principal] = request.app.state.resolve_principal
    return resolver(request)


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the principal, anonymous allowed."""
    return resolve_principal(request)


class Requirement:
    """A FastAPI dependency that checks one declared permission before the handler runs.

    Scoped permissions (e.g. a focal point's own country) take the country from the path
    parameter named ``country_param`` when given; otherwise the service checks the record's
    country itself. The permission name is kept on the object so tests can list every route's
    rule from the app.
    """

    def __init__(self, permission: str, country_param: str | None = None) -> None:
        from iofs.permissions import REGISTRY

        if permission not in REGISTRY:
            raise KeyError(f"undeclared permission {permission!r}")
        self.permission = permission
        self.country_param = country_param

    def __call__(self, request: Request) -> Principal:
        principal = resolve_principal(request)
        country = None
        if self.country_param:
            value = request.path_params.get(self.country_param)
            country = str(value).upper() if value is not None else None
        authorize(principal, self.permission, country=country)
        return principal


def require(permission: str, country_param: str | None = None) -> Callable[..., Principal]:
    """Dependency factory: ``principal: Principal = Depends(require("members.figures.write"))``."""
    return Requirement(permission, country_param)


def same_origin(request: Request) -> bool:
    """Whether a state-changing request demonstrably comes from this site (see module doc)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    expected = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
    origin = request.headers.get("origin")
    if origin is not None:
        return origin == expected
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" == expected
    return False


def csrf_rejection(request: Request) -> str | None:
    """Why a request must be refused as cross-site, or None when it may proceed."""
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return None
    if same_origin(request):
        return None
    return N_(
        "Cross-site request refused: state-changing requests must come from this site "
        "(Origin / Sec-Fetch-Site), or use an API token."
    )


# --- the request edge ---------------------------------------------------------------------

#: JSON nested deeper than this is refused (no iofs API takes more than a few levels).
MAX_JSON_DEPTH = 64
BODY_LIMIT_ATTRIBUTE = "__iofs_body_limit__"
TOO_LARGE = N_("The request body is too large: at most %(size)s are accepted here.")
TOO_DEEP = N_("The JSON body is nested too deeply (at most %(depth)d levels).")
NUL_REFUSED = N_(
    "The request contains a NUL character (\\u0000), which cannot be stored; "
    "remove it and send the request again."
)

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Refusal = Callable[[Request, int, str], Response]


def body_limit(max_bytes: int | None = None) -> Callable[[Endpoint], Endpoint]:
    """Declare a route's own body limit (an upload route), instead of IOFS_MAX_REQUEST_BYTES.

    ``max_bytes`` None means the upload limit ``IOFS_MAX_UPLOAD_BYTES``. Put it under the
    router decorator::

        @router.post("/upload")
        @body_limit()
        async def upload(file: UploadFile) -> ...
    """

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, BODY_LIMIT_ATTRIBUTE, max_bytes or "upload")
        return endpoint

    return mark


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit} bytes"


class EdgeRefusal(HTTPException):
    """Raised by :class:`RequestGuard` while the body streams in (FastAPI passes HTTP
    exceptions raised while reading the body on to the app's handler)."""


class BodyTooLarge(EdgeRefusal):
    """The body passed its limit (answered 413 at once)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _(TOO_LARGE) % {"size": _size(limit)})


class _MultipartFieldCheck:
    """Watches a streaming multipart body for NUL in its text fields (files may hold any
    byte); parse errors are left to the form parser."""

    def __init__(self, content_type: str) -> None:
        from python_multipart.multipart import MultipartParser, parse_options_header

        self.parse_options = parse_options_header
        self.header = b""
        self.value = b""
        self.disposition = b""
        self.is_file = False
        self.found = False
        boundary = parse_options_header(content_type)[1].get(b"boundary")
        self.parser: Any = (
            MultipartParser(
                boundary,
                {
                    "on_part_begin": self._begin,
                    "on_header_field": self._field,
                    "on_header_value": self._value,
                    "on_header_end": self._header_end,
                    "on_headers_finished": self._headers_done,
                    "on_part_data": self._data,
                },
            )
            if boundary
            else None
        )

    def _begin(self) -> None:
        self.disposition, self.is_file = b"", False

    def _field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def _header_end(self) -> None:
        if self.header.lower() == b"content-disposition":
            self.disposition = self.value
        self.header, self.value = b"", b""

    def _headers_done(self) -> None:
        options = self.parse_options(self.disposition)[1]
        self.is_file = b"filename" in options
        self.found = self.found or b"\x00" in options.get(b"name", b"")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if not self.is_file and b"\x00" in data[start:end]:
            self.found = True

    def has_nul(self, chunk: bytes) -> bool:
        """Feed ``chunk``; whether a text field holds a NUL so far."""
        if self.parser is not None and chunk:
            try:
                self.parser.write(chunk)
            except Exception:  # malformed: the form parser will say so
                self.parser = None
        return self.found


def _has_nul(pairs: list[tuple[str, str]]) -> bool:
    return any("\x00" in name or "\x00" in value for name, value in pairs)


def json_problem(body: bytes) -> str | None:
    """Why a JSON body is refused at the edge (too deep, NUL in a string), or None.

    A body that is not JSON at all is left to the route's own validation.
    """
    try:
        document = json.loads(body)
    except RecursionError:
        return _(TOO_DEEP) % {"depth": MAX_JSON_DEPTH}
    except ValueError:
        return None
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return _(NUL_REFUSED)
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return _(TOO_DEEP) % {"depth": MAX_JSON_DEPTH}
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None and "\x00" in key:
                    return _(NUL_REFUSED)
                stack.append((item, depth + 1))
    return None


def _inspected(content_type: str) -> str | None:
    """Which bodies are read whole and checked at the edge: JSON (also FastAPI's default for
    a body without a type) and URL-encoded forms; uploads (multipart) stream through."""
    if content_type in {"", "application/json"} or content_type.endswith("+json"):
        return "json"
    if content_type == "application/x-www-form-urlencoded":
        return "form"
    return None


class RequestGuard:
    """ASGI middleware at the request edge (see the module doc).

    The body limit is the route's :func:`body_limit` when it declares one, else
    ``settings.max_request_bytes``; a larger ``Content-Length`` is refused before reading.
    ``refuse`` builds the error response (the app's HTML-or-JSON error).
    """

    def __init__(self, app: ASGIApp, *, settings: Any, router: Router, refuse: Refusal) -> None:
        self.app = app
        self.settings = settings
        self.router = router
        self.refuse = refuse
        self._declared: list[tuple[re.Pattern[str], frozenset[str], int | str]] | None = None

    def declared_limits(self) -> list[tuple[re.Pattern[str], frozenset[str], int | str]]:
        """(path pattern, methods, limit) of the routes declaring :func:`body_limit`, listed
        at the first request (every router is included by then)."""
        if self._declared is None:
            self._declared = [
                (compile_path(path)[0], frozenset(route.methods or ()), declared)
                for path, route in api_routes(self.router.routes)
                if (declared := getattr(route.endpoint, BODY_LIMIT_ATTRIBUTE, None))
            ]
        return self._declared

    def limit(self, scope: Scope) -> int:
        """The body limit of the route ``scope`` goes to."""
        if scope["method"] not in SAFE_METHODS:
            for pattern, methods, declared in self.declared_limits():
                if scope["method"] in methods and pattern.match(scope["path"]):
                    return int(self.settings.max_upload_bytes if declared == "upload" else declared)
        return int(self.settings.max_request_bytes)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, status: int, message: str
    ) -> None:
        response = self.refuse(Request(scope, receive), status, message)
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        if "%00" in query and _has_nul(parse_qsl(query, keep_blank_values=True)):
            await self._answer(scope, receive, send, 422, _(NUL_REFUSED))
            return
        limit = self.limit(scope)
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._answer(scope, receive, send, 413, str(BodyTooLarge(limit).detail))
            return
        received = 0
        content_type = headers.get("content-type", "")
        kind = _inspected(content_type.partition(";")[0].strip().lower())
        fields = (
            _MultipartFieldCheck(content_type)
            if content_type.lower().startswith("multipart/form-data")
            else None
        )

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise BodyTooLarge(limit)
                if fields is not None and fields.has_nul(chunk):
                    raise EdgeRefusal(422, _(NUL_REFUSED))
            return message

        if kind is not None and scope["method"] not in SAFE_METHODS:
            try:
                body = await _read_all(limited)
            except BodyTooLarge as error:
                await self._answer(scope, receive, send, 413, str(error.detail))
                return
            problem = (
                json_problem(body)
                if kind == "json"
                else (
                    _(NUL_REFUSED)
                    if _has_nul(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
                    else None
                )
            )
            if problem is not None:
                await self._answer(scope, receive, send, 422, problem)
                return
            await self.app(scope, _replay(body, receive), send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except EdgeRefusal as error:
            if started:
                raise
            await self._answer(scope, receive, send, error.status_code, str(error.detail))


async def _read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then the client's messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
