"""Password hashing with argon2id (pwdlib), re-hashed on sign-in when parameters change."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from iofs.i18n import gettext as _

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHash((Argon2Hasher(),))
# Verified when an e-mail is unknown, so that both paths take the same time.
_DUMMY_HASH = _hasher.hash("iofs-timing-equaliser")


def set_hasher(hasher: PasswordHash) -> None:
    """Replace the hasher (e.g. stronger parameters); existing hashes upgrade at next sign-in."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("iofs-timing-equaliser")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(valid, new hash or None): the new hash is set when parameters changed."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False, None
    try:
        return _hasher.verify_and_update(password, password_hash)
    except Exception:
        return False, None


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` is too weak (a translated sentence), or None when acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(count)d characters.") % {
            "count": MIN_PASSWORD_LENGTH
        }
    name = email.split("@")[0].lower() if email else ""
    if len(name) >= 4 and name in password.lower():
        return _("The password must not contain the e-mail name.")
    if len(set(password)) < 5:
        return _("The password is too repetitive.")
    return None
