"""Unsubscribe tokens and digest periods, without a database."""

from __future__ import annotations

from datetime import date

from iofs.notifications import tokens
from iofs.notifications.digest import period_of

KEY = "a-secret-key-that-is-long-enough-0123456789"


def test_a_token_names_its_user_and_topics_and_cannot_be_altered() -> None:
    token = tokens.make(KEY, 7, ("risk_watchlist", "price_alerts"))
    assert tokens.read(KEY, token) == tokens.Unsubscribe(7, ("risk_watchlist", "price_alerts"))
    assert tokens.read("another-secret-key-that-is-long-enough-012", token) is None
    other = tokens.make(KEY, 8, ("risk_watchlist",))
    # the signature of one token does not fit the payload of another
    forged = other.split(".")[0] + "." + token.split(".")[1]
    assert tokens.read(KEY, forged) is None
    assert tokens.read(KEY, "") is None and tokens.read(KEY, "abc.def") is None


def test_periods_are_iso_days_and_iso_weeks() -> None:
    assert period_of("daily", date(2026, 12, 2)) == "2026-12-02"
    assert period_of("weekly", date(2026, 12, 2)) == "2026-W49"
    # ISO weeks: 1 January 2027 is a Friday of 2026's week 53
    assert period_of("weekly", date(2027, 1, 1)) == "2026-W53"
    assert period_of("weekly", date(2027, 1, 4)) == "2027-W01"
