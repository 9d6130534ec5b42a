"""JSON API of the data labels: list a domain in a language, put one label."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from iofs.http.deps import db_session
from iofs.http.security import current_principal, require
from iofs.labels import service
from iofs.labels.permissions import EDIT
from iofs.labels.schemas import LabelIn, LabelOut
from iofs.permissions import Principal

router = APIRouter(tags=["labels"])


def _out(row: service.LabelRow) -> LabelOut:
    return LabelOut(**row.__dict__)


@router.get("/labels", response_model=list[LabelOut], summary="Data labels of a domain")
def list_labels(
    language: Annotated[str, Query(max_length=8, description="en, ar or fr")] = "en",
    domain: Annotated[str | None, Query(max_length=40)] = None,
    missing: bool = False,
    after_domain: Annotated[str | None, Query(max_length=40)] = None,
    after_code: Annotated[str | None, Query(max_length=255)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    _principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> list[LabelOut]:
    """Codes by domain and code with English and the language's text (public: the same
    names the pages show). Keyset paging: pass the last row's domain and code as
    ``after_domain``/``after_code``."""
    after = (after_domain, after_code) if after_domain and after_code is not None else None
    rows = service.listing(
        session, language, domain=domain, missing_only=missing, after=after, limit=limit
    )
    return [_out(r) for r in rows]


@router.put(
    "/labels/{domain}/{language}/{code:path}",
    response_model=LabelOut,
    summary="Set one data label (secretariat)",
)
def put_label(
    body: LabelIn,
    domain: Annotated[str, Path(max_length=40)],
    language: Annotated[str, Path(max_length=8)],
    code: Annotated[str, Path(max_length=255)],
    principal: Principal = Depends(require(EDIT)),
    session: Session = Depends(db_session),
) -> LabelOut:
    """Create or change the text of ``code`` of ``domain`` in ``language``; audited."""
    row, _outcome = service.put_label(
        session, principal, domain, code, language, body.text, body.source
    )
    session.commit()
    english = service.label(domain, code, "en", session=session)
    return LabelOut(
        domain=row.domain,
        code=row.code,
        language=row.language,
        english=english,
        text=row.text,
        source=row.source,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )
