"""Notification tables: who subscribed to what, every message sent, the items each user got.

- :class:`Subscription`: one topic of one user, with its parameters (states, as ISO3 codes)
  and its frequency (a daily or weekly digest).
- :class:`SentMail`: every digest or test message, sent or failed, with the reason of a
  failure; the log users and the secretariat read.
- :class:`DeliveredItem`: the items a user has received (a stable key per item), so that a
  digest never repeats one; with the ``sent`` row of a period it makes a rerun send nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from iofs.db import Base


class Subscription(Base):
    """A user's subscription to one topic (see :mod:`iofs.notifications.topics`)."""

    __tablename__ = "notification_subscription"
    __table_args__ = (UniqueConstraint("user_id", "topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(String(32))
    #: ISO3 codes the topic is limited to (price alerts, watchlist); empty: every state.
    states: Mapped[list[str]] = mapped_column(JSON, default=list)
    frequency: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SentMail(Base):
    """One message handed to the SMTP server (``sent``), that could not be (``failed``), or
    being handed to it by a running digest (``sending``).

    ``period`` is the digest period (``2026-12-02`` daily, ``2026-W49`` weekly; ``test`` for a
    test message); ``topics`` the topics it carried, comma-separated.
    """

    __tablename__ = "notification_sent_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True, index=True
    )
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    topics: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(2))
    frequency: Mapped[str] = mapped_column(String(8), default="")
    period: Mapped[str] = mapped_column(String(16), index=True)
    items: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(8))
    error: Mapped[str] = mapped_column(String(500), default="")
    message_id: Mapped[str] = mapped_column(String(250), default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class DeliveredItem(Base):
    """An item a user has received in a digest (never sent to that user again)."""

    __tablename__ = "notification_delivered_item"
    __table_args__ = (UniqueConstraint("user_id", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(200))
    sent_mail_id: Mapped[int] = mapped_column(
        ForeignKey("notification_sent_mail.id", ondelete="CASCADE"), index=True
    )


def as_dict(row: SentMail) -> dict[str, Any]:
    """A sent-mail row as plain data (API, CLI)."""
    return {
        "id": row.id,
        "recipient": row.recipient,
        "subject": row.subject,
        "topics": [t for t in row.topics.split(",") if t],
        "language": row.language,
        "frequency": row.frequency,
        "period": row.period,
        "items": row.items,
        "status": row.status,
        "error": row.error,
        "message_id": row.message_id,
        "sent_at": row.sent_at,
    }
