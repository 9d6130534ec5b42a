"""Watching the server run: a request id on every request and log line, Prometheus metrics,
and logs as text or JSON lines.

- **Request id**: a client's ``X-Request-ID`` (1–64 letters, digits, ``.``, ``_``, ``-``) is
  kept, else a new one is made; it is sent back in ``X-Request-ID`` and put on every log
  record written while the request runs (:data:`request_id`).
- **Metrics** (Prometheus text exposition format, https://prometheus.io/docs/instrumenting/
  exposition_formats/): ``iofs_http_requests_total{method,route,status}`` and
  ``iofs_http_request_duration_seconds{method,route}`` (histogram), labelled by route
  template (``/prices/{iso3}``), never by raw path, so the number of series stays bounded.
  With several worker processes (``iofs serve --workers N``) each writes its values to
  ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` sums them (prometheus_client's multiprocess
  mode), so any worker answers for all.
- **Access log**: one line per request on the ``iofs.access`` logger (method, route, path,
  status, duration in ms, client address, request id); :mod:`iofs.http.logs` formats it.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iofs.http.logs import request_id

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
access_log = logging.getLogger("iofs.access")


class Metrics:
    """The server's Prometheus metrics, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "iofs_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.duration = Histogram(
            "iofs_http_request_duration_seconds",
            "Time to answer an HTTP request (seconds), by method and route template.",
            ("method", "route"),
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """(the text exposition, its content type); summed over workers in multiprocess mode."""
        if os.environ.get(MULTIPROCESS_ENV):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


#: Scope entry naming the route template of an answer served from another worker's render
#: (:mod:`iofs.web.shared_answers`), where no route was matched in this process.
ROUTE_TEMPLATE = "iofs.route_template"


def route_template(scope: Scope) -> str:
    """The matched route's path template with its router's prefix (``/api/v1/members/{iso3}``).

    FastAPI (0.16x) mounts included routers lazily: the route in ``scope["route"]`` carries
    only its own path, and the effective one (prefix included) is in the ``fastapi`` scope
    entry; older versions put the full path on the route itself.
    """
    if isinstance(scope.get(ROUTE_TEMPLATE), str) and scope[ROUTE_TEMPLATE]:
        return str(scope[ROUTE_TEMPLATE])
    effective = (scope.get("fastapi") or {}).get("effective_route_context")
    template = getattr(effective, "path_format", None) or getattr(scope.get("route"), "path", None)
    if isinstance(template, str) and template:
        return template
    return "unmatched"


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "-"


class ObservabilityMiddleware:
    """Pure ASGI middleware: request id, metrics and the access log for every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
        identifier = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(identifier)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = identifier
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            self.metrics.observe(scope["method"], route, status, seconds)
            access_log.info(
                "%s %s %d %.1f ms",
                scope["method"],
                scope.get("path", ""),
                status,
                seconds * 1000,
                extra={
                    "method": scope["method"],
                    "route": route,
                    "path": scope.get("path", ""),
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": _client(scope),
                },
            )
            request_id.reset(token)
