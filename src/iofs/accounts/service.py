"""Users, sign-in with throttling, sessions, password changes, roles and API tokens.

Every change goes through one function here that checks permission and writes the audit log
in the caller's transaction.
"""

from __future__ import annotations

import getpass
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from iofs.accounts import passwords
from iofs.accounts.models import ApiToken, RoleAssignment, SignInThrottle, User, UserSession
from iofs.accounts.permissions import PERMISSIONS  # noqa: F401 - declared before use
from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize
from iofs.roles import ROLE_SCOPE, Role, ScopeKind

audit.audited(User)
audit.audited(RoleAssignment)
audit.audited(ApiToken)

SESSION_LIFETIME = timedelta(hours=12)
#: Failed sign-ins allowed before back-off, per key: one account from one address, one account
#: from anywhere, one address for any accounts (much higher: an office or a reverse proxy
#: shares one address, and one attacker must not lock everybody behind it out).
ACCOUNT_IP_FREE_FAILURES = 5
ACCOUNT_FREE_FAILURES = 20
IP_FREE_FAILURES = 100
THROTTLE_MAX_SECONDS = 15 * 60
#: A key's failures are forgotten this long after its last one.
THROTTLE_WINDOW = timedelta(hours=1)
#: A token's "last used" is kept to this precision: a script calling the API many times a
#: second writes it once a minute, not once per request (a write and a commit each).
TOKEN_USE_PRECISION = timedelta(minutes=1)
TOKEN_PREFIX = "iofs_"  # noqa: S105 - a public prefix, not a secret
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(InputError):
    """A request about accounts cannot be done; the message says why, for the user."""


class UnknownAccountRecord(AccountError, NotFoundError):
    """No such user or token."""


class SignInFailed(Exception):
    """Generic failure: never says whether the e-mail exists."""

    def __init__(self, retry_after: int | None = None) -> None:
        super().__init__(
            _(
                "Sign-in failed: the e-mail or password is wrong, or sign-in is "
                "paused after too many attempts. Try again later."
            )
        )
        self.retry_after = retry_after


def now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def normalise_email(email: str) -> str:
    """Lower-cased, trimmed e-mail; raises :class:`AccountError` when malformed."""
    cleaned = email.strip().lower()
    if not EMAIL_PATTERN.match(cleaned) or len(cleaned) > 254:
        raise AccountError(_("Enter a valid e-mail address."), "email")
    return cleaned


def cli_principal() -> Principal:
    """The operator at the terminal: full rights, logged as ``cli:<login>``."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Principal(roles={Role.ADMIN: frozenset()}, label=f"cli:{login}")


@dataclass(frozen=True)
class RoleGrant:
    """A role with its scope values (ISO3 codes or organisation identifiers)."""

    role: Role
    scopes: tuple[str, ...] = ()


def principal_for(
    user: User,
    *,
    token_id: int | None = None,
    session_id: int | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Principal:
    """The principal acting as ``user``, with the user's roles and scopes."""
    roles: dict[Role, set[str]] = {}
    for assignment in user.roles:
        scopes = roles.setdefault(assignment.role, set())
        if assignment.scope:
            scopes.add(assignment.scope)
    return Principal(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles={role: frozenset(s) for role, s in roles.items()},
        token_id=token_id,
        session_id=session_id,
        ip=ip,
        user_agent=user_agent,
        language=user.preferred_language,
    )


def _validate_grants(session: Session, grants: Iterable[RoleGrant]) -> list[tuple[Role, str]]:
    from iofs.members import service as members

    pairs: list[tuple[Role, str]] = []
    known_states: set[str] | None = None
    for grant in grants:
        kind = ROLE_SCOPE[grant.role]
        scopes = [s.strip() for s in grant.scopes if s.strip()]
        if kind is ScopeKind.NONE:
            if scopes:
                raise AccountError(
                    _("The role %(role)s takes no scope.") % {"role": grant.role}, "roles"
                )
            pairs.append((grant.role, ""))
            continue
        if not scopes:
            raise AccountError(
                _("The role %(role)s needs at least one scope (%(kind)s).")
                % {"role": grant.role, "kind": kind.value},
                "roles",
            )
        for scope in scopes:
            if kind is ScopeKind.COUNTRY:
                scope = scope.upper()
                known_states = (
                    known_states if known_states is not None else members.iso3_codes(session)
                )
                if scope not in known_states:
                    raise AccountError(
                        _("%(code)s is not the ISO3 code of an OIC member state.")
                        % {"code": scope},
                        "roles",
                    )
            pairs.append((grant.role, scope))
    if not pairs:
        raise AccountError(_("Give the user at least one role."), "roles")
    return sorted(set(pairs))


def create_user(
    session: Session,
    actor: Principal,
    *,
    email: str,
    display_name: str,
    password: str,
    grants: Iterable[RoleGrant],
    language: str = "en",
) -> User:
    """Create an active user with roles; admin only. Raises :class:`AccountError`."""
    authorize(actor, "accounts.users.manage")
    address = normalise_email(email)
    if session.execute(select(User.id).where(User.email == address)).first():
        raise AccountError(_("A user with this e-mail already exists."), "email")
    problem = passwords.password_problem(password, address)
    if problem:
        raise AccountError(problem, "password")
    if language not in {"ar", "en", "fr"}:
        raise AccountError(_("The language must be ar, en or fr."), "preferred_language")
    pairs = _validate_grants(session, grants)
    moment = now()
    user = User(
        email=address,
        display_name=display_name.strip() or address,
        preferred_language=language,
        password_hash=passwords.hash_password(password),
        active=True,
        created_at=moment,
        password_changed_at=moment,
    )
    session.add(user)
    audit.created(session, actor, user)
    for role, scope in pairs:
        assignment = RoleAssignment(user_id=user.id, role=role, scope=scope)
        session.add(assignment)
        audit.created(session, actor, assignment)
    session.refresh(user)
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UnknownAccountRecord(_("No such user."), "user_id")
    return user


def find_user(session: Session, email: str) -> User:
    """A user by e-mail; raises :class:`AccountError` when there is none."""
    user = session.execute(
        select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()
    if user is None:
        raise AccountError(_("No user has this e-mail."), "email")
    return user


def has_active_admin(session: Session) -> bool:
    """Whether any active account holds the admin role (none on a fresh installation)."""
    found = session.execute(
        select(User.id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.ADMIN, User.active.is_(True))
        .limit(1)
    ).first()
    return found is not None


def list_users(session: Session, actor: Principal) -> list[User]:
    authorize(actor, "accounts.users.read")
    return list(session.execute(select(User).order_by(User.email)).scalars())


#: Name bound into the user list's page cursors.
USERS_SCOPE = "accounts.users"


def users_page(
    session: Session,
    actor: Principal,
    after: str | None,
    limit: int,
    secret: str,
    text: str = "",
    role: Role | None = None,
) -> Page[User]:
    """One page of users by e-mail (keyset on the unique address) after the cursor
    ``after``; ``text`` matches part of the e-mail or name (any case), ``role`` a role held
    in any scope. Admin and secretariat (``accounts.users.read``)."""
    authorize(actor, "accounts.users.read")
    statement = select(User)
    if text.strip():
        pattern = (
            "%"
            + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        statement = statement.where(
            func.lower(User.email).like(pattern, escape="\\")
            | func.lower(User.display_name).like(pattern, escape="\\")
        )
    if role is not None:
        holders = select(RoleAssignment.user_id).where(RoleAssignment.role == role)
        statement = statement.where(User.id.in_(holders))
    pager = Pager(USERS_SCOPE, [SortKey(User.email)], secret)
    return pager.fetch(session, statement, after, limit, key=lambda u: (u.email,))


def set_roles(
    session: Session, actor: Principal, user_id: int, grants: Iterable[RoleGrant]
) -> User:
    """Replace a user's roles; admin only; each added or removed role is audited."""
    authorize(actor, "accounts.users.manage")
    user = get_user(session, user_id)
    wanted = set(_validate_grants(session, grants))
    current = {(a.role, a.scope): a for a in user.roles}
    for key, assignment in current.items():
        if key not in wanted:
            user.roles.remove(assignment)
            audit.deleted(session, actor, assignment)
    for role, scope in sorted(wanted - set(current)):
        assignment = RoleAssignment(user_id=user.id, role=role, scope=scope)
        session.add(assignment)
        audit.created(session, actor, assignment)
    session.flush()
    session.refresh(user)
    return user


def set_active(session: Session, actor: Principal, user_id: int, active: bool) -> User:
    """Activate or deactivate a user; deactivation ends their sessions and tokens' use."""
    authorize(actor, "accounts.users.manage")
    user = get_user(session, user_id)
    if actor.user_id == user.id and not active:
        raise AccountError(_("You cannot deactivate yourself."), "active")
    before = audit.snapshot(user)
    user.active = active
    audit.updated(session, actor, user, before)
    if not active:
        _revoke_sessions(session, user.id)
    return user


def set_preferred_language(session: Session, actor: Principal, user_id: int, language: str) -> User:
    """Set the user's language (``ar``, ``en`` or ``fr``: their e-mails and the pages after
    sign-in); the user themselves, or an administrator. Audited."""
    if actor.user_id != user_id:
        authorize(actor, "accounts.users.manage")
    if language not in {"ar", "en", "fr"}:
        raise AccountError(_("The language must be ar, en or fr."), "preferred_language")
    user = get_user(session, user_id)
    before = audit.snapshot(user)
    user.preferred_language = language
    audit.updated(session, actor, user, before)
    return user


def _throttle_keys(address: str, ip: str | None) -> list[tuple[str, int]]:
    """The throttle keys of a sign-in and their free failures, most specific first."""
    keys = [(f"account-ip:{address}|{ip}", ACCOUNT_IP_FREE_FAILURES)] if ip else []
    keys.append((f"account:{address}", ACCOUNT_FREE_FAILURES))
    if ip:
        keys.append((f"ip:{ip}", IP_FREE_FAILURES))
    return keys


def _back_off(failures: int, free: int) -> int:
    """Seconds a key is blocked after its ``failures``-th failure (0 while still free)."""
    if failures < free:
        return 0
    return int(min(2 ** min(failures - free, 20), THROTTLE_MAX_SECONDS))


def _claim(session: Session, key: str, free: int, moment: datetime) -> int | None:
    """Count one sign-in attempt on ``key`` as a failure before its password is checked.

    One statement, atomic on SQLite and PostgreSQL (the row is locked while it runs): it adds
    the attempt unless the key is blocked, sets the back-off the new count earns, and returns
    the count — or None when the key is blocked (the attempt is refused uncounted, so
    refused attempts never lengthen the block).
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(SignInThrottle)
        .values(key=key, failures=0, last_failure_at=moment)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    stale = SignInThrottle.last_failure_at < moment - THROTTLE_WINDOW
    count = case((stale, 0), else_=SignInThrottle.failures) + 1
    steps = [
        (count == n, moment + timedelta(seconds=_back_off(n, free))) for n in range(free, free + 11)
    ]
    blocked = case(
        (count < free, None), *steps, else_=moment + timedelta(seconds=THROTTLE_MAX_SECONDS)
    )
    claimed = session.execute(
        update(SignInThrottle)
        .where(
            SignInThrottle.key == key,
            (SignInThrottle.blocked_until.is_(None)) | (SignInThrottle.blocked_until <= moment),
        )
        .values(failures=count, last_failure_at=moment, blocked_until=blocked)
        .returning(SignInThrottle.failures)
    ).scalar_one_or_none()
    return claimed


def _retry_after(session: Session, keys: list[tuple[str, int]], moment: datetime) -> int:
    blocks = session.execute(
        select(SignInThrottle.blocked_until).where(
            SignInThrottle.key.in_([key for key, _free in keys])
        )
    ).scalars()
    waits = [
        (until - moment).total_seconds()
        for until in map(_aware, blocks)
        if until is not None and until > moment
    ]
    return max(1, int(max(waits, default=1)) + 1)


def _claim_attempt(session: Session, keys: list[tuple[str, int]]) -> int | None:
    """Count the attempt on every key, committed at once in its own transaction so that
    concurrent attempts see it; returns the back-off (seconds) it earned, or raises
    :class:`SignInFailed` when a key is blocked."""
    moment = now()
    retry = 0
    with Session(session.get_bind()) as own, own.begin():
        for key, free in keys:
            count = _claim(own, key, free, moment)
            if count is None:
                raise SignInFailed(retry_after=_retry_after(own, keys, moment))
            retry = max(retry, _back_off(count, free))
    return retry or None


def _clear_attempt(session: Session, keys: list[tuple[str, int]]) -> None:
    """After a successful sign-in: the account's counters restart; the address keeps its
    count of other failures (a valid account must not reset guessing of others)."""
    with Session(session.get_bind()) as own, own.begin():
        for key, _free in keys:
            if key.startswith("ip:"):
                own.execute(
                    update(SignInThrottle)
                    .where(SignInThrottle.key == key, SignInThrottle.failures > 0)
                    .values(failures=SignInThrottle.failures - 1)
                )
            else:
                own.execute(delete(SignInThrottle).where(SignInThrottle.key == key))


def authenticate(
    session: Session, email: str, password: str, *, ip: str | None, user_agent: str | None = None
) -> User:
    """The user for these credentials, or :class:`SignInFailed` (generic, throttled).

    Back-off per account from one address (after 5 failures), per account (20) and per
    address (100): each further failure blocks that key for 1, 2, 4 … seconds, at most 15
    minutes; failures are forgotten an hour after the last. Each attempt is counted before its
    password is checked, atomically and committed at once (its own transaction), so that
    concurrent guesses cannot pass the limit; attempts refused while blocked are not counted.
    A hash with outdated parameters is replaced (and audited) on success.
    """
    address = email.strip().lower()
    keys = _throttle_keys(address, ip)
    retry = _claim_attempt(session, keys)
    user = session.execute(select(User).where(User.email == address)).scalar_one_or_none()
    valid, new_hash = passwords.verify_password(password, user.password_hash if user else None)
    if user is None or not valid or not user.active:
        raise SignInFailed(retry_after=retry)
    _clear_attempt(session, keys)
    if new_hash:
        before = audit.snapshot(user)
        user.password_hash = new_hash
        audit.updated(session, principal_for(user, ip=ip, user_agent=user_agent), user, before)
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(session: Session, user: User, *, ip: str | None, user_agent: str | None) -> str:
    """Open a new browser session for ``user``; returns the raw key for the signed cookie."""
    raw = secrets.token_urlsafe(32)
    moment = now()
    session.add(
        UserSession(
            key_hash=_digest(raw),
            user_id=user.id,
            created_at=moment,
            expires_at=moment + SESSION_LIFETIME,
            ip=ip,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
    session.flush()
    return raw


def resolve_session(
    session: Session, raw: str, *, ip: str | None = None, user_agent: str | None = None
) -> Principal | None:
    """The principal of a live session key, or None (unknown, expired, revoked, inactive)."""
    found = _live_key(session, UserSession, UserSession.key_hash, raw, must_expire=True)
    if found is None:
        return None
    row, user = found
    return principal_for(user, session_id=row.id, ip=ip, user_agent=user_agent)


def _live_key(
    session: Session, model: Any, hash_column: Any, raw: str, *, must_expire: bool
) -> tuple[Any, User] | None:
    """The row of ``model`` whose ``hash_column`` holds ``raw``'s digest, with its user and the
    user's roles, in one query (every signed-in page and API request asks it; the roles'
    own ``selectin`` load was a second round trip); None when unknown, revoked, expired (or
    without an expiry where ``must_expire``) or the user is inactive."""
    found = (
        session.execute(
            select(model, User)
            .join(User, User.id == model.user_id)
            .where(hash_column == _digest(raw))
            .options(joinedload(User.roles))
        )
        .unique()
        .one_or_none()
    )
    if found is None:
        return None
    row, user = found
    expires = _aware(row.expires_at)
    if row.revoked_at is not None or not user.active:
        return None
    if (expires is None and must_expire) or (expires is not None and expires <= now()):
        return None
    return row, user


def end_session(session: Session, raw: str) -> None:
    """Revoke a session key (sign-out)."""
    row = session.execute(
        select(UserSession).where(UserSession.key_hash == _digest(raw))
    ).scalar_one_or_none()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now()


def _revoke_sessions(session: Session, user_id: int, keep: int | None = None) -> None:
    for row in session.execute(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    ).scalars():
        if row.id != keep:
            row.revoked_at = now()


def _revoke_tokens(
    session: Session, actor: Principal, user_id: int, keep: int | None = None
) -> None:
    """Revoke (and audit) every live API token of ``user_id`` but ``keep``."""
    for token in session.execute(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ).scalars():
        if token.id != keep:
            _revoke(session, actor, token)


def _revoke(session: Session, actor: Principal, token: ApiToken) -> None:
    if token.revoked_at is None:
        before = audit.snapshot(token)
        token.revoked_at = now()
        audit.updated(session, actor, token, before)


def change_password(session: Session, actor: Principal, current: str, new: str) -> None:
    """Change one's own password; the user's other sessions and API tokens end (the session
    or token making the change stays)."""
    authorize(actor, "accounts.password.own")
    assert actor.user_id is not None
    user = get_user(session, actor.user_id)
    valid, _unused = passwords.verify_password(current, user.password_hash)
    if not valid:
        raise AccountError(_("The current password is wrong."), "current_password")
    _set_password(session, actor, user, new, "new_password")
    _revoke_sessions(session, user.id, keep=actor.session_id)
    _revoke_tokens(session, actor, user.id, keep=actor.token_id)


def reset_password(session: Session, actor: Principal, user_id: int, new: str) -> None:
    """Set another user's password (admin); all of that user's sessions and API tokens end."""
    authorize(actor, "accounts.users.manage")
    user = get_user(session, user_id)
    _set_password(session, actor, user, new, "password")
    _revoke_sessions(session, user.id)
    _revoke_tokens(session, actor, user.id)


def _set_password(session: Session, actor: Principal, user: User, new: str, field: str) -> None:
    problem = passwords.password_problem(new, user.email)
    if problem:
        raise AccountError(problem, field)
    before = audit.snapshot(user)
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now()
    audit.updated(session, actor, user, before)


def _authorize_tokens_of(actor: Principal, user_id: int) -> None:
    """One's own tokens need ``tokens.own``; anybody else's need ``users.manage``."""
    authorize(actor, "accounts.tokens.own" if actor.user_id == user_id else "accounts.users.manage")


def create_token(
    session: Session,
    actor: Principal,
    user_id: int,
    *,
    name: str = "",
    expires_days: int | None = None,
) -> tuple[str, ApiToken]:
    """A new API token for ``user_id`` (one's own, or any user's for an admin).

    Returns the raw token, shown once; only its SHA-256 is stored.
    """
    _authorize_tokens_of(actor, user_id)
    user = get_user(session, user_id)
    if not user.active:
        raise AccountError(_("The user is deactivated."), "user_id")
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise AccountError(_("Expiry must be between 1 and 3650 days."), "expires_days")
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    moment = now()
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:120],
        prefix=prefix,
        token_hash=_digest(raw),
        created_at=moment,
        expires_at=moment + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    audit.created(session, actor, token)
    return raw, token


def list_tokens(session: Session, actor: Principal, user_id: int) -> list[ApiToken]:
    _authorize_tokens_of(actor, user_id)
    return list(
        session.execute(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        ).scalars()
    )


def revoke_token(session: Session, actor: Principal, token_id: int) -> ApiToken:
    """Revoke a token (one's own, or any for an admin)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise UnknownAccountRecord(_("No such token."), "token_id")
    _authorize_tokens_of(actor, token.user_id)
    _revoke(session, actor, token)
    return token


def resolve_token(
    session: Session, raw: str, *, ip: str | None = None, user_agent: str | None = None
) -> Principal | None:
    """The principal of a valid API token, or None (unknown, expired, revoked, inactive)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    found = _live_key(session, ApiToken, ApiToken.token_hash, raw, must_expire=False)
    if found is None:
        return None
    token, user = found
    moment = now()
    last = _aware(token.last_used_at)
    if last is None or moment - last >= TOKEN_USE_PRECISION:
        token.last_used_at = moment
    return principal_for(user, token_id=token.id, ip=ip, user_agent=user_agent)
