"""Organisations, programmes, country projects, appeals and their requirement revisions.

Each ``put_*`` creates or updates a record by its code, checks the permission first and
writes the audit log in the caller's transaction; re-entering the same data changes nothing.
Look-ups by code (:func:`organisation`, :func:`programme` …) raise :class:`NotFoundError`
naming the field, so sheets and API bodies get "no such appeal" rather than a crash.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize
from iofs.programmes import vocabulary as v
from iofs.programmes.models import (
    Appeal,
    AppealRevision,
    Organisation,
    Programme,
    Project,
    Requirement,
)
from iofs.programmes.permissions import PERMISSIONS
from iofs.programmes.schemas import (
    AppealIn,
    OrganisationIn,
    ProgrammeIn,
    ProjectIn,
    RevisionIn,
    checked,
)
from iofs.records import put_record

for _model in (Organisation, Programme, Project, Appeal, AppealRevision, Requirement):
    audit.audited(_model)

MANAGE = "programmes.manage"
PROJECTS_WRITE = "programmes.projects.write"
#: The organisation code of IOFS itself, the default recipient of contributions.
IOFS_CODE = "IOFS"

__all__ = [
    "PERMISSIONS",
    "appeal",
    "organisation",
    "programme",
    "project",
    "put_appeal",
    "put_organisation",
    "put_programme",
    "put_project",
    "put_revision",
]


def organisation(session: Session, code: str, field: str = "donor") -> Organisation:
    """The organisation with ``code`` (ISO3 for states, case-insensitive)."""
    found = session.execute(
        select(Organisation).where(func.upper(Organisation.code) == code.strip().upper())
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("No organisation has the code %(code)s.") % {"code": code}, field)
    return found


def programme(session: Session, code: str, field: str = "programme") -> Programme:
    """The programme with ``code``."""
    found = session.execute(select(Programme).where(Programme.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("No programme has the code %(code)s.") % {"code": code}, field)
    return found


def project(session: Session, code: str, field: str = "project") -> Project:
    """The country project with ``code``."""
    found = session.execute(select(Project).where(Project.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("No project has the code %(code)s.") % {"code": code}, field)
    return found


def appeal(session: Session, code: str, field: str = "appeal") -> Appeal:
    """The appeal with ``code``."""
    found = session.execute(select(Appeal).where(Appeal.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("No appeal has the code %(code)s.") % {"code": code}, field)
    return found


def organisations(session: Session) -> list[Organisation]:
    """Every organisation (donors, partners, implementers), by name."""
    return list(session.execute(select(Organisation).order_by(Organisation.name)).scalars())


def programmes(session: Session) -> list[Programme]:
    """Every programme, by code."""
    return list(session.execute(select(Programme).order_by(Programme.code)).scalars())


def appeals(session: Session, programme_id: int | None = None) -> list[Appeal]:
    """The appeals (of one programme, or all), by code."""
    query = select(Appeal).order_by(Appeal.code)
    if programme_id is not None:
        query = query.where(Appeal.programme_id == programme_id)
    return list(session.execute(query).scalars())


def projects(
    session: Session, *, programme_id: int | None = None, country: str | None = None
) -> list[Project]:
    """The country projects (of one programme, in one country, or all), by code."""
    query = select(Project).order_by(Project.code)
    if programme_id is not None:
        query = query.where(Project.programme_id == programme_id)
    if country is not None:
        query = query.where(Project.country == country)
    return list(session.execute(query).scalars())


def _dates(starts: date | None, ends: date | None, field: str = "ends_on") -> None:
    if starts and ends and ends < starts:
        raise InputError(_("The end date is before the start date."), field)


def put_organisation(
    session: Session, principal: Principal, data: OrganisationIn | dict[str, Any]
) -> Organisation:
    """Create or update an organisation by its code. A state's code is its ISO3 code."""
    entry = checked(OrganisationIn, data)
    if entry.kind == "state" and (len(entry.code) != 3 or not entry.code.isalpha()):
        raise InputError(_("A state's code is its ISO3 code (three letters)."), "code")
    values = entry.model_dump(exclude={"code"})
    values["iati_org_type"] = v.IATI_ORGANISATION_TYPE[entry.kind]
    if entry.kind == "state":
        values["country"] = entry.code.upper()
    code = entry.code.upper() if entry.kind == "state" else entry.code
    return put_record(session, principal, Organisation, {"code": code}, values, permission=MANAGE)


def put_programme(
    session: Session, principal: Principal, data: ProgrammeIn | dict[str, Any]
) -> Programme:
    """Create or update a programme by its code."""
    entry = checked(ProgrammeIn, data)
    _dates(entry.starts_on, entry.ends_on)
    return put_record(
        session,
        principal,
        Programme,
        {"code": entry.code},
        entry.model_dump(exclude={"code"}),
        permission=MANAGE,
    )


def put_project(
    session: Session, principal: Principal, data: ProjectIn | dict[str, Any]
) -> Project:
    """Create or update a country project; focal points may do so for their own states.

    A project that exists may not be moved to another country by someone who cannot write
    for both countries.
    """
    entry = checked(ProjectIn, data)
    authorize(principal, PROJECTS_WRITE, country=entry.country)
    existing = session.execute(
        select(Project).where(Project.code == entry.code)
    ).scalar_one_or_none()
    if existing is not None and existing.country != entry.country:
        authorize(principal, PROJECTS_WRITE, country=existing.country)
    _dates(entry.starts_on, entry.ends_on)
    values = entry.model_dump(exclude={"code", "programme", "implementer"})
    values["programme_id"] = programme(session, entry.programme).id
    values["implementer_id"] = (
        organisation(session, entry.implementer, "implementer").id if entry.implementer else None
    )
    return put_record(
        session,
        principal,
        Project,
        {"code": entry.code},
        values,
        permission=PROJECTS_WRITE,
        country=entry.country,
    )


def put_appeal(session: Session, principal: Principal, data: AppealIn | dict[str, Any]) -> Appeal:
    """Create or update an appeal by its code."""
    entry = checked(AppealIn, data)
    _dates(entry.launched_on, entry.ends_on)
    values = entry.model_dump(exclude={"code", "programme"})
    values["programme_id"] = programme(session, entry.programme).id if entry.programme else None
    return put_record(session, principal, Appeal, {"code": entry.code}, values, permission=MANAGE)


def put_revision(
    session: Session, principal: Principal, appeal_code: str, data: RevisionIn | dict[str, Any]
) -> AppealRevision:
    """Record revision ``number`` of an appeal's requirements (0 = original), replacing its
    requirement rows when it exists. Revisions are numbered in date order: a revision may not
    be dated before the one it revises."""
    entry = checked(RevisionIn, data)
    authorize(principal, MANAGE)
    target = appeal(session, appeal_code)
    seen: set[tuple[str, str, int]] = set()
    for index, requirement in enumerate(entry.requirements):
        key = (requirement.country, requirement.sector_code, requirement.year)
        if key in seen:
            raise InputError(_("Country, sector and year appear twice."), f"requirements.{index}")
        seen.add(key)
    previous = session.execute(
        select(AppealRevision)
        .where(AppealRevision.appeal_id == target.id, AppealRevision.number < entry.number)
        .order_by(AppealRevision.number.desc())
        .limit(1)
    ).scalar_one_or_none()
    if previous is not None and entry.issued_on < previous.issued_on:
        raise InputError(
            _("A revision cannot be dated before the revision it revises."), "issued_on"
        )
    if entry.number > 0 and previous is None:
        raise InputError(_("Record the original requirements (revision 0) first."), "number")
    revision = put_record(
        session,
        principal,
        AppealRevision,
        {"appeal_id": target.id, "number": entry.number},
        {"issued_on": entry.issued_on, "reason": entry.reason},
        permission=MANAGE,
    )
    session.flush()
    existing = {
        (row.country, row.sector_code, row.year): row
        for row in session.execute(
            select(Requirement).where(Requirement.revision_id == revision.id)
        ).scalars()
    }
    for requirement in entry.requirements:
        key = (requirement.country, requirement.sector_code, requirement.year)
        put_record(
            session,
            principal,
            Requirement,
            {"revision_id": revision.id, "country": key[0], "sector_code": key[1], "year": key[2]},
            {"amount_usd": requirement.amount_usd, "quantity_t": requirement.quantity_t},
            permission=MANAGE,
        )
        existing.pop(key, None)
    for stale in existing.values():
        audit.deleted(session, principal, stale)
    return revision


def revisions(session: Session, appeal_id: int) -> list[AppealRevision]:
    """An appeal's revisions, original first."""
    return list(
        session.execute(
            select(AppealRevision)
            .where(AppealRevision.appeal_id == appeal_id)
            .order_by(AppealRevision.number)
        ).scalars()
    )


def requirements(session: Session, revision_id: int) -> list[Requirement]:
    """The requirement rows of one revision, by country, sector and year."""
    return list(
        session.execute(
            select(Requirement)
            .where(Requirement.revision_id == revision_id)
            .order_by(Requirement.country, Requirement.sector_code, Requirement.year)
        ).scalars()
    )


def requirement_totals(
    session: Session, appeal_id: int
) -> tuple[Decimal, Decimal | None, Decimal, Decimal | None]:
    """(original USD, original t, current USD, current t) of an appeal; tonnes are None when
    no requirement row states them. The current requirement is the newest revision's."""
    found = revisions(session, appeal_id)
    if not found:
        return Decimal(0), None, Decimal(0), None

    def totals(revision: AppealRevision) -> tuple[Decimal, Decimal | None]:
        rows = requirements(session, revision.id)
        tonnes = [row.quantity_t for row in rows if row.quantity_t is not None]
        return (
            sum((row.amount_usd for row in rows), Decimal(0)),
            sum(tonnes, Decimal(0)) if tonnes else None,
        )

    original, current = totals(found[0]), totals(found[-1])
    return original[0], original[1], current[0], current[1]
