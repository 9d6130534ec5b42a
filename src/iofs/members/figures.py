"""National figures that member states report: the catalogue, permissions and the service.

Focal points enter figures for their own states only; the secretariat enters and publishes
for all; the public sees published figures. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.members.models import CountryFigure, MemberState
from iofs.members.permissions import PERMISSIONS  # noqa: F401 - declared before use
from iofs.permissions import Principal, allows, authorize

audit.audited(CountryFigure)


@dataclass(frozen=True)
class FigureKind:
    """A kind of national figure: label (msgid) and unit."""

    label: str
    unit: str


CATALOGUE: dict[str, FigureKind] = {
    "population": FigureKind(N_("Population"), "persons"),
    "cereal_production": FigureKind(N_("Cereal production"), "t"),
    "wheat_production": FigureKind(N_("Wheat production"), "t"),
    "cereal_imports": FigureKind(N_("Cereal imports"), "t"),
    "strategic_grain_reserve": FigureKind(N_("Strategic grain reserve"), "t"),
    "acutely_food_insecure_people": FigureKind(
        N_("People in acute food insecurity (IPC/CH Phase 3 or above)"), "persons"
    ),
    "public_agriculture_expenditure": FigureKind(N_("Public expenditure on agriculture"), "USD"),
}
FIRST_YEAR, LAST_YEAR = 1960, 2100


class FigureError(InputError):
    """Invalid figure; names the field."""


class UnknownFigure(FigureError, NotFoundError):
    """No figure or no state with this identifier."""


@dataclass(frozen=True)
class FigureInput:
    indicator: str
    year: int
    value: str | Decimal
    source: str = ""
    note: str = ""


def _validated(data: FigureInput) -> tuple[str, int, Decimal]:
    if data.indicator not in CATALOGUE:
        raise FigureError(
            _("Unknown figure %(name)s; choose one of: %(names)s.")
            % {"name": data.indicator[:64], "names": ", ".join(CATALOGUE)},
            "indicator",
        )
    if not FIRST_YEAR <= data.year <= LAST_YEAR:
        raise FigureError(
            _("The year must be between %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            "year",
        )
    try:
        value = Decimal(str(data.value).strip().replace(",", ""))
    except InvalidOperation:
        raise FigureError(_("The value must be a number."), "value") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e16"):
        raise FigureError(_("The value must be a number from 0 to 10^16."), "value")
    return data.indicator, data.year, value.quantize(Decimal("0.0001"))


def _state(session: Session, iso3: str) -> str:
    code = iso3.strip().upper()
    if session.get(MemberState, code) is None:
        raise UnknownFigure(
            _("%(code)s is not the ISO3 code of an OIC member state.") % {"code": code[:8]}, "iso3"
        )
    return code


def list_figures(session: Session, principal: Principal, iso3: str) -> list[CountryFigure]:
    """A state's figures: all for those who may read unpublished ones, else published only."""
    code = _state(session, iso3)
    query = (
        select(CountryFigure)
        .where(CountryFigure.iso3 == code)
        .order_by(CountryFigure.indicator, CountryFigure.year)
    )
    if not allows(principal, "members.figures.read_unpublished", country=code):
        query = query.where(CountryFigure.published.is_(True))
    return list(session.execute(query).scalars())


def get_figure(session: Session, figure_id: int) -> CountryFigure:
    figure = session.get(CountryFigure, figure_id)
    if figure is None:
        raise UnknownFigure(_("No such figure."), "figure_id")
    return figure


def create_figure(
    session: Session, principal: Principal, iso3: str, data: FigureInput
) -> CountryFigure:
    """Add a figure for ``iso3`` (unpublished). One figure per state, indicator and year."""
    code = _state(session, iso3)
    authorize(principal, "members.figures.write", country=code)
    indicator, year, value = _validated(data)
    exists = session.execute(
        select(CountryFigure.id).where(
            CountryFigure.iso3 == code,
            CountryFigure.indicator == indicator,
            CountryFigure.year == year,
        )
    ).first()
    if exists:
        raise FigureError(
            _("%(code)s already has this figure for %(year)d; correct it instead.")
            % {"code": code, "year": year},
            "year",
        )
    figure = CountryFigure(
        iso3=code,
        indicator=indicator,
        year=year,
        value=value,
        unit=CATALOGUE[indicator].unit,
        source=data.source.strip()[:500],
        note=data.note.strip(),
        published=False,
    )
    session.add(figure)
    audit.created(session, principal, figure)
    return figure


def update_figure(
    session: Session, principal: Principal, figure_id: int, data: FigureInput
) -> CountryFigure:
    """Correct a figure; a correction of a published figure withdraws it until republished."""
    figure = get_figure(session, figure_id)
    authorize(principal, "members.figures.write", country=figure.iso3)
    indicator, year, value = _validated(data)
    before = audit.snapshot(figure)
    figure.indicator, figure.year, figure.value = indicator, year, value
    figure.unit = CATALOGUE[indicator].unit
    figure.source, figure.note = data.source.strip()[:500], data.note.strip()
    if audit.snapshot(figure) != before:
        figure.published = False
    audit.updated(session, principal, figure, before)
    return figure


def delete_figure(session: Session, principal: Principal, figure_id: int) -> None:
    figure = get_figure(session, figure_id)
    authorize(principal, "members.figures.write", country=figure.iso3)
    audit.deleted(session, principal, figure)


def set_published(
    session: Session, principal: Principal, figure_id: int, published: bool
) -> CountryFigure:
    figure = get_figure(session, figure_id)
    authorize(principal, "members.figures.publish", country=figure.iso3)
    before = audit.snapshot(figure)
    figure.published = published
    audit.updated(session, principal, figure, before)
    return figure
