"""Shapes of the notifications API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TopicName = Literal[
    "risk_watchlist", "price_alerts", "partnership_deadlines", "review_queue", "job_completion"
]


class SubscriptionIn(BaseModel):
    """One topic to receive: its states (ISO3 codes, for price alerts and the watchlist) and
    how often (a daily or weekly digest)."""

    model_config = ConfigDict(extra="forbid")

    topic: TopicName
    states: list[str] = Field(default_factory=list, max_length=57)
    frequency: Literal["daily", "weekly"] = "daily"


class SubscriptionsIn(BaseModel):
    """The whole set of a user's subscriptions (topics left out are unsubscribed)."""

    model_config = ConfigDict(extra="forbid")

    subscriptions: list[SubscriptionIn] = Field(max_length=5)


class SubscriptionOut(BaseModel):
    topic: str
    states: list[str]
    frequency: str
    created_at: datetime


class SentMailOut(BaseModel):
    id: int
    recipient: str
    subject: str
    topics: list[str]
    language: str
    frequency: str
    period: str
    items: int
    status: str
    error: str
    message_id: str
    sent_at: datetime
