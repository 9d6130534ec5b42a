"""The labels page (``/labels``, ``labels.edit``): missing translations per domain and
language, a filterable list with inline editing, CSV export and import.

Importing this module installs the ``label`` template filter (the app imports every page
router when it starts).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from iofs import i18n
from iofs.errors import InputError
from iofs.http.deps import db_session
from iofs.http.paging import AFTER, secret_of
from iofs.http.security import body_limit, require
from iofs.http.templating import environment, render
from iofs.labels import jinja, service, transfer
from iofs.labels.domains import DOMAINS, FALLBACK, LANGUAGES, TRANSLATED, domain_name
from iofs.labels.permissions import EDIT
from iofs.permissions import Principal

jinja.install(environment())

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100


def _language(value: str) -> str:
    if value in LANGUAGES:
        return value
    current = i18n.current_language()
    return current if current != FALLBACK else TRANSLATED[0]


def _context(
    session: Session,
    secret: str,
    domain: str,
    language: str,
    missing: bool,
    after: str | None,
) -> dict[str, Any]:
    """The page's counts, one page of labels after the cursor ``after``, and its links.

    The pager's links are made here from the list's own filters rather than by
    ``pager_context`` from the request: the page is also shown by the edit and import forms
    (a POST to another address), and a "saved" notice must not follow to the next page.
    """
    page = service.labels_page(
        session, language, after, PAGE_SIZE, secret, domain=domain or None, missing_only=missing
    )
    filters = {"domain": domain, "language": language, "missing": "1" if missing else ""}
    chosen = {k: v for k, v in filters.items() if v}
    return {
        "counts": service.missing_counts(session),
        "rows": page.items,
        "domains": DOMAINS,
        "domain_name": domain_name,
        "languages": LANGUAGES,
        "filters": filters,
        "back": urlencode(chosen | ({"after": after} if after else {})),
        "pager": page,
        "next_url": "/labels?" + urlencode(chosen | {"after": page.next}) if page.next else None,
        "first_url": None if page.first else "/labels?" + urlencode(chosen),
        "export_url": "/labels/export.csv?"
        + urlencode({k: v for k, v in chosen.items() if k != "missing"}),
    }


@router.get("/labels", response_class=HTMLResponse)
def labels_page(
    request: Request,
    domain: Annotated[str, Query(max_length=40)] = "",
    language: Annotated[str, Query(max_length=8)] = "",
    missing: Annotated[str, Query(max_length=5)] = "",
    after: str | None = AFTER,
    saved: Annotated[str, Query(max_length=8)] = "",
    _principal: Principal = Depends(require(EDIT)),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Missing counts, the filtered list (keyset pages of 100) and the edit forms."""
    if domain and domain not in DOMAINS:
        domain = ""
    context = _context(
        session, secret_of(request), domain, _language(language), missing == "1", after
    )
    context["saved"] = saved
    return render(request, "labels/labels.html", context)


@router.post("/labels/edit", response_class=HTMLResponse)
async def edit_label(
    request: Request,
    domain: Annotated[str, Form(max_length=40)],
    code: Annotated[str, Form(max_length=255)],
    language: Annotated[str, Form(max_length=8)],
    text: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=2400)] = "",
    principal: Principal = Depends(require(EDIT)),
    session: Session = Depends(db_session),
) -> Response:
    """Save one label, then back to the list where it was (303)."""
    try:
        service.put_label(session, principal, domain, code, language, text)
    except InputError as error:
        session.rollback()
        context = _context(session, secret_of(request), "", _language(language), False, None)
        context["error"] = str(error)
        return render(request, "labels/labels.html", context, status_code=422)
    session.commit()
    # Only the list's own parameters go back into the address (no open redirect).
    kept = [(k, v) for k, v in parse_qsl(back) if k in {"domain", "language", "missing", "after"}]
    query = urlencode(kept)
    separator = "&" if query else ""
    return RedirectResponse(f"/labels?{query}{separator}saved=1", status_code=303)


@router.get("/labels/export.csv")
def export_labels(
    domain: Annotated[str, Query(max_length=40)] = "",
    language: Annotated[str, Query(max_length=8)] = "",
    _principal: Principal = Depends(require(EDIT)),
    session: Session = Depends(db_session),
) -> Response:
    """The labels as CSV (formulas neutralised), of one domain and/or language."""
    body = transfer.export_csv(session, domain or None, language or None)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="labels.csv"'},
    )


@router.post("/labels/import", response_class=HTMLResponse)
@body_limit()
async def import_labels(
    request: Request,
    file: UploadFile = File(...),
    principal: Principal = Depends(require(EDIT)),
    session: Session = Depends(db_session),
) -> Response:
    """Import a CSV of labels: every line or none; a bad line is named with its field."""
    try:
        data = (await file.read()).decode("utf-8")
        summary = transfer.import_csv(session, principal, data)
    except UnicodeDecodeError:
        session.rollback()
        summary = None
        error = i18n.gettext("The file is not UTF-8 text.")
    except InputError as refused:
        session.rollback()
        summary = None
        error = str(refused)
    else:
        session.commit()
        error = ""
    context = _context(session, secret_of(request), "", _language(""), False, None)
    context.update(error=error, imported=summary)
    return render(request, "labels/labels.html", context, status_code=422 if error else 200)
