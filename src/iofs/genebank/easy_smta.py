"""Easy-SMTA: the reports of SMTAs the gene bank concluded, for the Treaty's Governing Body
(SMTA art. 5(e) and 6.5; "Easy-SMTA: reporting by XML", https://mls.planttreaty.org/).

One ``<smta>`` per agreement (distributions sharing an agreement identifier) in the XML
Easy-SMTA accepts for bulk reporting (``<smtas>`` around them):

* ``<symbol>`` the agreement's identifier, ``<type>`` ``si`` (signed), ``sw`` (shrink-wrap)
  or ``cw`` (click-wrap), ``<language>``, ``<date>`` (when the SMTA was concluded);
* ``<provider>`` and ``<recipient>`` (``type`` ``in`` for an institution, ``or`` for an
  individual; PID, name, address, ISO 3166-1 alpha-3 country);
* ``<annex1>``: one ``<material>`` per sample (``<crop>``, ``<sampleID>``, ``<PUD>`` the GLIS
  DOI when registered, ``<ancestry>``);
* ``<shipName>`` the provider's name for the shipment's documents.

Shipped distributions under the SMTA are "to report" until :func:`mark_reported` records
that their report was accepted by Easy-SMTA.

Unverified: the element names above could not be checked against a published Easy-SMTA
schema or client. Searched offline (December 2026): code, documentation and web-page
collections for the Easy-SMTA XML format, its bulk upload and clients (GRIN-Global/GGCE,
Genesys, the Treaty's GLIS toolkit). Found only that GGCE reports SMTA distributions to
Easy-SMTA automatically (https://ggce.genesys-pgr.org/docs/manual/admin/itpgrfa-doi-smta),
not the format; the Treaty's GLIS toolkit (marcomarsella/GLIS-Toolkit) covers DOIs only.
Check against the Easy-SMTA user manual before reporting to production.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.genebank import glis
from iofs.genebank.distribution import (
    distributions_query,
    get_distribution,
    ordered,
    page_of,
)
from iofs.genebank.errors import GenebankError
from iofs.genebank.models import Accession, Distribution, SmtaReported
from iofs.genebank.vocabulary import EASY_SMTA_TYPES
from iofs.http.paging import Page
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize

audit.audited(SmtaReported)


@dataclass(frozen=True)
class Provider:
    """The provider as Easy-SMTA knows it: its PID, name, address and country (ISO3)."""

    pid: str
    name: str
    address: str = ""
    country: str = ""

    @classmethod
    def from_settings(cls) -> Provider:
        """The provider of the gene bank's settings (``IOFS_GLIS_PID``, ``…_INSTITUTE``)."""
        from iofs.genebank.glis_settings import GlisSettings

        settings = GlisSettings()
        return cls(settings.pid, settings.institute, settings.address, settings.country)


@dataclass
class Agreement:
    """One SMTA to report: its identifier, form, date and the samples it covered."""

    identifier: str
    form: str
    concluded_on: date | None
    samples: list[tuple[Distribution, Accession]]


def _unreported_query() -> Select[Distribution]:
    """Shipped distributions under the SMTA with no report recorded (in SQL)."""
    reported = exists().where(SmtaReported.distribution_id == Distribution.id)
    return distributions_query(status="shipped").where(Distribution.mta_type == "smta", ~reported)


def unreported(session: Session, principal: Principal) -> list[Distribution]:
    """Shipped distributions under the SMTA not yet reported to Easy-SMTA, oldest first
    (every one: the Easy-SMTA report and the CLI read them all)."""
    authorize(principal, "genebank.read_internal")
    return list(session.execute(ordered(_unreported_query())).scalars())


#: Name bound into the cursors of the list of unreported SMTAs.
UNREPORTED_SCOPE = "genebank.smta-unreported"


def unreported_page(
    session: Session, principal: Principal, after: str | None, limit: int, secret: str
) -> Page[Distribution]:
    """One page of :func:`unreported` (oldest request first) after the cursor ``after``."""
    authorize(principal, "genebank.read_internal")
    return page_of(session, UNREPORTED_SCOPE, _unreported_query(), after, limit, secret)


def agreements(
    session: Session, principal: Principal, shipments: Iterable[Distribution]
) -> list[Agreement]:
    """Group shipments under the SMTA by agreement identifier (in first-shipment order)."""
    grouped: dict[str, Agreement] = {}
    for shipment in shipments:
        if shipment.mta_type != "smta" or shipment.status != "shipped":
            continue
        accession = session.get_one(Accession, shipment.accession_id)
        agreement = grouped.setdefault(
            shipment.mta_identifier,
            Agreement(shipment.mta_identifier, shipment.smta_form, shipment.mta_date, []),
        )
        agreement.samples.append((shipment, accession))
    return list(grouped.values())


def _party(
    parent: ET.Element, tag: str, kind: str, pid: str, name: str, address: str, country: str
) -> None:
    party = ET.SubElement(parent, tag)
    ET.SubElement(party, "type").text = kind
    if pid:
        ET.SubElement(party, "pid").text = pid
    ET.SubElement(party, "name").text = name
    if address:
        ET.SubElement(party, "address").text = address
    ET.SubElement(party, "country").text = country


def smta_element(
    session: Session, agreement: Agreement, provider: Provider, language: str = "en"
) -> ET.Element:
    """The ``<smta>`` element Easy-SMTA accepts for one agreement."""
    smta = ET.Element("smta")
    ET.SubElement(smta, "symbol").text = agreement.identifier
    ET.SubElement(smta, "type").text = EASY_SMTA_TYPES.get(agreement.form, "si")
    ET.SubElement(smta, "language").text = language
    if agreement.concluded_on:
        ET.SubElement(smta, "date").text = agreement.concluded_on.isoformat()
    _party(smta, "provider", "in", provider.pid, provider.name, provider.address, provider.country)
    first, _accession = agreement.samples[0]
    _party(
        smta,
        "recipient",
        "in" if first.recipient_organisation else "or",
        "",
        first.recipient_organisation or first.recipient_name,
        first.recipient_address,
        first.recipient_country,
    )
    annex = ET.SubElement(smta, "annex1")
    registered = glis.dois(session, [a.id for _d, a in agreement.samples])
    for _shipment, accession in agreement.samples:
        material = ET.SubElement(annex, "material")
        ET.SubElement(material, "crop").text = accession.cropname or accession.genus
        ET.SubElement(material, "sampleID").text = accession.accenumb
        if registered.get(accession.id):
            ET.SubElement(material, "PUD").text = registered[accession.id]
        if accession.ancest:
            ET.SubElement(material, "ancestry").text = accession.ancest
    ET.SubElement(smta, "shipName").text = provider.name
    return smta


def easy_smta_xml(
    session: Session,
    principal: Principal,
    provider: Provider,
    shipments: Iterable[Distribution] | None = None,
) -> bytes:
    """The Easy-SMTA bulk report (UTF-8 XML, ``<smtas>``) of ``shipments`` (default: those
    not yet reported)."""
    authorize(principal, "genebank.read_internal")
    chosen = unreported(session, principal) if shipments is None else list(shipments)
    root = ET.Element("smtas")
    for agreement in agreements(session, principal, chosen):
        root.append(smta_element(session, agreement, provider))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def mark_reported(session: Session, principal: Principal, distribution_ids: Iterable[int]) -> int:
    """Record that Easy-SMTA accepted the reports of these shipped SMTA distributions;
    returns how many were newly marked (marking twice changes nothing)."""
    authorize(principal, "genebank.distribute")
    already = set(session.execute(select(SmtaReported.distribution_id)).scalars())
    marked = 0
    for distribution_id in sorted(set(distribution_ids)):
        distribution = get_distribution(session, principal, distribution_id)
        if distribution.status != "shipped" or distribution.mta_type != "smta":
            raise GenebankError(
                _("Only shipped samples under the SMTA are reported."), "distribution_ids"
            )
        if distribution_id in already:
            continue
        row = SmtaReported(
            distribution_id=distribution_id, reported_at=datetime.now(UTC).replace(tzinfo=None)
        )
        session.add(row)
        session.flush()
        audit.created(session, principal, row)
        marked += 1
    return marked
