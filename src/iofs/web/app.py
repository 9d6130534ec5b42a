"""FastAPI application factory: pages, JSON API under /api/v1, static assets, /healthz, /readyz.

- ``/healthz``: the process is alive and the database answers (503 with the reason if not).
- ``/readyz``: the database answers and its migrations are those of the code.
- The database unreachable: pages and API answer 503 with a sentence, not a traceback.
- Responses to a request with a session cookie or an API token, and to every request that is
  not GET/HEAD, carry ``Cache-Control: no-store`` (signed-in pages, new tokens).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from iofs import __version__, i18n, modules
from iofs.accounts.principals import SESSION_COOKIE, resolve_principal
from iofs.config import Settings, describe_database_error, get_settings
from iofs.db import (
    is_busy,
    make_engine,
    make_lookup_factory,
    make_session_factory,
    pending_migrations,
)
from iofs.errors import InputError
from iofs.http.deps import db_session
from iofs.http.security import RequestGuard, bearer_token, client_ip, csrf_rejection
from iofs.http.templating import render
from iofs.http.validation import translated_message
from iofs.i18n import N_
from iofs.permissions import ANONYMOUS, PermissionDenied
from iofs.web.admission import Admission
from iofs.web.conditional import ConditionalGetMiddleware
from iofs.web.observability import Metrics, ObservabilityMiddleware
from iofs.web.public_cache import PublicCacheMiddleware, data_heads
from iofs.web.security_headers import SECURITY_HEADERS
from iofs.web.shared_answers import SharedAnswers
from iofs.web.static_cache import StaticAssets

API_PREFIX = "/api/v1"
DATABASE_UNAVAILABLE = N_(
    "The service is unavailable: its database cannot be reached. Try again in a minute."
)
DATABASE_BUSY = N_(
    "The database is busy with another change (a long import, for instance); nothing was "
    "saved. Try again in a few seconds."
)
METRICS_REFUSED = N_("Metrics are served only to the addresses in IOFS_METRICS_ALLOW.")
log = logging.getLogger(__name__)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith((API_PREFIX, "/healthz", "/readyz", "/openapi")) and (
        "text/html" in request.headers.get("accept", "")
    )


def error_response(
    request: Request,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    field: str | None = None,
) -> Response:
    """An error as an HTML page for browsers, else JSON ``{"detail": message}``."""
    if _wants_html(request):
        return render(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )
    body: dict[str, Any] = {"detail": message}
    if field is not None:
        body = {"detail": [{"field": field, "location": "body", "message": message}]}
    return JSONResponse(body, status_code=status, headers=headers)


def _private(request: Request) -> bool:
    """Whether the response may hold one person's data: any session or token, any write."""
    if request.url.path.startswith("/static/"):
        return False
    return (
        request.method not in {"GET", "HEAD"}
        or bearer_token(request) is not None
        or SESSION_COOKIE in request.cookies
    )


def _may_read_metrics(request: Request, settings: Settings) -> bool:
    address = client_ip(request)
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(net) for net in settings.metrics_allow)


def _database_failure(request: Request, error: Exception) -> str:
    """Log why the database failed (for the operator) and return the reason for a probe."""
    url = request.app.state.settings.resolved_database_url
    log.error("%s", describe_database_error(error, url) or error)
    return "database unreachable"


def include_module_routers(app: FastAPI) -> None:
    """Mount every module's API routers under ``/api/v1`` and its page routers at the root,
    in the order of the module list."""
    for module in modules.all_modules():
        for reference in module.api_routers:
            app.include_router(modules.resolve(reference), prefix=API_PREFIX)
        for reference in module.page_routers:
            app.include_router(modules.resolve(reference))


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web application for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="iofs API",
        version=__version__,
        description=(
            "JSON API of iofs, the information system of the Islamic Organization for Food "
            "Security (IOFS). Countries are ISO 3166-1 alpha-3 codes."
        ),
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    engine = make_engine(settings.resolved_database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.lookup_factory = make_lookup_factory(engine)
    app.state.navigation = modules.navigation()
    app.state.secret_key = settings.resolved_secret_key()
    app.state.resolve_principal = resolve_principal

    package = resources.files("iofs")
    # Front-end packages from npm live in iofs/vendor (drought reads the world map there too);
    # the app's own CSS and scripts in web/static.
    app.mount(
        "/static/vendor",
        StaticFiles(directory=str(package / "vendor"), check_dir=False),
        name="vendor",
    )
    app.mount("/static", StaticFiles(directory=str(package / "web" / "static")), name="static")
    # Inside the language-and-headers middleware below, so that its refusals are translated
    # and carry the security headers.
    app.add_middleware(RequestGuard, settings=settings, router=app.router, refuse=error_response)

    @app.middleware("http")
    async def language_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        query = request.query_params.get("lang")
        language = i18n.negotiate(
            query,
            request.cookies.get(i18n.LANGUAGE_COOKIE),
            request.headers.get("accept-language"),
            settings.default_language,
        )
        i18n.set_language(language)
        refusal = csrf_rejection(request)
        if refusal is not None:
            response = error_response(request, 403, i18n.gettext(refusal))
        else:
            response = await call_next(request)
        if query and query.lower() in i18n.LANGUAGES:
            response.set_cookie(
                i18n.LANGUAGE_COOKIE,
                language,
                max_age=365 * 24 * 3600,
                samesite="lax",
                httponly=True,
            )
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if _private(request):
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Accept-Language, Cookie")
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        return error_response(
            request, error.status_code, str(error.detail), getattr(error, "headers", None)
        )

    @app.exception_handler(PermissionDenied)
    async def permission_denied(request: Request, error: PermissionDenied) -> Response:
        if getattr(request.state, "bad_token", False):
            return error_response(
                request,
                401,
                i18n.gettext("The API token is invalid, expired or revoked."),
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if not error.authenticated:
            if _wants_html(request) and request.method == "GET":
                target = quote(
                    str(request.url.path) + ("?" + request.url.query if request.url.query else ""),
                    safe="",
                )
                return RedirectResponse(f"/signin?next={target}", status_code=303)
            return error_response(request, 401, str(error), {"WWW-Authenticate": "Bearer"})
        return error_response(request, 403, str(error))

    @app.exception_handler(InputError)
    async def input_error(request: Request, error: InputError) -> Response:
        if error.not_found:
            return error_response(request, 404, str(error))
        return error_response(request, 422, str(error), field=error.field)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())[1:]) or None,
                "location": (e.get("loc") or ["body"])[0],
                "message": translated_message(dict(e)),
            }
            for e in error.errors()
        ]
        if _wants_html(request):
            return render(
                request,
                "error.html",
                {
                    "status": 422,
                    "message": "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                },
                status_code=422,
            )
        return JSONResponse(jsonable_encoder({"detail": errors}), status_code=422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_unavailable(request: Request, error: Exception) -> Response:
        if getattr(request.state, "principal", None) is None:
            request.state.principal = ANONYMOUS  # who is asking cannot be known now
        if is_busy(error):
            log.warning("a write waited longer than the busy timeout: %s", error)
            return error_response(request, 503, i18n.gettext(DATABASE_BUSY), {"Retry-After": "5"})
        _database_failure(request, error)
        return error_response(
            request, 503, i18n.gettext(DATABASE_UNAVAILABLE), {"Retry-After": "30"}
        )

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus metrics, for clients in ``IOFS_METRICS_ALLOW`` (default: this machine)."""
        if not _may_read_metrics(request, settings):
            return error_response(request, 403, i18n.gettext(METRICS_REFUSED))
        body, content_type = app.state.metrics.exposition()
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})

    def probe(request: Request, *, migrations: bool) -> Response:
        engine = request.app.state.engine
        body: dict[str, Any] = {
            "status": "ok",
            "version": __version__,
            "database": engine.dialect.name,
        }
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            behind = migrations and pending_migrations(settings.resolved_database_url)
        except (OperationalError, InterfaceError) as error:
            body.update(status="unavailable", reason=_database_failure(request, error))
            return JSONResponse(body, status_code=503, headers={"Retry-After": "30"})
        if behind:
            body.update(
                status="unavailable", reason="database migrations pending: run `iofs db upgrade`"
            )
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    @app.get("/healthz", tags=["system"], summary="Liveness and database check")
    def healthz(request: Request) -> Response:
        return probe(request, migrations=False)

    @app.get(
        "/readyz", tags=["system"], summary="Readiness: database reachable and migrations current"
    )
    def readyz(request: Request) -> Response:
        return probe(request, migrations=True)

    include_module_routers(app)
    # Inside the public cache: a kept answer needs no turn.
    app.add_middleware(
        Admission, renders=settings.concurrent_renders, session_cookie=SESSION_COOKIE
    )
    # Inside the conditional GET: a kept answer is tagged (and answered 304) like a fresh one.
    app.add_middleware(
        PublicCacheMiddleware,
        session_cookie=SESSION_COOKIE,
        seconds=settings.resolved_public_cache_seconds,
        max_bytes=settings.public_cache_bytes,
        heads=partial(data_heads, engine, settings.analytics_dir),
        grace=settings.resolved_public_cache_grace,
        shared=(
            SharedAnswers(
                settings.shared_answers_dir,
                settings.resolved_public_cache_seconds,
                settings.public_cache_bytes,
            )
            if settings.public_cache_shared
            else None
        ),
    )
    app.add_middleware(ConditionalGetMiddleware, session_cookie=SESSION_COOKIE)
    # Outermost: every request, refused or not, gets its id, its metrics and its log line.
    app.state.metrics = Metrics()
    app.add_middleware(ObservabilityMiddleware, metrics=app.state.metrics)
    app.add_middleware(StaticAssets)
    # Each app process pulls the shared analytics store (IOFS_ANALYTICS_URL) in the background.
    from iofs.analytics_store.background import start_pulling

    app.state.analytics_puller = start_pulling(settings)
    return app


__all__ = ["API_PREFIX", "create_app", "db_session", "include_module_routers"]
