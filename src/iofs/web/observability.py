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
  status, duration in ms, client address, request id).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The id of the request being served (``-`` outside a request).
request_id: ContextVar[str] = ContextVar("iofs_request_id", default="-")
REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
access_log = logging.getLogger("iofs.access")

#: Fields of an access-log record that the JSON formatter writes beside the message.
ACCESS_FIELDS = ("method", "route", "path", "status", "duration_ms", "client")


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


def _route_template(scope: Scope) -> str:
    """The matched route's path template with its router's prefix (``/api/v1/members/{iso3}``).

    FastAPI (0.16x) mounts included routers lazily: the route in ``scope["route"]`` carries
    only its own path, and the effective one (prefix included) is in the ``fastapi`` scope
    entry; older versions put the full path on the route itself.
    """
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
            route = _route_template(scope)
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


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (``%(request_id)s``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request id,
    the access fields when present, and the exception text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                document[name] = getattr(record, name)
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


def logging_config(level: str, fmt: str) -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for the server (uvicorn's ``log_config``): text
    lines ``time level [request id] logger: message`` or JSON lines, on standard error."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    )
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "iofs",
        "filters": ["request_id"],
    }
    logger = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"iofs": formatter},
        "handlers": {"default": handler},
        "loggers": {"uvicorn": logger, "uvicorn.error": logger, "iofs": logger},
    }
