"""Member-state registry tables: the 57 OIC states, IOFS membership and IOFS bodies."""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from iofs.db import Base


class OicGroup(enum.StrEnum):
    """OIC geographical group, used for elections and regional aggregates."""

    ARAB = "arab"
    AFRICAN = "african"
    ASIAN = "asian"
    UNKNOWN = "unknown"


class IofsStatus(enum.StrEnum):
    """Whether a state is a member of IOFS (has signed and joined the IOFS Statute)."""

    MEMBER = "member"
    NOT_MEMBER = "not_member"
    UNKNOWN = "unknown"


class MemberState(Base):
    """An OIC member state, identified by its ISO 3166-1 alpha-3 code."""

    __tablename__ = "member_state"

    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    iso_numeric: Mapped[int] = mapped_column(SmallInteger, unique=True)
    m49: Mapped[int] = mapped_column(SmallInteger, unique=True)
    fao_code: Mapped[int] = mapped_column(SmallInteger, unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    oic_group: Mapped[OicGroup] = mapped_column(
        Enum(
            OicGroup,
            name="oic_group",
            values_callable=lambda e: [m.value for m in e],
            native_enum=False,
            length=16,
        )
    )
    oic_accession_year: Mapped[int] = mapped_column(SmallInteger)
    iofs_status: Mapped[IofsStatus] = mapped_column(
        Enum(
            IofsStatus,
            name="iofs_status",
            values_callable=lambda e: [m.value for m in e],
            native_enum=False,
            length=16,
        )
    )
    #: ISO 8601, reduced precision allowed ("2013-12"); None when unknown.
    iofs_statute_signed_on: Mapped[str | None] = mapped_column(String(10))
    #: ISO 8601, reduced precision allowed; None when unknown or not ratified.
    iofs_statute_ratified_on: Mapped[str | None] = mapped_column(String(10))
    iofs_statute_ratified: Mapped[str] = mapped_column(String(8), default="unknown")
    sources: Mapped[str] = mapped_column(Text, default="")


class GeneralAssemblySession(Base):
    """A session of the IOFS General Assembly, the organisation's supreme body."""

    __tablename__ = "general_assembly_session"

    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="ordinary")
    #: ISO 8601, reduced precision allowed ("2022-10").
    held_on: Mapped[str | None] = mapped_column(String(10))
    place: Mapped[str | None] = mapped_column(String(120))
    host_iso3: Mapped[str | None] = mapped_column(ForeignKey("member_state.iso3"))
    sources: Mapped[str] = mapped_column(Text, default="")


class ExecutiveBoardSeat(Base):
    """A member state's seat on the IOFS Executive Board in a given year."""

    __tablename__ = "executive_board_seat"
    __table_args__ = (UniqueConstraint("year", "iso3"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(SmallInteger, index=True)
    iso3: Mapped[str] = mapped_column(ForeignKey("member_state.iso3"))
    role: Mapped[str] = mapped_column(String(32), default="member")
    sources: Mapped[str] = mapped_column(Text, default="")


class CountryFigure(Base):
    """A national figure entered by a member state's focal point (or the secretariat).

    Unpublished figures are seen only by the secretariat, viewers and the state's focal points;
    the public sees published ones.
    """

    __tablename__ = "country_figure"
    __table_args__ = (UniqueConstraint("iso3", "indicator", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    iso3: Mapped[str] = mapped_column(ForeignKey("member_state.iso3"), index=True)
    indicator: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    unit: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
