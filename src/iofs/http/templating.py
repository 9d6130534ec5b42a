"""Jinja2 environment shared by every module's pages.

Templates live in ``src/iofs/http/templates`` (base layout) and in each module's
``templates/<module>/`` folder; all are autoescaped and translated through gettext.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from iofs import __version__, countries, i18n
from iofs.http.formatting import FILTERS
from iofs.http.security import resolve_principal
from iofs.http.static_assets import static_url


def country_name(iso3: str | None) -> str:
    """A country's short name in the page's language (the code when unknown)."""
    return countries.name(iso3, i18n.current_language()) if iso3 else ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment (built once)."""
    root = i18n.package_root()
    paths = [str(root / "http" / "templates")]
    paths += sorted(str(p) for p in root.glob("**/templates") if p.parent.name != "http")
    env = Environment(
        loader=FileSystemLoader(paths),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.filters.update(FILTERS)
    # A label held in data that may be a msgid (a unit, a code-list name): translated as is,
    # without the %-formatting of the newstyle ``_`` (a unit can be "%").
    env.globals["translated"] = i18n.gettext
    env.globals["country_name"] = country_name
    env.globals["static_url"] = static_url
    env.globals["iofs_version"] = __version__
    env.globals["LANGUAGES"] = i18n.LANGUAGES
    return env


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render ``template`` with the request, language and direction in the context."""
    language = i18n.current_language()
    values: dict[str, Any] = {
        "request": request,
        "lang": language,
        "dir": i18n.text_direction(language),
        "current_path": request.url.path,
        "nav": getattr(request.app.state, "navigation", []),
        "principal": resolve_principal(request),
        # Written on <main data-template>: which template a page is (the layout test checks
        # that its crawl renders every page template).
        "page_template": template,
    }
    values.update(context or {})
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)
