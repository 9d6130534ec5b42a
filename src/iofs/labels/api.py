"""JSON API of the data labels: list a domain in a language, put one label."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session

from iofs.http.deps import db_session
from iofs.http.paging import AFTER, PageOut, limit_query, link_header, secret_of
from iofs.http.security import current_principal, require
from iofs.labels import service
from iofs.labels.permissions import EDIT
from iofs.labels.schemas import LabelIn, LabelOut
from iofs.permissions import Principal

router = APIRouter(tags=["labels"])


def _out(row: service.LabelRow) -> LabelOut:
    return LabelOut(**row.__dict__)


@router.get(
    "/labels",
    response_model=PageOut[LabelOut],
    summary="Data labels of a domain, keyset-paged",
)
def list_labels(
    request: Request,
    response: Response,
    language: Annotated[str, Query(max_length=8, description="en, ar or fr")] = "en",
    domain: Annotated[str | None, Query(max_length=40)] = None,
    missing: bool = False,
    after: str | None = AFTER,
    limit: int = limit_query(1000, 5000),
    _principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> PageOut[LabelOut]:
    """Codes by domain and code with English and the language's text (public: the same
    names the pages show), of one domain and/or only those missing in the language: pass
    ``next`` as ``after`` for the following page (also in the ``Link: <…>; rel="next"``
    header)."""
    page = service.labels_page(
        session,
        language,
        after,
        limit,
        secret_of(request),
        domain=domain,
        missing_only=missing,
    )
    link_header(request, response, page)
    return PageOut[LabelOut](items=[_out(row) for row in page.items], next=page.next)


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
