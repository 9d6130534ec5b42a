"""Passport exports: MCPD V.2.1 CSV and XLSX, Genesys accession JSON and the FAO WIEWS /
SDG 2.5.1.a counts. The public exports available accessions only.

CSV and XLSX go through the shared export writer (:mod:`iofs.spreadsheets`): text that a
spreadsheet would run as a formula is neutralised (CSV) or stored as text (XLSX). Genesys JSON
is not opened by spreadsheets and is written as it is."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.genebank import mcpd
from iofs.genebank.accessions import mcpd_values
from iofs.genebank.models import Accession
from iofs.genebank.vocabulary import STORAGE_LABELS
from iofs.permissions import Principal, allows
from iofs.spreadsheets import records_xlsx

#: Fields of a WIEWS count row, in the order the CSV export writes them.
WIEWS_COLUMNS = ["instcode", "storage", "storage_label", "accessions", "genera", "species"]


def _accessions(session: Session, principal: Principal) -> Iterator[Accession]:
    query = select(Accession).order_by(Accession.id)
    if not allows(principal, "genebank.read_internal"):
        query = query.where(Accession.available.is_(True))
    yield from session.execute(query.execution_options(yield_per=5000)).scalars()


def export_mcpd(session: Session, principal: Principal, out: io.TextIOBase | io.StringIO) -> int:
    """Write MCPD CSV of the accessions the principal may see, in import order."""
    return mcpd.write_mcpd((mcpd_values(a) for a in _accessions(session, principal)), out)


def export_mcpd_xlsx(session: Session, principal: Principal) -> bytes:
    """The accessions the principal may see as an MCPD workbook (one sheet, ``MCPD``, the
    standard's columns): every value stored as text, never as a formula
    (:func:`iofs.spreadsheets.records_xlsx`); it imports back unchanged."""
    return records_xlsx(
        (mcpd_values(a) for a in _accessions(session, principal)), mcpd.MCPD_COLUMNS, "MCPD"
    )


def _split(value: str) -> list[str]:
    return [v for v in value.split(";") if v]


def genesys_record(accession: Accession) -> dict[str, Any]:
    """One accession in the Genesys accession JSON layout (camel-case MCPD names)."""

    def number(text: str) -> float | None:
        return float(text) if text else None

    return {
        "doi": accession.puid or None,
        "instituteCode": accession.instcode,
        "accessionNumber": accession.accenumb,
        "taxonomy": {
            "genus": accession.genus,
            "species": accession.species or None,
            "spAuthor": accession.spauthor or None,
            "subtaxa": accession.subtaxa or None,
            "subtAuthor": accession.subtauthor or None,
        },
        "cropName": accession.cropname or None,
        "accessionName": accession.accename or None,
        "acquisitionDate": accession.acqdate or None,
        "origCty": accession.origcty or None,
        "sampStat": int(accession.sampstat) if accession.sampstat else None,
        "ancest": accession.ancest or None,
        "mlsStatus": {"1": True, "0": False}.get(accession.mlsstat),
        "available": accession.available,
        "storage": [int(s) for s in _split(accession.storage)],
        "duplSite": _split(accession.duplsite),
        "coll": {
            "collNumb": accession.collnumb or None,
            "collCode": _split(accession.collcode),
            "collName": _split(accession.collname),
            "collMissId": accession.collmissid or None,
            "collSite": accession.collsite or None,
            "collDate": accession.colldate or None,
            "collSrc": int(accession.collsrc) if accession.collsrc else None,
        },
        "geo": {
            "latitude": accession.lat,
            "longitude": accession.lon,
            "elevation": number(accession.elevation),
            "coordinateUncertainty": number(accession.coorduncert),
            "coordinateDatum": accession.coorddatum or None,
            "georeferenceMethod": accession.georefmeth or None,
        },
        "breeding": {
            "breederCode": _split(accession.bredcode),
            "breederName": _split(accession.bredname),
        },
        "donorCode": accession.donorcode or None,
        "donorName": accession.donorname or None,
        "donorNumb": accession.donornumb or None,
        "otherNumb": _split(accession.othernumb),
        "remarks": _split(accession.remarks),
        "acceUrl": accession.acceurl or None,
    }


def export_genesys_json(
    session: Session, principal: Principal, out: io.TextIOBase | io.StringIO
) -> int:
    """Write a JSON array of Genesys accession records."""
    out.write("[")
    count = 0
    for accession in _accessions(session, principal):
        out.write(
            ("," if count else "")
            + "\n"
            + json.dumps(genesys_record(accession), ensure_ascii=False)
        )
        count += 1
    out.write("\n]\n")
    return count


def wiews_counts(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """SDG indicator 2.5.1.a / FAO WIEWS reporting: accessions, genera and species per holding
    institute and MCPD storage type (an accession in two storage types counts in both;
    ``none`` when STORAGE is empty). Medium- and long-term seed storage (12, 13) is what
    SDG 2.5.1.a counts as secured."""
    accessions: Counter[tuple[str, str]] = Counter()
    genera: dict[tuple[str, str], set[str]] = {}
    taxa: dict[tuple[str, str], set[str]] = {}
    query = select(Accession.instcode, Accession.storage, Accession.genus, Accession.species)
    if not allows(principal, "genebank.read_internal"):
        query = query.where(Accession.available.is_(True))
    for instcode, storage, genus, species in session.execute(query):
        for code in _split(storage) or ["none"]:
            key = (instcode, code)
            accessions[key] += 1
            genera.setdefault(key, set()).add(genus)
            taxa.setdefault(key, set()).add(f"{genus} {species}".strip())
    return [
        {
            "instcode": k[0],
            "storage": k[1],
            "storage_label": STORAGE_LABELS.get(k[1], ""),
            "accessions": n,
            "genera": len(genera[k]),
            "species": len(taxa[k]),
        }
        for k, n in sorted(accessions.items())
    ]
