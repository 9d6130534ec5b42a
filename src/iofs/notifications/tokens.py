"""Unsubscribe links: a token signed with the installation's secret key (itsdangerous).

The token names the user and the topics a digest carried; it does not expire (a link in an
old message must still work) and cannot be forged or altered without the key. The salt keeps
it from being accepted where another signed value (a session cookie) is expected.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "iofs.notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    """What an unsubscribe link asks: the user and the topics to stop."""

    user_id: int
    topics: tuple[str, ...]


def make(secret_key: str, user_id: int, topics: tuple[str, ...]) -> str:
    """A URL-safe signed token for ``user_id`` and ``topics``."""
    return str(URLSafeSerializer(secret_key, salt=SALT).dumps({"u": user_id, "t": list(topics)}))


def read(secret_key: str, token: str) -> Unsubscribe | None:
    """The request a token carries, or None when it is not one signed with ``secret_key``."""
    try:
        value = URLSafeSerializer(secret_key, salt=SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(value, dict):
        return None
    user, topics = value.get("u"), value.get("t")
    if not isinstance(user, int) or not isinstance(topics, list):
        return None
    if not all(isinstance(t, str) for t in topics):
        return None
    return Unsubscribe(user, tuple(topics))
