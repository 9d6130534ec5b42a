"""Reserve registry: systems and their member states, targets, pledges and warehouses.

Written by the secretariat (``reserves.registry.write``); every write is audited in the
caller's transaction. Pledges follow the ECOWAS reserve's split of physical stocks (tonnes
of a grade) and financial reserves (money), and APTERR's earmarked stocks (each government
owns and stores its share).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs import countries
from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.i18n import current_language
from iofs.i18n import gettext as _
from iofs.members.service import oic_iso3
from iofs.permissions import Principal, authorize
from iofs.records import put_record
from iofs.reserves.models import (
    Pledge,
    ReserveSystem,
    ReserveTarget,
    SystemMember,
    Warehouse,
)
from iofs.reserves.permissions import REGISTRY_WRITE
from iofs.reserves.schemas import PledgeIn, SystemIn, TargetIn, WarehouseIn, checked

for _model in (ReserveSystem, SystemMember, ReserveTarget, Pledge, Warehouse):
    audit.audited(_model)


@cache
def oic_states() -> frozenset[str]:
    """ISO3 codes of the 57 OIC member states (the members module's reference)."""
    return oic_iso3()


def state_name(iso3: str) -> str:
    """A state's name in the current language (the ISO3 code when unknown)."""
    return countries.name(iso3, current_language()) or iso3


def _oic_state(code: str, field: str) -> str:
    if code not in oic_states():
        raise InputError(_("%(code)s is not an OIC member state.") % {"code": code}, field)
    return code


def system(session: Session, code: str, field: str = "system") -> ReserveSystem:
    """The reserve system with ``code``."""
    found = session.execute(
        select(ReserveSystem).where(ReserveSystem.code == code)
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("No reserve system has the code %(code)s.") % {"code": code}, field)
    return found


def systems(session: Session) -> list[ReserveSystem]:
    """Every reserve system, by code."""
    return list(session.execute(select(ReserveSystem).order_by(ReserveSystem.code)).scalars())


def members(session: Session, system_id: int) -> list[str]:
    """ISO3 codes of a system's member states, sorted."""
    return list(
        session.execute(
            select(SystemMember.country)
            .where(SystemMember.system_id == system_id)
            .order_by(SystemMember.country)
        ).scalars()
    )


def put_system(
    session: Session, principal: Principal, data: SystemIn | dict[str, Any]
) -> ReserveSystem:
    """Create or update a reserve system by its code, with its member states (ISO3)."""
    entry = checked(SystemIn, data)
    authorize(principal, REGISTRY_WRITE)
    for index, country in enumerate(entry.members):
        _oic_state(country, f"members.{index}")
    row = put_record(
        session,
        principal,
        ReserveSystem,
        {"code": entry.code},
        entry.model_dump(exclude={"code", "members"}),
        permission=REGISTRY_WRITE,
    )
    session.flush()
    present = set(members(session, row.id))
    for country in sorted(set(entry.members) - present):
        member = SystemMember(system_id=row.id, country=country)
        session.add(member)
        audit.created(session, principal, member)
    return row


def put_target(
    session: Session, principal: Principal, data: TargetIn | dict[str, Any]
) -> ReserveTarget:
    """Set what a system aims to hold of one commodity (tonnes)."""
    entry = checked(TargetIn, data)
    authorize(principal, REGISTRY_WRITE)
    found = system(session, entry.system)
    return put_record(
        session,
        principal,
        ReserveTarget,
        {"system_id": found.id, "commodity": entry.commodity},
        entry.model_dump(exclude={"system", "commodity"}),
        permission=REGISTRY_WRITE,
    )


def put_pledge(session: Session, principal: Principal, data: PledgeIn | dict[str, Any]) -> Pledge:
    """Create or update a member's pledge by its reference: tonnes when physical, money
    (with currency and USD value) when financial; the state must be a system member."""
    entry = checked(PledgeIn, data)
    authorize(principal, REGISTRY_WRITE)
    found = system(session, entry.system)
    if entry.country not in members(session, found.id):
        raise InputError(
            _("%(country)s is not a member of %(system)s.")
            % {"country": entry.country, "system": found.name},
            "country",
        )
    if entry.form == "physical" and entry.quantity_t is None:
        raise InputError(_("A physical pledge states its tonnes."), "quantity_t")
    if entry.form == "financial" and (entry.amount is None or entry.amount_usd is None):
        raise InputError(_("A financial pledge states its amount and its USD value."), "amount")
    if entry.valid_until and entry.valid_until < entry.pledged_on:
        raise InputError(_("The end date is before the start date."), "valid_until")
    values = entry.model_dump(exclude={"reference", "system"})
    values["system_id"] = found.id
    return put_record(
        session,
        principal,
        Pledge,
        {"reference": entry.reference},
        values,
        permission=REGISTRY_WRITE,
    )


def pledges(session: Session, system_id: int) -> list[Pledge]:
    """A system's pledges, by country and commodity."""
    return list(
        session.execute(
            select(Pledge)
            .where(Pledge.system_id == system_id)
            .order_by(Pledge.country, Pledge.commodity, Pledge.reference)
        ).scalars()
    )


def targets(session: Session, system_id: int) -> list[ReserveTarget]:
    """A system's targets, by commodity."""
    return list(
        session.execute(
            select(ReserveTarget)
            .where(ReserveTarget.system_id == system_id)
            .order_by(ReserveTarget.commodity)
        ).scalars()
    )


def warehouse(session: Session, code: str, field: str = "warehouse") -> Warehouse:
    """The warehouse with ``code``."""
    found = session.execute(select(Warehouse).where(Warehouse.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("No warehouse has the code %(code)s.") % {"code": code}, field)
    return found


def warehouses(session: Session, country: str | None = None) -> list[Warehouse]:
    """Warehouses (of one state when given), by state and name."""
    query = select(Warehouse).order_by(Warehouse.country, Warehouse.name)
    if country:
        query = query.where(Warehouse.country == country.upper())
    return list(session.execute(query).scalars())


def put_warehouse(
    session: Session, principal: Principal, data: WarehouseIn | dict[str, Any]
) -> Warehouse:
    """Create or update a warehouse by its code (capacity in tonnes)."""
    entry = checked(WarehouseIn, data)
    authorize(principal, REGISTRY_WRITE)
    _oic_state(entry.country, "country")
    values = entry.model_dump(exclude={"code", "system"})
    values["system_id"] = system(session, entry.system).id if entry.system else None
    return put_record(
        session,
        principal,
        Warehouse,
        {"code": entry.code},
        values,
        permission=REGISTRY_WRITE,
        country=entry.country,
    )
