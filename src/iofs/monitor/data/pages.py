"""The ``/data`` page: what was loaded into the analytics store, with a remove button."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from iofs.http.deps import db_session
from iofs.http.security import require
from iofs.http.templating import render
from iofs.monitor.data import service
from iofs.permissions import Principal, allows
from iofs.slices import SliceInfo

router = APIRouter(include_in_schema=False)


def _context(slices: list[SliceInfo]) -> dict[str, object]:
    return {
        "slices": slices,
        "dataset_label": service.dataset_label,
        "kind_label": service.kind_label,
        "span": service.span,
        "human_size": service.human_size,
    }


@router.get("/data", response_class=HTMLResponse)
def data_page(
    request: Request,
    removed: str | None = None,
    principal: Principal = Depends(require("data.read")),
) -> HTMLResponse:
    """Every slice of the store; a remove button per slice for those who may remove."""
    slices = service.list_slices(request.app.state.settings.analytics_dir)
    return render(
        request,
        "data/list.html",
        {
            **_context(slices),
            "may_remove": allows(principal, "data.remove"),
            "removed": removed[:400] if removed else None,
        },
    )


@router.post("/data/remove", response_class=HTMLResponse)
def remove_page(
    request: Request,
    slice_id: str = Form(..., max_length=400),
    confirm: str = Form(""),
    principal: Principal = Depends(require("data.remove")),
    session: Session = Depends(db_session),
) -> Response:
    """Ask to confirm (the first post), then remove and go back to the list."""
    analytics = request.app.state.settings.analytics_dir
    info = service.get_slice(analytics, slice_id)
    if confirm != "yes":
        return render(request, "data/confirm.html", {**_context([info]), "s": info})
    service.remove(session, principal, analytics, slice_id)
    session.commit()
    return RedirectResponse(f"/data?removed={quote(slice_id, safe='')}", status_code=303)
