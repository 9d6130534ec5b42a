"""GLIS DOIs: register the gene bank's accessions with the Global Information System of the
International Treaty on Plant Genetic Resources (ITPGRFA, Article 17) and keep their DOIs.

The client speaks GLIS's XML registration protocol ("System-to-System integration based on
a XML protocol supporting both registration and update", https://ssl.fao.org/glis/static/
documentation.html): one HTTP POST per accession of a ``<register username=… password=…>``
document (``<update>`` with ``<sampledoi>`` once it has one) carrying the holder
(``<location>``: WIEWS code and PID), the sample identifier, the acquisition date and method,
the taxon, crop and other names and identifiers, the biological and MLS status, progenitor
DOIs (``<progdoi><doi>``), acquisition (provider, donor's number, country of provenance),
collecting and breeding data, each from its MCPD V.2.1 descriptor. GLIS answers with a
document whose ``<doi>`` is the DOI it minted (or kept), or whose ``<error>`` says why not.

Element names, nesting and order follow the GLIS Integration Toolkit 4.0 of the Treaty's
GLIS team (GitHub marcomarsella/GLIS-Toolkit: ``src/main/resources/transform-ex.xsl`` for the
request, ``src/main/java/glis/toolkit/Toolkit.java`` for the response's ``doi`` and ``error``
and the test server ``https://glistest.planttreaty.org/glis/xml/manager``). GLIS's own PDF
manual was not available offline; the ``<id type>`` values (``puid``, ``other``) and the
method codes (``acqu``, ``ihva``) are not in the toolkit and remain unverified.

A registration keeps a SHA-256 of the document sent (without credentials): a passport edit
or a new progenitor DOI changes it, and :func:`glis_pending` lists the accession again for
an update. Settings: :mod:`iofs.genebank.glis_settings` (the Treaty's test server by
default).
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from lxml import etree as lxml_etree
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from iofs.audit import service as audit
from iofs.genebank.errors import GenebankError, UnknownRecord
from iofs.genebank.glis_settings import GlisSettings
from iofs.genebank.models import Accession, AccessionProgenitor, GlisRegistration
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize

audit.audited(GlisRegistration)
audit.audited(AccessionProgenitor)

#: GLIS acquisition methods used here: acquired from elsewhere, or a variant bred in-house.
Method = Literal["acqu", "ihva"]
Action = Literal["register", "update"]


class GlisError(GenebankError):
    """GLIS refused a registration or could not be reached; the message says why."""


@dataclass(frozen=True)
class GlisAnswer:
    """What GLIS answered to one registration: the DOI, or an error message."""

    doi: str
    sampleid: str
    error: str


def _glis_date(mcpd_date: str) -> str:
    """MCPD ``YYYYMMDD`` (``--`` for unknown month or day) as GLIS ``YYYY[-MM[-DD]]``."""
    if len(mcpd_date) != 8 or not mcpd_date[:4].isdigit():
        return ""
    year, month, day = mcpd_date[:4], mcpd_date[4:6], mcpd_date[6:]
    if not month.isdigit():
        return year
    return f"{year}-{month}" if not day.isdigit() else f"{year}-{month}-{day}"


def _method(accession: Accession) -> Method:
    """``ihva`` for material bred by the holder itself (BREDCODE = INSTCODE), else ``acqu``."""
    return "ihva" if accession.bredcode and accession.bredcode == accession.instcode else "acqu"


def _sub(parent: ET.Element, tag: str, text: str) -> None:
    if text:
        ET.SubElement(parent, tag).text = text


def _split(values: str) -> list[str]:
    return [v.strip() for v in values.split(";") if v.strip()]


def _actor(parent: ET.Element, tag: str, wiews: str, name: str = "", address: str = "") -> None:
    """A GLIS actor (holder, provider, collector, breeder): ``wiews``, ``pid``, ``name``,
    ``address``, ``country`` children, the empty ones left out."""
    actor = ET.SubElement(parent, tag)
    _sub(actor, "wiews", wiews)
    _sub(actor, "name", name)
    _sub(actor, "address", address)


def registration_document(
    accession: Accession,
    pid: str,
    progenitor_dois: Iterable[str],
    doi: str = "",
    holder: GlisSettings | None = None,
) -> ET.Element:
    """The GLIS ``<register>`` (or, with ``doi``, ``<update>`` with ``<sampledoi>``) element
    of an accession, without credentials, its children in the order of the GLIS Integration
    Toolkit's template (``src/main/resources/transform-ex.xsl`` of marcomarsella/GLIS-Toolkit,
    the Treaty Secretariat's reference client): ``location`` (the holder: WIEWS code = INSTCODE,
    PID, and with ``holder`` its name, address and country), ``sampledoi``, ``sampleid``,
    ``date``, ``method``, ``genus``, ``biostatus``, ``species``, ``spauth``, ``subtaxa``,
    ``stauth``, ``mlsstatus``, ``cropnames/name``, ``names/name``, ``progdoi/doi``,
    ``ids/id[@type]``, ``acquisition`` (``provider``, ``sampleid``, ``provenance``),
    ``collection`` and ``breeding``; empty elements are left out (as the toolkit's
    ``prune.xsl`` does)."""
    root = ET.Element("update" if doi else "register")
    location = ET.SubElement(root, "location")
    _sub(location, "wiews", accession.instcode)
    _sub(location, "pid", pid)
    if holder is not None:
        _sub(location, "name", holder.institute)
        _sub(location, "address", holder.address)
        _sub(location, "country", holder.country)
    _sub(root, "sampledoi", doi)
    _sub(root, "sampleid", accession.accenumb)
    _sub(root, "date", _glis_date(accession.acqdate))
    _sub(root, "method", _method(accession))
    _sub(root, "genus", accession.genus)
    _sub(root, "biostatus", accession.sampstat)
    _sub(root, "species", accession.species)
    _sub(root, "spauth", accession.spauthor)
    _sub(root, "subtaxa", accession.subtaxa)
    _sub(root, "stauth", accession.subtauthor)
    _sub(root, "mlsstatus", accession.mlsstat if accession.mlsstat in {"0", "1"} else "")
    for tag, values in (
        ("cropnames", _split(accession.cropname)),
        ("names", _split(accession.accename)),
    ):
        if values:
            element = ET.SubElement(root, tag)
            for value in values:
                _sub(element, "name", value)
    progenitors = sorted(set(progenitor_dois))
    if progenitors:
        element = ET.SubElement(root, "progdoi")
        for progenitor in progenitors:
            _sub(element, "doi", progenitor)
    if accession.puid or accession.othernumb:
        ids = ET.SubElement(root, "ids")
        if accession.puid:
            ET.SubElement(ids, "id", type="puid").text = accession.puid
        for other in _split(accession.othernumb):
            ET.SubElement(ids, "id", type="other").text = other
    if accession.donorcode or accession.donorname or accession.donornumb or accession.origcty:
        acquisition = ET.SubElement(root, "acquisition")
        if accession.donorcode or accession.donorname:
            _actor(acquisition, "provider", accession.donorcode, accession.donorname)
        _sub(acquisition, "sampleid", accession.donornumb)
        _sub(acquisition, "provenance", accession.origcty)
    if accession.collsite or accession.colldate or accession.collnumb or accession.lat is not None:
        collection = ET.SubElement(root, "collection")
        if accession.collcode or accession.collname:
            _actor(
                ET.SubElement(collection, "collectors"),
                "collector",
                accession.collcode.split(";")[0],
                accession.collname,
                accession.collinstaddress,
            )
        _sub(collection, "sampleid", accession.collnumb)
        _sub(collection, "missid", accession.collmissid)
        _sub(collection, "site", accession.collsite)
        _sub(collection, "lat", accession.declatitude)
        _sub(collection, "lon", accession.declongitude)
        _sub(collection, "uncert", accession.coorduncert)
        _sub(collection, "datum", accession.coorddatum)
        _sub(collection, "georef", accession.georefmeth)
        _sub(collection, "elevation", accession.elevation)
        _sub(collection, "date", _glis_date(accession.colldate))
        _sub(collection, "source", accession.collsrc)
    if accession.bredcode or accession.bredname or accession.ancest:
        breeding = ET.SubElement(root, "breeding")
        if accession.bredcode or accession.bredname:
            _actor(
                ET.SubElement(breeding, "breeders"),
                "breeder",
                accession.bredcode.split(";")[0],
                accession.bredname,
            )
        _sub(breeding, "ancestry", accession.ancest)
    return root


def document_sha256(document: ET.Element) -> str:
    """SHA-256 (hex) of what a registration document says about the accession: the same
    for its ``<register>`` and ``<update>`` forms (``<sampledoi>`` and the holder's
    ``<location>`` are left out), credentials never included."""
    content = ET.Element("register")
    content.extend([child for child in document if child.tag not in {"sampledoi", "location"}])
    return hashlib.sha256(ET.tostring(content, encoding="utf-8")).hexdigest()


def parse_answer(body: bytes) -> GlisAnswer:
    """GLIS's ``<response>``: ``<doi>``, ``<sampleid>`` and ``<error>`` (any may be absent).
    Parsed without entities, DTDs or network access (the answer comes from outside)."""
    parser = lxml_etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = lxml_etree.fromstring(body, parser)
    except lxml_etree.XMLSyntaxError as error:
        raise GlisError(
            _("GLIS answered something that is not XML (%(error)s).") % {"error": error}, "glis"
        ) from None

    def text(tag: str) -> str:
        found = root.find(tag)
        return (found.text or "").strip() if found is not None else ""

    return GlisAnswer(doi=text("doi"), sampleid=text("sampleid"), error=text("error"))


class GlisClient:
    """An HTTP client of one GLIS server (``settings.url``) with the gene bank's account."""

    def __init__(self, settings: GlisSettings | None = None) -> None:
        self.settings = settings or GlisSettings()

    def send(self, document: ET.Element) -> GlisAnswer:
        """POST one registration (credentials added here) and read GLIS's answer."""
        signed = ET.Element(
            document.tag,
            username=self.settings.username,
            password=self.settings.password.get_secret_value(),
        )
        signed.extend(list(document))
        body = ET.tostring(signed, encoding="utf-8", xml_declaration=True)
        if not self.settings.url.startswith(("https://", "http://")):
            raise GlisError(_("The GLIS address must be an http(s) URL."), "glis")
        request = urllib.request.Request(  # noqa: S310 - http(s) checked above
            self.settings.url, data=body, method="POST", headers={"Content-Type": "application/xml"}
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - http(s) checked above
                request, timeout=self.settings.timeout
            ) as response:
                answer: bytes = response.read(1_000_000)
        except urllib.error.HTTPError as error:
            raise GlisError(
                _("GLIS failed (HTTP %(status)d).") % {"status": error.code}, "glis"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise GlisError(
                _("GLIS could not be reached (%(error)s).") % {"error": error}, "glis"
            ) from None
        return parse_answer(answer)


def progenitor_dois(session: Session, accession_id: int) -> list[str]:
    """DOIs of an accession's progenitors: those given as DOIs and those of progenitor
    accessions of this gene bank already registered (others are not known yet)."""
    rows = session.execute(
        select(AccessionProgenitor.doi, GlisRegistration.doi)
        .outerjoin(
            GlisRegistration, GlisRegistration.accession_id == AccessionProgenitor.progenitor_id
        )
        .where(AccessionProgenitor.accession_id == accession_id)
    ).all()
    return sorted({given or registered for given, registered in rows if given or registered})


def add_progenitor(
    session: Session,
    principal: Principal,
    accession_id: int,
    progenitor_id: int | None = None,
    doi: str = "",
    accenumb: str = "",
) -> AccessionProgenitor:
    """Record a progenitor of an accession: another accession here (by id, or by its
    accession number ``accenumb``, optionally ``INSTCODE ACCENUMB``), or a DOI (``10.…``)."""
    authorize(principal, "genebank.passport.write")
    accession = session.get(Accession, accession_id)
    if accession is None:
        raise UnknownRecord(_("No such accession."), "accession_id")
    doi = doi.strip()
    if accenumb.strip() and progenitor_id is None:
        progenitor_id = _accession_by_number(session, accenumb.strip(), accession.instcode)
    if (progenitor_id is None) == (not doi):
        raise GenebankError(_("Give either a progenitor accession or a DOI."), "progenitor")
    if doi and not doi.startswith("10."):
        raise GenebankError(_("A DOI starts with 10."), "doi")
    if progenitor_id is not None:
        if progenitor_id == accession_id or session.get(Accession, progenitor_id) is None:
            raise GenebankError(
                _("The progenitor is another accession of this gene bank."), "progenitor_id"
            )
        if accession_id in _ancestors(session, progenitor_id):
            raise GenebankError(_("An accession cannot descend from itself."), "progenitor_id")
    if (
        session.execute(
            select(AccessionProgenitor.id).where(
                AccessionProgenitor.accession_id == accession_id,
                AccessionProgenitor.progenitor_id.is_(None)
                if progenitor_id is None
                else AccessionProgenitor.progenitor_id == progenitor_id,
                AccessionProgenitor.doi == doi,
            )
        ).first()
        is not None
    ):
        raise GenebankError(_("This progenitor is already recorded."), "progenitor")
    link = AccessionProgenitor(accession_id=accession_id, progenitor_id=progenitor_id, doi=doi)
    session.add(link)
    session.flush()
    audit.created(session, principal, link)
    return link


def _accession_by_number(session: Session, text: str, instcode: str) -> int:
    """The id of accession ``ACCENUMB`` or ``INSTCODE ACCENUMB`` (the institute of the
    accession being described when several hold that number)."""
    code, _space, number = text.partition(" ") if " " in text else ("", "", text)
    query = select(Accession.id, Accession.instcode).where(Accession.accenumb == number.strip())
    if code:
        query = query.where(Accession.instcode == code.strip().upper())
    found = session.execute(query).all()
    if len(found) > 1:
        found = [row for row in found if row[1] == instcode]
    if len(found) != 1:
        raise GenebankError(
            _("No single accession has number %(number)s; write INSTCODE ACCENUMB.")
            % {"number": text},
            "accenumb",
        )
    return int(found[0][0])


@dataclass(frozen=True)
class Progenitor:
    """A recorded progenitor: the link, and the accession here when it is one."""

    link: AccessionProgenitor
    accession: Accession | None
    doi: str


#: The progenitor accession in :func:`progenitors_of`'s join: made once, as building an alias
#: sets up its column collections (about a millisecond of CPU per accession page).
_PARENT = aliased(Accession, name="progenitor")


def progenitors_of(session: Session, accession_id: int) -> list[Progenitor]:
    """An accession's progenitors as recorded, each with its DOI (given, or the progenitor
    accession's GLIS DOI, empty when not yet registered)."""
    parent = _PARENT
    rows = session.execute(
        select(AccessionProgenitor, parent, GlisRegistration.doi)
        .outerjoin(parent, parent.id == AccessionProgenitor.progenitor_id)
        .outerjoin(
            GlisRegistration, GlisRegistration.accession_id == AccessionProgenitor.progenitor_id
        )
        .where(AccessionProgenitor.accession_id == accession_id)
        .order_by(AccessionProgenitor.id)
    ).all()
    return [
        Progenitor(link, accession, link.doi or registered or "")
        for link, accession, registered in rows
    ]


def _ancestors(session: Session, accession_id: int) -> set[int]:
    seen: set[int] = set()
    frontier = {accession_id}
    while frontier:
        parents = (
            set(
                session.execute(
                    select(AccessionProgenitor.progenitor_id).where(
                        AccessionProgenitor.accession_id.in_(frontier),
                        AccessionProgenitor.progenitor_id.is_not(None),
                    )
                ).scalars()
            )
            - seen
        )
        seen |= {p for p in parents if p is not None}
        frontier = {p for p in parents if p is not None}
    return seen


@dataclass
class Pending:
    """An accession to send to GLIS: its document and whether it is new or an update."""

    accession: Accession
    action: Action
    document: ET.Element
    sha256: str


def glis_pending(session: Session, principal: Principal, pid: str) -> list[Pending]:
    """Accessions never registered, and registered ones whose document changed since
    (passport edit, new progenitor DOI); progenitors before their descendants, so that a
    descendant's ``progdoi`` is known when it is sent."""
    authorize(principal, "genebank.read_internal")
    registrations = {r.accession_id: r for r in session.execute(select(GlisRegistration)).scalars()}
    parents: dict[int, set[int]] = {}
    for child, parent in session.execute(
        select(AccessionProgenitor.accession_id, AccessionProgenitor.progenitor_id).where(
            AccessionProgenitor.progenitor_id.is_not(None)
        )
    ):
        if parent is not None:
            parents.setdefault(child, set()).add(parent)
    pending = []
    for accession in session.execute(select(Accession).order_by(Accession.id)).scalars():
        registration = registrations.get(accession.id)
        document = registration_document(
            accession,
            pid,
            progenitor_dois(session, accession.id),
            registration.doi if registration else "",
        )
        digest = document_sha256(document)
        if registration is None or registration.passport_sha256 != digest:
            pending.append(
                Pending(accession, "update" if registration else "register", document, digest)
            )
    depth: dict[int, int] = {}

    def level(accession_id: int) -> int:
        if accession_id not in depth:
            depth[accession_id] = 0
            depth[accession_id] = 1 + max(
                (level(p) for p in parents.get(accession_id, ())), default=-1
            )
        return depth[accession_id]

    return sorted(pending, key=lambda p: (level(p.accession.id), p.accession.id))


@dataclass
class GlisRun:
    """What a registration run did: accessions registered, updated and refused (with GLIS's
    reason)."""

    registered: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def register_with_glis(
    session: Session, principal: Principal, client: GlisClient, limit: int | None = None
) -> GlisRun:
    """Send every pending accession (at most ``limit``) to GLIS and store the DOIs returned,
    each audited. A refused accession is reported and the run goes on; descendants whose
    progenitor was just registered are sent with its DOI (the document is rebuilt)."""
    authorize(principal, "genebank.passport.write")
    run = GlisRun()
    pid = client.settings.pid
    for item in glis_pending(session, principal, pid)[:limit]:
        registration = session.execute(
            select(GlisRegistration).where(GlisRegistration.accession_id == item.accession.id)
        ).scalar_one_or_none()
        document = registration_document(
            item.accession,
            pid,
            progenitor_dois(session, item.accession.id),
            registration.doi if registration else "",
            holder=client.settings,
        )
        try:
            answer = client.send(document)
        except GlisError as error:
            run.failed.append((item.accession.accenumb, str(error)))
            continue
        if answer.error or not answer.doi:
            run.failed.append((item.accession.accenumb, answer.error or _("GLIS returned no DOI.")))
            continue
        now = datetime.now(UTC).replace(tzinfo=None)
        if registration is None:
            registration = GlisRegistration(
                accession_id=item.accession.id,
                doi=answer.doi,
                passport_sha256=document_sha256(document),
                registered_at=now,
                updated_at=now,
            )
            session.add(registration)
            session.flush()
            audit.created(session, principal, registration)
            run.registered.append(item.accession.accenumb)
        else:
            before = audit.snapshot(registration)
            registration.doi = answer.doi
            registration.passport_sha256 = document_sha256(document)
            registration.updated_at = now
            audit.updated(session, principal, registration, before)
            run.updated.append(item.accession.accenumb)
    return run


def doi_of(session: Session, accession_id: int) -> str:
    """The accession's GLIS DOI, or ``""`` before registration."""
    return (
        session.execute(
            select(GlisRegistration.doi).where(GlisRegistration.accession_id == accession_id)
        ).scalar_one_or_none()
        or ""
    )


def dois(session: Session, accession_ids: Iterable[int]) -> dict[int, str]:
    """GLIS DOIs of the given accessions (those registered)."""
    ids = list(accession_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(GlisRegistration.accession_id, GlisRegistration.doi).where(
            GlisRegistration.accession_id.in_(ids)
        )
    ).all()
    return {accession_id: doi for accession_id, doi in rows}
