"""Who a job acts as: its owner with the roles the owner holds when the job runs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from iofs.accounts.service import UnknownAccountRecord, get_user, principal_for
from iofs.errors import InputError
from iofs.i18n import gettext as _
from iofs.permissions import Principal
from iofs.roles import Role


def job_principal(session: Session, owner_id: int | None, kind: str) -> Principal:
    """The owner's principal (roles read now: a role withdrawn since the upload no longer
    counts); for a job without owner (a schedule, the command line) the system, with full
    rights, logged as ``job:<kind>``. :class:`InputError` when the owner's account is gone
    or deactivated."""
    if owner_id is None:
        return Principal(roles={Role.ADMIN: frozenset()}, label=f"job:{kind}")
    try:
        user = get_user(session, owner_id)
    except UnknownAccountRecord:
        raise InputError(_("The account that submitted this job no longer exists.")) from None
    if not user.active:
        raise InputError(_("The account that submitted this job is deactivated."))
    return principal_for(user)
