"""Member-state registry: load the packaged reference data, list and look up states.

Other modules use member states only through this module (e.g. :func:`iso3_codes`).
"""

from __future__ import annotations

import csv
import functools
import io
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.errors import NotFoundError
from iofs.i18n import gettext as _
from iofs.members.models import (
    ExecutiveBoardSeat,
    GeneralAssemblySession,
    IofsStatus,
    MemberState,
    OicGroup,
)
from iofs.members.schemas import (
    ExecutiveBoardSeatOut,
    GeneralAssemblySessionOut,
    MembershipSummary,
    MemberStateOut,
)

REFERENCE = resources.files("iofs.members") / "reference"
OIC_STATE_COUNT = 57


class ReferenceDataError(ValueError):
    """The packaged reference file is malformed; the message names file, line and field."""


class UnknownMemberState(NotFoundError):
    """No OIC member state has this code (the web layer answers 404)."""

    def __init__(self, code: str) -> None:
        super().__init__(
            _("%(code)s is not the ISO3 code of an OIC member state.") % {"code": code.strip()[:8]},
            "iso3",
        )
        self.code = code


@dataclass
class LoadReport:
    """What a reference load changed, per table: inserted, updated, unchanged rows."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, table: str, outcome: str) -> None:
        self.counts.setdefault(table, Counter())[outcome] += 1

    @property
    def changed(self) -> bool:
        return any(c["inserted"] or c["updated"] for c in self.counts.values())


def _read_reference(name: str) -> list[dict[str, str]]:
    text = (REFERENCE / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _state_values(row: dict[str, str], line: int) -> dict[str, Any]:
    where = f"member_states.csv line {line}"
    try:
        values: dict[str, Any] = {
            "iso3": row["iso3"].strip().upper(),
            "iso2": row["iso2"].strip().upper(),
            "iso_numeric": int(row["iso_numeric"]),
            "m49": int(row["m49"]),
            "fao_code": int(row["fao_code"]),
            "name_en": row["name_en"].strip(),
            "name_ar": row["name_ar"].strip(),
            "name_fr": row["name_fr"].strip(),
            "oic_group": OicGroup(row["oic_group"] or "unknown"),
            "oic_accession_year": int(row["oic_accession_year"]),
            "iofs_status": IofsStatus(row["iofs_status"]),
            "iofs_statute_signed_on": row["iofs_statute_signed_on"] or None,
            "iofs_statute_ratified": row["iofs_statute_ratified"] or "unknown",
            "iofs_statute_ratified_on": row["iofs_statute_ratified_on"] or None,
            "sources": row["sources"].strip(),
        }
    except (KeyError, ValueError) as error:
        raise ReferenceDataError(f"{where}: {error}") from None
    if len(values["iso3"]) != 3 or len(values["iso2"]) != 2:
        raise ReferenceDataError(f"{where}: iso3/iso2 must have 3/2 letters")
    return values


def _upsert(
    session: Session,
    model: type[Any],
    key: dict[str, Any],
    values: dict[str, Any],
    report: LoadReport,
) -> None:
    existing = session.execute(select(model).filter_by(**key)).scalar_one_or_none()
    if existing is None:
        session.add(model(**key, **values))
        report.add(model.__tablename__, "inserted")
        return
    changed = False
    for name, value in values.items():
        if getattr(existing, name) != value:
            setattr(existing, name, value)
            changed = True
    report.add(model.__tablename__, "updated" if changed else "unchanged")


def load_reference(session: Session) -> LoadReport:
    """Load the packaged member-state, General Assembly and Executive Board files.

    Idempotent: a second load reports every row ``unchanged``. The caller commits.
    """
    report = LoadReport()
    rows = _read_reference("member_states.csv")
    states = [_state_values(row, line) for line, row in enumerate(rows, 2)]
    if len(states) != OIC_STATE_COUNT:
        raise ReferenceDataError(
            f"member_states.csv has {len(states)} states; the OIC has {OIC_STATE_COUNT}"
        )
    for values in states:
        iso3 = values.pop("iso3")
        _upsert(session, MemberState, {"iso3": iso3}, values, report)
    session.flush()
    for line, row in enumerate(_read_reference("general_assembly_sessions.csv"), 2):
        try:
            number = int(row["number"])
        except ValueError:
            raise ReferenceDataError(
                f"general_assembly_sessions.csv line {line}: number must be an integer"
            ) from None
        _upsert(
            session,
            GeneralAssemblySession,
            {"number": number},
            {
                "kind": row["kind"] or "ordinary",
                "held_on": row["held_on"] or None,
                "place": row["place"] or None,
                "host_iso3": row["host_iso3"] or None,
                "sources": row["sources"],
            },
            report,
        )
    for line, row in enumerate(_read_reference("executive_board_seats.csv"), 2):
        try:
            year = int(row["year"])
        except ValueError:
            raise ReferenceDataError(
                f"executive_board_seats.csv line {line}: year must be an integer"
            ) from None
        _upsert(
            session,
            ExecutiveBoardSeat,
            {"year": year, "iso3": row["iso3"].upper()},
            {"role": row["role"] or "member", "sources": row["sources"]},
            report,
        )
    session.flush()
    return report


def list_members(
    session: Session, group: OicGroup | None = None, iofs_status: IofsStatus | None = None
) -> list[MemberStateOut]:
    """OIC member states ordered by English name, optionally filtered."""
    query = select(MemberState).order_by(MemberState.name_en)
    if group is not None:
        query = query.where(MemberState.oic_group == group)
    if iofs_status is not None:
        query = query.where(MemberState.iofs_status == iofs_status)
    return [MemberStateOut.model_validate(m) for m in session.execute(query).scalars()]


def get_member(session: Session, iso3: str) -> MemberStateOut:
    """One member state by ISO3 (case-insensitive); raises :class:`UnknownMemberState`."""
    state = session.get(MemberState, iso3.strip().upper())
    if state is None:
        raise UnknownMemberState(iso3)
    return MemberStateOut.model_validate(state)


def iso3_codes(session: Session) -> set[str]:
    """ISO3 codes of all OIC member states in the registry."""
    return set(session.execute(select(MemberState.iso3)).scalars())


def membership_summary(session: Session) -> MembershipSummary:
    """How many OIC states are IOFS members, not members or unknown, and per OIC group."""
    members = list_members(session)
    return MembershipSummary(
        total=len(members),
        by_status=dict(Counter(m.iofs_status.value for m in members)),
        by_group=dict(Counter(m.oic_group.value for m in members)),
    )


def general_assembly_sessions(session: Session) -> list[GeneralAssemblySessionOut]:
    """General Assembly sessions known to the registry, oldest first."""
    rows = session.execute(select(GeneralAssemblySession).order_by(GeneralAssemblySession.number))
    return [GeneralAssemblySessionOut.model_validate(r) for r in rows.scalars()]


def executive_board(session: Session, year: int | None = None) -> list[ExecutiveBoardSeatOut]:
    """Executive Board seats, for one year or all years (newest first)."""
    query = select(ExecutiveBoardSeat).order_by(
        ExecutiveBoardSeat.year.desc(), ExecutiveBoardSeat.iso3
    )
    if year is not None:
        query = query.where(ExecutiveBoardSeat.year == year)
    return [ExecutiveBoardSeatOut.model_validate(r) for r in session.execute(query).scalars()]


def display_name(member: MemberStateOut, language: str) -> str:
    """The state's name in ``language`` ('ar', 'fr', else English)."""
    return {"ar": member.name_ar, "fr": member.name_fr}.get(language, member.name_en)


@functools.cache
def oic_iso3() -> frozenset[str]:
    """ISO3 codes of the 57 OIC member states, from the packaged reference (read once)."""
    return frozenset(row["iso3"] for row in reference_member_states())


def reference_member_states() -> list[dict[str, str]]:
    """The 57 states of the packaged reference file, without a database.

    For analytics modules (e.g. FAOSTAT indicators) that work on Parquet only. Each row has the
    columns of ``reference/member_states.csv`` (iso3, m49, fao_code, name_en, name_ar, name_fr,
    oic_group, ...), as strings.
    """
    return _read_reference("member_states.csv")
