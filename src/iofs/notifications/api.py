"""JSON API of notifications (/api/v1/notifications/…): one's own subscriptions and mail;
the secretariat's whole sent-mail log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from iofs.http.deps import db_session
from iofs.http.paging import AFTER, PageOut, limit_query, link_header, secret_of
from iofs.http.security import require
from iofs.notifications import service
from iofs.notifications.models import as_dict
from iofs.notifications.permissions import SUBSCRIBE
from iofs.notifications.schemas import SentMailOut, SubscriptionOut, SubscriptionsIn
from iofs.permissions import Principal

router = APIRouter(prefix="/notifications", tags=["notifications"])


def _out(session: Session, principal: Principal) -> list[SubscriptionOut]:
    return [
        SubscriptionOut(
            topic=row.topic,
            states=list(row.states or ()),
            frequency=row.frequency,
            created_at=row.created_at,
        )
        for row in service.subscriptions(session, principal)
    ]


@router.get("/subscriptions", summary="My subscriptions (topics, states, frequency)")
def get_subscriptions(
    principal: Principal = Depends(require(SUBSCRIBE)),
    session: Session = Depends(db_session),
) -> list[SubscriptionOut]:
    return _out(session, principal)


@router.put(
    "/subscriptions",
    summary="Replace my subscriptions (topics left out are unsubscribed)",
)
def put_subscriptions(
    body: SubscriptionsIn,
    principal: Principal = Depends(require(SUBSCRIBE)),
    session: Session = Depends(db_session),
) -> list[SubscriptionOut]:
    service.put_subscriptions(session, principal, body.subscriptions)
    session.commit()
    return _out(session, principal)


#: The ``status`` filter of the sent-mail log.
StatusPattern = "^(" + "|".join(service.STATUSES) + ")$"


@router.get(
    "/sent",
    response_model=PageOut[SentMailOut],
    summary="Sent-mail log: my messages, or every message (?all=true, the secretariat), "
    "newest first, keyset-paged",
)
def sent(
    request: Request,
    response: Response,
    everyone: Annotated[bool, Query(alias="all")] = False,
    status: Annotated[
        str | None, Query(pattern=StatusPattern, description="sent, failed or sending")
    ] = None,
    after: str | None = AFTER,
    limit: int = limit_query(100, service.LOG_LIMIT),
    principal: Principal = Depends(require(SUBSCRIBE)),
    session: Session = Depends(db_session),
) -> PageOut[SentMailOut]:
    """Newest first (when sent, then id), filtered by status: pass a page's ``next`` as
    ``after`` for the following page (also in the ``Link: <…>; rel="next"`` header)."""
    page = service.sent_mail_page(
        session, principal, after, limit, secret_of(request), everyone=everyone, status=status
    )
    link_header(request, response, page)
    return PageOut[SentMailOut](
        items=[SentMailOut(**as_dict(row)) for row in page.items], next=page.next
    )
