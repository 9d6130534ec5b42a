"""PDF briefs and bulletins (WeasyPrint), in Arabic (right to left), English or French.

The documents are the page blocks rendered by a print template; charts are embedded as PNG
rendered by vl-convert (see :mod:`iofs.briefs.charts` for why not SVG). The approach is the
strategy module's report (``strategy/report.py``): render HTML in the asked language, then
``weasyprint.HTML(string=…).write_pdf()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from sqlalchemy.orm import Session

from iofs import i18n
from iofs.briefs import bulletin, charts, service
from iofs.config import Settings
from iofs.http.templating import environment
from iofs.permissions import Principal


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Make ``language`` current for the block (restored afterwards)."""
    previous = i18n.current_language()
    i18n.set_language(language)
    try:
        yield
    finally:
        i18n.set_language(previous)


def _context(language: str) -> dict[str, object]:
    return {
        "lang": language,
        "dir": i18n.text_direction(language),
        "png": partial(charts.png_data_uri, language=language),
    }


def brief_html(
    session: Session,
    settings: Settings,
    principal: Principal,
    iso3: str,
    month: str | None,
    language: str,
) -> str:
    """The country brief as a standalone print HTML document in ``language``."""
    with in_language(language):
        brief = service.country_brief(session, settings, principal, iso3, month)
        return (
            environment()
            .get_template("briefs/brief_document.html")
            .render({**_context(language), "brief": brief})
        )


def bulletin_html(
    session: Session, settings: Settings, principal: Principal, month: str, language: str
) -> str:
    """The bulletin as a standalone print HTML document in ``language``."""
    with in_language(language):
        found = bulletin.compute(session, settings, principal, month)
        return (
            environment()
            .get_template("briefs/bulletin_document.html")
            .render({**_context(language), "b": found})
        )


def page_count(html: str) -> int:
    """How many A4 pages ``html`` takes once laid out by WeasyPrint."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    return len(HTML(string=html).render().pages)


def to_pdf(html: str) -> bytes:
    """``html`` rendered to PDF bytes by WeasyPrint (A4, fonts from the system's Noto)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def brief_pdf(
    session: Session,
    settings: Settings,
    principal: Principal,
    iso3: str,
    month: str | None,
    language: str,
) -> bytes:
    """The country brief as a PDF (2–4 A4 pages)."""
    return to_pdf(brief_html(session, settings, principal, iso3, month, language))


def bulletin_pdf(
    session: Session, settings: Settings, principal: Principal, month: str, language: str
) -> bytes:
    """The bulletin as a PDF."""
    return to_pdf(bulletin_html(session, settings, principal, month, language))
