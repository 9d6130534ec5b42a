"""The data vocabulary's public functions: look a label up, list, count what is missing,
edit one label (permission checked, audited), export and import CSV, seed.

Lookups go through the in-process cache of :mod:`iofs.labels.cache`; every write changes the
labels' stamp in the same transaction, so the next request everywhere reads the edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from iofs.errors import InputError
from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.labels.cache import Lookup, bound, session_lookup, touch
from iofs.labels.domains import DOMAINS, FALLBACK, LANGUAGES, TRANSLATED
from iofs.labels.jinja import request_lookup
from iofs.labels.models import DataLabel
from iofs.labels.permissions import EDIT
from iofs.labels.seed import SeedSummary, apply_seed
from iofs.permissions import Principal, authorize
from iofs.records import put_record_outcome

#: Longest label text kept (characters), as the column holds.
MAX_TEXT = 500
MAX_SOURCE = 300
MAX_CODE = 255


def label(
    domain: str,
    code: object,
    language: str | None = None,
    default: str | None = None,
    *,
    session: Session | None = None,
) -> str:
    """The text of ``code`` of ``domain`` in ``language`` (default: the request's language),
    else its English text, else ``default``, else the code itself.

    The labels' stamp is checked once per ``session`` (a request's session); a domain and
    language is loaded with one query and then served from memory. Without a session, the
    lookup bound to the request (:func:`bind_request`) is used; with neither (a command
    outside the web app), the English: ``default`` or the code.
    """
    lookup = session_lookup(session) if session is not None else bound()
    if lookup is None:
        if code is None or code == "":
            return default or ""
        return default if default is not None else str(code)
    return lookup(domain, code, language, default)


def bind_request(request: Any) -> None:
    """Bind the request's lookup to its context, for code that builds sentences holding data
    labels before the page is rendered (one stamp check per request)."""
    request_lookup(request)


def lookup(session: Session) -> Lookup:
    """The request's lookup, for code that translates many labels (one stamp check)."""
    return session_lookup(session)


@dataclass(frozen=True)
class LabelRow:
    """One code of a domain as the labels page lists it, in one language."""

    domain: str
    code: str
    english: str
    language: str
    text: str | None
    source: str
    updated_by: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class MissingCount:
    """How many codes of a domain have no label in a language, of how many."""

    domain: str
    language: str
    total: int
    missing: int


def _check_domain(domain: str, field: str = "domain") -> None:
    if domain not in DOMAINS:
        raise InputError(
            _("Unknown domain %(domain)s: use one of %(domains)s.")
            % {"domain": domain, "domains": ", ".join(DOMAINS)},
            field,
        )


def _check_language(language: str, field: str = "language") -> None:
    if language not in LANGUAGES:
        raise InputError(
            _("Unknown language %(language)s: use en, ar or fr.") % {"language": language},
            field,
        )


def missing_counts(session: Session) -> list[MissingCount]:
    """Per domain and translated language: codes (those with an English label) and how many
    of them have no text in that language; domains without codes are left out."""
    english = aliased(DataLabel)
    own = aliased(DataLabel)
    rows: list[MissingCount] = []
    for language in TRANSLATED:
        query = (
            select(english.domain, func.count(), func.count(own.id))
            .select_from(english)
            .outerjoin(
                own,
                and_(
                    own.domain == english.domain,
                    own.code == english.code,
                    own.language == language,
                ),
            )
            .where(english.language == FALLBACK)
            .group_by(english.domain)
        )
        for domain, total, translated in session.execute(query):
            rows.append(MissingCount(domain, language, total, total - translated))
    order = {name: index for index, name in enumerate(DOMAINS)}
    return sorted(rows, key=lambda r: (order.get(r.domain, len(order)), r.domain, r.language))


#: Name bound into the label list's page cursors.
LABELS_SCOPE = "labels.listing"


def labels_page(
    session: Session,
    language: str,
    after: str | None,
    limit: int,
    secret: str,
    *,
    domain: str | None = None,
    missing_only: bool = False,
) -> Page[LabelRow]:
    """One page of the codes (by domain, then code) with their English text and their text
    in ``language``, of one domain and/or only those with no text in ``language``, after
    the cursor ``after``. Keyset by the English row's (domain, code), unique as the table's
    (domain, code, language) constraint makes it and served by that constraint's index."""
    _check_language(language)
    if domain is not None:
        _check_domain(domain)
    english = aliased(DataLabel)
    own = aliased(DataLabel)
    query = (
        select(english, own)
        .outerjoin(
            own,
            and_(own.domain == english.domain, own.code == english.code, own.language == language),
        )
        .where(english.language == FALLBACK)
    )
    if domain is not None:
        query = query.where(english.domain == domain)
    if missing_only:
        query = query.where(own.id.is_(None))
    pager = Pager(LABELS_SCOPE, [SortKey(english.domain), SortKey(english.code)], secret)
    page = pager.fetch(
        session,
        query,
        after,
        limit,
        key=lambda row: (row[0].domain, row[0].code),
        scalars=False,
    )
    rows = []
    for base, translated in page.items:
        shown = base if language == FALLBACK else translated
        rows.append(
            LabelRow(
                base.domain,
                base.code,
                base.text,
                language,
                shown.text if shown else None,
                shown.source if shown else "",
                shown.updated_by if shown else None,
                shown.updated_at if shown else None,
            )
        )
    return Page(items=rows, next=page.next, first=page.first, limit=page.limit)


def _clean(value: str, field: str, maximum: int, *, required: bool = True) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise InputError(_("%(field)s must not be empty.") % {"field": field}, field)
    if len(text) > maximum:
        raise InputError(
            _("%(field)s is longer than %(maximum)d characters.")
            % {"field": field, "maximum": maximum},
            field,
        )
    return text


def put_label(
    session: Session,
    principal: Principal,
    domain: str,
    code: str,
    language: str,
    text: str,
    source: str | None = None,
) -> tuple[DataLabel, str]:
    """Create or change one label (``labels.edit``, audited in the caller's transaction);
    returns the row and ``created``, ``changed`` or ``unchanged``.

    A translation (Arabic, French) needs the code's English label to exist: English is the
    fallback and the list of a domain's codes.
    """
    authorize(principal, EDIT)
    _check_domain(domain)
    _check_language(language)
    code = _clean(code, "code", MAX_CODE)
    text = _clean(text, "text", MAX_TEXT)
    values: dict[str, object] = {
        "text": text,
        "updated_at": datetime.now(UTC),
        "updated_by": principal.email or principal.label or "anonymous",
    }
    if source is not None:
        values["source"] = _clean(source, "source", MAX_SOURCE, required=False)
    if language != FALLBACK:
        exists = session.execute(
            select(DataLabel.id).where(
                DataLabel.domain == domain, DataLabel.code == code, DataLabel.language == FALLBACK
            )
        ).first()
        if exists is None:
            raise InputError(
                _("%(domain)s has no code %(code)s: add its English label first.")
                % {"domain": domain, "code": code},
                "code",
            )
    current = session.execute(
        select(DataLabel).filter_by(domain=domain, code=code, language=language)
    ).scalar_one_or_none()
    if (
        current is not None
        and current.text == text
        and (source is None or current.source == values["source"])
    ):
        return current, "unchanged"
    row, outcome = put_record_outcome(
        session,
        principal,
        DataLabel,
        {"domain": domain, "code": code, "language": language},
        values,
        permission=EDIT,
    )
    if outcome != "unchanged":
        touch(session)
    return row, outcome


def seed(session: Session) -> SeedSummary:
    """Add and refresh the shipped labels, keeping every label a person edited."""
    return apply_seed(session)


def register_codes(
    session: Session, principal: Principal, domain: str, codes: Iterable[str], source: str
) -> int:
    """Give each of ``codes`` not yet known in ``domain`` its English label (the code as the
    data writes it), so that its missing translations are counted; ``labels.edit``, audited.
    Returns how many codes were added."""
    authorize(principal, EDIT)
    _check_domain(domain)
    known = set(
        session.scalars(
            select(DataLabel.code).where(DataLabel.domain == domain, DataLabel.language == FALLBACK)
        )
    )
    added = 0
    for code in sorted({" ".join(c.split()) for c in codes} - known - {""}):
        put_label(session, principal, domain, code, FALLBACK, code, source)
        added += 1
    return added
