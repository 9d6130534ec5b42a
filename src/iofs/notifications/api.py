"""JSON API of notifications (/api/v1/notifications/…): one's own subscriptions and mail;
the secretariat's whole sent-mail log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from iofs.http.deps import db_session
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


@router.get(
    "/sent",
    summary="Sent-mail log: my messages, or every message (?all=true, the secretariat)",
)
def sent(
    everyone: Annotated[bool, Query(alias="all")] = False,
    limit: Annotated[int, Query(ge=1, le=service.LOG_LIMIT)] = 100,
    principal: Principal = Depends(require(SUBSCRIBE)),
    session: Session = Depends(db_session),
) -> list[SentMailOut]:
    rows = service.sent_mail(session, principal, everyone=everyone, limit=limit)
    return [SentMailOut(**as_dict(row)) for row in rows]
