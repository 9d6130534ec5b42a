"""FastAPI application factory: pages, JSON API under /api/v1, static assets, /healthz."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from iofs import __version__
from iofs.config import Settings, get_settings
from iofs.db import make_engine, make_session_factory
from iofs.web import i18n
from iofs.web.deps import db_session
from iofs.web.navigation import NavigationItem, default_navigation
from iofs.web.security_headers import SECURITY_HEADERS
from iofs.web.templating import render

API_PREFIX = "/api/v1"


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith((API_PREFIX, "/healthz", "/openapi")) and (
        "text/html" in request.headers.get("accept", "")
    )


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
    app.state.navigation = default_navigation()

    static_dir = resources.files("iofs") / "web" / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")

    @app.middleware("http")
    async def language_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        query = request.query_params.get("lang")
        language = i18n.negotiate(query, request.cookies.get(i18n.LANGUAGE_COOKIE),
                                  request.headers.get("accept-language"),
                                  settings.default_language)
        i18n.set_language(language)
        response = await call_next(request)
        if query and query.lower() in i18n.LANGUAGES:
            response.set_cookie(i18n.LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600,
                                samesite="lax", httponly=True)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Accept-Language, Cookie")
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _wants_html(request):
            return render(request, "error.html",
                          {"status": error.status_code, "message": error.detail},
                          status_code=error.status_code)
        return JSONResponse({"detail": error.detail}, status_code=error.status_code,
                            headers=getattr(error, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or None,
             "location": (e.get("loc") or ["body"])[0],
             "message": i18n.gettext(str(e.get("msg", "invalid value")))}
            for e in error.errors()
        ]
        if _wants_html(request):
            return render(request, "error.html",
                          {"status": 422, "message": "; ".join(
                              f"{e['field']}: {e['message']}" for e in errors)},
                          status_code=422)
        return JSONResponse({"detail": errors}, status_code=422)

    @app.get("/healthz", tags=["system"], summary="Liveness and database check")
    def healthz(request: Request) -> dict[str, Any]:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__,
                "database": request.app.state.engine.dialect.name}

    # Module routers: each module adds its API and page routers here.
    from iofs.members import api as members_api
    from iofs.members import pages as members_pages
    from iofs.web import pages as web_pages

    app.include_router(members_api.router, prefix=API_PREFIX)
    app.include_router(web_pages.router)
    app.include_router(members_pages.router)
    return app


__all__ = ["API_PREFIX", "NavigationItem", "create_app", "db_session"]
