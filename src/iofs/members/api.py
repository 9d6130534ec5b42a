"""JSON API of the member-state registry: /api/v1/members."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from iofs.http.deps import RecordId, db_session
from iofs.http.security import current_principal, require
from iofs.members import figures, service
from iofs.members.models import IofsStatus, OicGroup
from iofs.members.schemas import (
    CountryFigureIn,
    CountryFigureOut,
    ExecutiveBoardSeatOut,
    GeneralAssemblySessionOut,
    MemberStateOut,
    PublishIn,
)
from iofs.permissions import Principal

router = APIRouter(tags=["members"])


@router.get("/members", response_model=list[MemberStateOut], summary="OIC member states")
def list_members(
    group: OicGroup | None = None,
    iofs_status: IofsStatus | None = None,
    session: Session = Depends(db_session),
) -> list[MemberStateOut]:
    """All 57 OIC member states, optionally filtered by OIC group and IOFS status."""
    return service.list_members(session, group=group, iofs_status=iofs_status)


@router.get(
    "/members/{iso3}",
    response_model=MemberStateOut,
    summary="One member state",
    responses={404: {"description": "Not an OIC member state"}},
)
def get_member(iso3: str, session: Session = Depends(db_session)) -> MemberStateOut:
    """One member state by ISO 3166-1 alpha-3 code (case-insensitive)."""
    return service.get_member(session, iso3)


@router.get(
    "/general-assembly",
    response_model=list[GeneralAssemblySessionOut],
    summary="IOFS General Assembly sessions",
)
def general_assembly(session: Session = Depends(db_session)) -> list[GeneralAssemblySessionOut]:
    """Sessions of the IOFS General Assembly known from public sources, oldest first."""
    return service.general_assembly_sessions(session)


@router.get(
    "/executive-board",
    response_model=list[ExecutiveBoardSeatOut],
    summary="IOFS Executive Board composition",
)
def executive_board(
    year: int | None = None, session: Session = Depends(db_session)
) -> list[ExecutiveBoardSeatOut]:
    """Executive Board seats by year (all years, newest first, unless ``year`` is given)."""
    return service.executive_board(session, year)


def _figure_input(body: CountryFigureIn) -> figures.FigureInput:
    return figures.FigureInput(
        indicator=body.indicator,
        year=body.year,
        value=body.value,
        source=body.source,
        note=body.note,
    )


@router.get(
    "/members/{iso3}/figures",
    response_model=list[CountryFigureOut],
    summary="A state's national figures",
)
def list_figures(
    iso3: str,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> list[CountryFigureOut]:
    """Published figures; unpublished ones too for the secretariat, viewers and the state's
    focal points."""
    return [
        CountryFigureOut.model_validate(f) for f in figures.list_figures(session, principal, iso3)
    ]


@router.post(
    "/members/{iso3}/figures",
    response_model=CountryFigureOut,
    status_code=201,
    summary="Enter a national figure",
)
def create_figure(
    iso3: str,
    body: CountryFigureIn,
    principal: Principal = Depends(require("members.figures.write", country_param="iso3")),
    session: Session = Depends(db_session),
) -> CountryFigureOut:
    figure = figures.create_figure(session, principal, iso3, _figure_input(body))
    session.commit()
    return CountryFigureOut.model_validate(figure)


@router.put(
    "/figures/{figure_id}", response_model=CountryFigureOut, summary="Correct a national figure"
)
def update_figure(
    figure_id: RecordId,
    body: CountryFigureIn,
    principal: Principal = Depends(require("members.figures.write")),
    session: Session = Depends(db_session),
) -> CountryFigureOut:
    figure = figures.update_figure(session, principal, figure_id, _figure_input(body))
    session.commit()
    return CountryFigureOut.model_validate(figure)


@router.delete("/figures/{figure_id}", status_code=204, summary="Delete a national figure")
def delete_figure(
    figure_id: RecordId,
    principal: Principal = Depends(require("members.figures.write")),
    session: Session = Depends(db_session),
) -> Response:
    figures.delete_figure(session, principal, figure_id)
    session.commit()
    return Response(status_code=204)


@router.post(
    "/figures/{figure_id}/publication",
    response_model=CountryFigureOut,
    summary="Publish or withdraw a national figure",
)
def publish_figure(
    figure_id: RecordId,
    body: PublishIn,
    principal: Principal = Depends(require("members.figures.publish")),
    session: Session = Depends(db_session),
) -> CountryFigureOut:
    figure = figures.set_published(session, principal, figure_id, body.published)
    session.commit()
    return CountryFigureOut.model_validate(figure)
