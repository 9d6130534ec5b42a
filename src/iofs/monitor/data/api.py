"""JSON access to the slices of the analytics store: list (secretariat, viewers), remove
(secretariat; audited)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from iofs.http.deps import db_session
from iofs.http.security import require
from iofs.monitor.data import service
from iofs.permissions import Principal
from iofs.slices import SliceInfo

router = APIRouter(tags=["data"])


@router.get("/data/slices", response_model=list[SliceInfo], summary="Slices of the store")
def list_slices(
    request: Request, _principal: Principal = Depends(require("data.read"))
) -> list[SliceInfo]:
    """Every ingested slice: FAOSTAT, prices, IPC, drought and risk inputs."""
    analytics = request.app.state.settings.analytics_dir
    return service.list_slices(analytics)


@router.delete("/data/slices", response_model=SliceInfo, summary="Remove a slice")
def remove_slice(
    request: Request,
    slice_id: str = Query(
        ...,
        alias="id",
        min_length=3,
        max_length=400,
        description="The slice's id, e.g. prices:wfp_food_prices_egy",
    ),
    principal: Principal = Depends(require("data.remove")),
    session: Session = Depends(db_session),
) -> SliceInfo:
    """Remove one slice (audited); 404 when no slice has that id."""
    analytics = request.app.state.settings.analytics_dir
    removed = service.remove(session, principal, analytics, slice_id)
    session.commit()
    return removed
