"""Pages of notifications: choose topics, states and frequency; one's sent mail; the
secretariat's log; the page an unsubscribe link opens."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from iofs import countries
from iofs.errors import InputError
from iofs.http.deps import db_session
from iofs.http.paging import AFTER, pager_context, secret_of
from iofs.http.security import require
from iofs.http.templating import render
from iofs.i18n import LANGUAGES, current_language
from iofs.i18n import gettext as _
from iofs.notifications import service
from iofs.notifications.permissions import LOG_READ, SUBSCRIBE
from iofs.notifications.schemas import SubscriptionIn
from iofs.notifications.topics import FREQUENCIES, TOPICS
from iofs.permissions import Principal, allows

router = APIRouter()

STYLESHEET = Path(__file__).parent / "static" / "notifications.css"


@router.get("/notifications/notifications.css", include_in_schema=False)
def stylesheet() -> Response:
    """The subscription form's stylesheet (served from the module, same origin)."""
    return Response(
        STYLESHEET.read_text(encoding="utf-8"),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def _states(session: Session) -> list[tuple[str, str]]:
    """(ISO3, name in the page's language) of the member states, by name."""
    from iofs.members import service as members

    language = current_language()
    named = [(code, countries.name(code, language)) for code in members.iso3_codes(session)]
    return sorted(named, key=lambda pair: pair[1])


#: Messages per page of the sent-mail lists (one's own under the form, and the whole log).
PAGE_SIZE = 50
LOG_PAGE_SIZE = 100


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    after: str | None = None,
    message: str = "",
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The form with the principal's subscriptions, and their own mail, one page of it."""
    sent = service.sent_mail_page(session, principal, after, PAGE_SIZE, secret_of(request))
    return render(
        request,
        "notifications/subscriptions.html",
        {
            "topics": TOPICS,
            "frequencies": FREQUENCIES,
            "chosen": {row.topic: row for row in service.subscriptions(session, principal)},
            "states": _states(session),
            "sent": sent.items,
            **pager_context(request, sent),
            "languages": LANGUAGES,
            "mail_language": service.mail_language(session, principal),
            "may_read_log": allows(principal, LOG_READ),
            "message": message,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/notifications", response_class=HTMLResponse)
def subscriptions_page(
    request: Request,
    after: str | None = AFTER,
    principal: Principal = Depends(require(SUBSCRIBE)),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """The subscription form, and the mail sent to the principal, newest first, paged."""
    return _page(request, session, principal, after=after)


@router.post("/notifications", response_class=HTMLResponse)
async def save_subscriptions(
    request: Request,
    principal: Principal = Depends(require(SUBSCRIBE)),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """The form: ``topic`` (each chosen topic), ``frequency-<topic>``, ``states-<topic>``."""
    form = await request.form()
    wanted = []
    try:
        for name in form.getlist("topic"):
            if name not in TOPICS:
                raise InputError(_("Unknown topic."), "topic")
            frequency = str(form.get(f"frequency-{name}") or "daily")
            if frequency not in FREQUENCIES:
                raise InputError(_("The frequency must be daily or weekly."), "frequency")
            states = [str(s) for s in form.getlist(f"states-{name}")][:57]
            wanted.append(
                SubscriptionIn.model_validate(
                    {"topic": name, "frequency": frequency, "states": states}
                )
            )
        service.put_subscriptions(session, principal, wanted)
        language = str(form.get("language") or "")
        if language:
            service.set_mail_language(session, principal, language)
    except InputError as error:
        session.rollback()
        return _page(request, session, principal, error=str(error), status_code=422)
    session.commit()
    return _page(request, session, principal, message=_("Your subscriptions are saved."))


@router.get("/notifications/log", response_class=HTMLResponse)
def log_page(
    request: Request,
    status: Annotated[str | None, Query(max_length=8)] = None,
    after: str | None = AFTER,
    principal: Principal = Depends(require(LOG_READ)),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Every message, newest first, :data:`LOG_PAGE_SIZE` a page, filtered by status (the
    secretariat); the pager's links keep the filter."""
    status = status if status in service.STATUSES else None
    page = service.sent_mail_page(
        session,
        principal,
        after,
        LOG_PAGE_SIZE,
        secret_of(request),
        everyone=True,
        status=status,
    )
    return render(
        request,
        "notifications/log.html",
        {
            "sent": page.items,
            **pager_context(request, page),
            "statuses": service.STATUSES,
            "status": status,
        },
    )


@router.get("/notifications/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(
    request: Request,
    token: Annotated[str, Query(min_length=1, max_length=2000)],
    session: Session = Depends(db_session),
) -> Response:
    """One click from a digest: the link's topics are removed, and the page says so."""
    try:
        email, removed = service.unsubscribe(session, request.app.state.secret_key, token)
    except InputError as error:
        session.rollback()
        return render(
            request,
            "notifications/unsubscribed.html",
            {"error": str(error), "removed": [], "email": ""},
            status_code=400,
        )
    session.commit()
    return render(
        request,
        "notifications/unsubscribed.html",
        {"error": "", "removed": [TOPICS[t].label for t in removed if t in TOPICS], "email": email},
    )


@router.get("/account/notifications", include_in_schema=False)
def account_alias() -> RedirectResponse:
    return RedirectResponse("/notifications", status_code=303)
