"""BrAPI v2.1 read endpoints of the gene bank under ``/brapi/v2`` (the Breeding API, the
interface GRIN-Global, Germinate, BMS and breeding tools speak; https://brapi.org,
specification v2.1, modules BrAPI-Core and BrAPI-Germplasm).

Every answer is the BrAPI envelope ``{"@context", "metadata": {"datafiles", "status",
"pagination": {"currentPage", "pageSize", "totalCount", "totalPages"}}, "result"}``; lists
are ``result.data`` with zero-based ``page`` and ``pageSize`` (default 1000). Identifiers
(``…DbId``) are this database's ids as strings. The public sees available accessions (and
their lots' and traits' data); internal readers see everything.

Mapping (MCPD V.2.1 → BrAPI): ``germplasm`` from the passport and the GLIS DOI
(``germplasmPUI``: the DOI, else PUID); ``germplasm/{id}/mcpd`` one descriptor each;
``seedlots`` from lots (seeds as the unit), ``seedlots/transactions`` from shipped
distributions (out of the lot); ``attributes`` from trait definitions and
``attributevalues`` from observations.
"""

from __future__ import annotations

import gc
import math
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from iofs.genebank import glis, trait_index, traits
from iofs.genebank.accessions import get_accession
from iofs.genebank.errors import UnknownRecord
from iofs.genebank.models import Accession, Distribution, GlisRegistration, Lot, Trait
from iofs.genebank.search import SearchQuery, equalities, row_conditions, search
from iofs.genebank.vocabulary import STORAGE_LABELS
from iofs.http.deps import db_session
from iofs.http.security import current_principal
from iofs.permissions import Principal, allows

router = APIRouter(prefix="/brapi/v2", tags=["BrAPI v2"])


class JSONResponse(Response):
    """JSON written by orjson (a page of 1,000 germplasm in a few milliseconds; the
    standard library takes ten times longer)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


BRAPI_VERSION = "2.1"
Page = Annotated[int, Query(ge=0, le=10_000_000, description="Zero-based page number.")]
PageSize = Annotated[
    int,
    Query(ge=1, le=1000, alias="pageSize", description="Records per page (BrAPI default 1000)."),
]
Filter = Annotated[str, Query(max_length=128)]
IdText = Annotated[str, Path(max_length=16)]
CALLS = (
    "serverinfo",
    "germplasm",
    "germplasm/{germplasmDbId}",
    "germplasm/{germplasmDbId}/mcpd",
    "seedlots",
    "seedlots/{seedLotDbId}",
    "seedlots/transactions",
    "attributes",
    "attributevalues",
)
SCALE_TYPES = {"numeric": "Numerical", "ordinal": "Ordinal", "nominal": "Nominal"}


def compact(value: Any) -> Any:
    """``value`` without the ``None`` entries of its objects (BrAPI leaves unknown fields
    out rather than null), recursively."""
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def envelope(
    result: dict[str, Any],
    page: int = 0,
    page_size: int = 1,
    total: int | None = None,
    compacted: bool = False,
) -> dict[str, Any]:
    """The BrAPI response envelope around ``result`` (``None`` fields left out, unless
    ``compacted`` says they already are); ``total`` given for paged lists."""
    result = result if compacted else compact(result)
    count = 1 if total is None else total
    return {
        "@context": ["https://brapi.org/jsonld/context/metadata.jsonld"],
        "metadata": {
            "datafiles": [],
            "status": [],
            "pagination": {
                "currentPage": page,
                "pageSize": page_size,
                "totalCount": count,
                "totalPages": math.ceil(count / page_size),
            },
        },
        "result": result,
    }


def _page(
    data: list[dict[str, Any]], page: int, page_size: int, total: int, compacted: bool = False
) -> JSONResponse:
    return JSONResponse(envelope({"data": data}, page, page_size, total, compacted))


def _not_found(message: str) -> JSONResponse:
    return JSONResponse(
        {
            "metadata": {"datafiles": [], "status": [{"message": message, "messageType": "ERROR"}]},
            "result": None,
        },
        status_code=404,
    )


@router.get("/serverinfo", summary="BrAPI calls this server implements")
def serverinfo() -> JSONResponse:
    return JSONResponse(
        envelope(
            {
                "calls": [
                    {
                        "service": call,
                        "methods": ["GET"],
                        "versions": [BRAPI_VERSION],
                        "contentTypes": ["application/json"],
                        "dataTypes": ["application/json"],
                    }
                    for call in CALLS
                ],
                "organizationName": "Islamic Organization for Food Security",
                "serverName": "iofs gene bank",
                "serverDescription": "Passport data (MCPD V.2.1), seed lots and traits of the IOFS "
                "gene bank",
                "documentationURL": "https://brapi.org/specification",
            }
        )
    )


def _date(mcpd_date: str) -> str | None:
    """An MCPD ``YYYYMMDD`` as an ISO date, only when complete."""
    if len(mcpd_date) == 8 and mcpd_date.isdigit():
        return f"{mcpd_date[:4]}-{mcpd_date[4:6]}-{mcpd_date[6:]}"
    return None


def _storage_codes(accession: Accession | Any) -> list[str]:
    return [c for c in accession.storage.split(";") if c in STORAGE_LABELS]


def pui(accession: Accession | Any, doi: str) -> str:
    """The accession's permanent unique identifier: its GLIS DOI, else its MCPD PUID, else
    ``INSTCODE:ACCENUMB`` (unique across gene banks by the MCPD's own rule)."""
    return doi or accession.puid or f"{accession.instcode}:{accession.accenumb}"


def germplasm_record(accession: Accession | Any, doi: str) -> dict[str, Any]:
    """A BrAPI ``Germplasm`` of an accession, without ``None`` fields (BrAPI requires a
    crop: the genus when CROPNAME is empty). Built key by key, only with the values present:
    a page holds a thousand of them."""
    a = accession
    names = [n for n in a.accename.split(";") if n] if a.accename else []
    name = names[0] if names else a.accenumb
    record: dict[str, Any] = {"germplasmDbId": str(a.id), "accessionNumber": a.accenumb}
    acquired = _date(a.acqdate)
    if acquired:
        record["acquisitionDate"] = acquired
    if a.sampstat:
        record["biologicalStatusOfAccessionCode"] = a.sampstat
    record["commonCropName"] = a.cropname or a.genus
    if a.origcty:
        record["countryOfOriginCode"] = a.origcty
    record["defaultDisplayName"] = name
    record["genus"] = a.genus
    for key, value in (
        ("species", a.species),
        ("speciesAuthority", a.spauthor),
        ("subtaxa", a.subtaxa),
        ("subtaxaAuthority", a.subtauthor),
    ):
        if value:
            record[key] = value
    record["germplasmName"] = name
    record["germplasmPUI"] = pui(a, doi)
    record["instituteCode"] = a.instcode
    if a.ancest:
        record["pedigree"] = a.ancest
    origin = []
    if a.lat is not None and a.lon is not None:
        site: dict[str, Any] = {
            "coordinates": {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [a.lon, a.lat]},
            }
        }
        if a.coorduncert:
            site["coordinateUncertainty"] = a.coorduncert
        origin.append(site)
    record["germplasmOrigin"] = origin
    record["storageTypes"] = [
        {"code": c, "description": STORAGE_LABELS[c]} for c in _storage_codes(a)
    ]
    record["synonyms"] = [{"synonym": n, "type": "accession name"} for n in names[1:]]
    record["donors"] = (
        [{"donorAccessionNumber": a.donornumb, "donorInstituteCode": a.donorcode}]
        if a.donorcode or a.donornumb
        else []
    )
    if a.acceurl:
        record["documentationURL"] = a.acceurl
    record["externalReferences"] = [{"referenceId": doi, "referenceSource": "GLIS"}] if doi else []
    return record


def mcpd_record(accession: Accession, doi: str) -> dict[str, Any]:
    """A BrAPI ``GermplasmMCPD`` of an accession (MCPD V.2.1 descriptors)."""
    site = {
        "coordinateUncertainty": accession.coorduncert or None,
        "elevation": accession.elevation or None,
        "georeferencingMethod": accession.georefmeth or None,
        "latitudeDecimal": accession.declatitude or None,
        "latitudeDegrees": accession.latitude or None,
        "locationDescription": accession.collsite or None,
        "longitudeDecimal": accession.declongitude or None,
        "longitudeDegrees": accession.longitude or None,
        "spatialReferenceSystem": accession.coorddatum or None,
    }
    codes = accession.collcode.split(";") if accession.collcode else []
    return {
        "germplasmDbId": str(accession.id),
        "germplasmPUI": pui(accession, doi),
        "accessionNumber": accession.accenumb,
        "accessionNames": [n for n in accession.accename.split(";") if n],
        "acquisitionDate": _date(accession.acqdate),
        "acquisitionSourceCode": accession.collsrc or None,
        "alternateIDs": [n for n in accession.othernumb.split(";") if n],
        "ancestralData": accession.ancest or None,
        "biologicalStatusOfAccessionCode": accession.sampstat or None,
        "breedingInstitutes": [
            {"instituteCode": c, "instituteName": accession.bredname}
            for c in accession.bredcode.split(";")
            if c
        ],
        "collectingInfo": {
            "collectingDate": _date(accession.colldate),
            "collectingInstitutes": [
                {
                    "instituteCode": c,
                    "instituteName": accession.collname,
                    "instituteAddress": accession.collinstaddress,
                }
                for c in codes
            ],
            "collectingMissionIdentifier": accession.collmissid or None,
            "collectingNumber": accession.collnumb or None,
            "collectingSite": site,
        },
        "commonCropName": accession.cropname or None,
        "countryOfOrigin": accession.origcty or None,
        "donorInfo": {
            "donorAccessionNumber": accession.donornumb or None,
            "donorInstitute": {
                "instituteCode": accession.donorcode or None,
                "instituteName": accession.donorname or None,
            },
        },
        "genus": accession.genus,
        "instituteCode": accession.instcode,
        "mlsStatus": accession.mlsstat if accession.mlsstat in {"0", "1"} else None,
        "remarks": accession.remarks or None,
        "safetyDuplicateInstitutes": [
            {"instituteCode": c, "instituteName": accession.duplinstname}
            for c in accession.duplsite.split(";")
            if c
        ],
        "species": accession.species or None,
        "speciesAuthority": accession.spauthor or None,
        "storageTypeCodes": _storage_codes(accession),
        "subtaxon": accession.subtaxa or None,
        "subtaxonAuthority": accession.subtauthor or None,
    }


#: The accession columns a ``Germplasm`` record reads (selected as plain rows).
GERMPLASM_COLUMNS = (
    "id",
    "instcode",
    "accenumb",
    "puid",
    "accename",
    "acqdate",
    "sampstat",
    "cropname",
    "genus",
    "species",
    "spauthor",
    "subtaxa",
    "subtauthor",
    "origcty",
    "ancest",
    "storage",
    "donorcode",
    "donornumb",
    "acceurl",
    "lat",
    "lon",
    "coorduncert",
)
#: A page's row as a plain named tuple: attribute reads cost a quarter of a result row's.
GermplasmRow = namedtuple("GermplasmRow", [*GERMPLASM_COLUMNS, "doi"])  # type: ignore[misc]


def germplasm_page(
    session: Session,
    principal: Principal,
    page: int,
    page_size: int,
    accession_number: str = "",
    crop: str = "",
    genus: str = "",
) -> tuple[int, list[dict[str, Any]]]:
    """(total, ``Germplasm`` records of one page) in id order. Without filters the page's
    ids come from the accession ids the trait index holds (all, or the available ones for the
    public): the page is one range of the primary key, the total their number. With
    filters the page's first id is found on the (available, id) or primary key index alone,
    then the page is read from there by key, and the total comes from the search counts (a
    few thousand summary rows) or, by accession number, from the rows themselves. Each
    accession comes with its GLIS DOI (outer join)."""
    where = equalities(principal, SearchQuery(crop=crop, genus=genus))
    conditions = row_conditions(where)
    columns = [getattr(Accession, name) for name in GERMPLASM_COLUMNS]
    query = select(*columns, GlisRegistration.doi).outerjoin(
        GlisRegistration, GlisRegistration.accession_id == Accession.id
    )
    if not accession_number and set(where) <= {"available"}:
        ids = trait_index.CACHE.accession_ids(session, where.get("available"))
        chosen = ids[page * page_size : (page + 1) * page_size]
        if not chosen.size:
            return int(ids.size), []
        rows = session.execute(
            query.where(
                *conditions,
                Accession.id >= int(chosen[0]),
                Accession.id <= int(chosen[-1]),
            ).order_by(Accession.id)
        ).all()
        return int(ids.size), _records(rows)
    if accession_number:
        conditions.append(Accession.accenumb == accession_number)
    # Ordered as the (available, id) index is, so the skip is an index-only scan.
    key = [Accession.available, Accession.id] if "available" in where else [Accession.id]
    start = (
        select(Accession.id)
        .where(*conditions)
        .order_by(*key)
        .limit(1)
        .offset(page * page_size)
        .scalar_subquery()
    )
    rows = session.execute(
        query.where(*conditions, Accession.id >= start).order_by(Accession.id).limit(page_size)
    ).all()
    if accession_number:
        total = int(
            session.execute(
                select(func.count()).select_from(Accession).where(*conditions)
            ).scalar_one()
        )
    else:
        total = search(
            session,
            principal,
            SearchQuery(crop=crop, genus=genus, limit=1),
            facets=False,
            page=False,
        ).total
    return total, _records(rows)


def _records(rows: Sequence[Any]) -> list[dict[str, Any]]:
    plain: list[Any] = [GermplasmRow._make(row) for row in rows]
    return [germplasm_record(row, row.doi or "") for row in plain]


@router.get("/germplasm", summary="Germplasm (accessions), paged")
def germplasm(
    page: Page = 0,
    page_size: PageSize = 1000,
    germplasmDbId: Filter = "",
    accessionNumber: Filter = "",
    commonCropName: Filter = "",
    genus: Filter = "",
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> JSONResponse:
    """``Germplasm`` records by id order; filters: id, accession number, crop, genus."""
    if germplasmDbId:
        accession = _accession_or_none(session, principal, germplasmDbId)
        data = (
            []
            if accession is None
            else [germplasm_record(accession, glis.doi_of(session, accession.id))]
        )
        return _page(data, page, page_size, len(data), compacted=True)
    with collector_paused():
        total, data = germplasm_page(
            session, principal, page, page_size, accessionNumber, commonCropName, genus
        )
        return _page(data, page, page_size, total, compacted=True)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a page of records is built and written (then
    restored as it was). A page allocates some 12,000 dicts and lists, none in a cycle
    (reference counting frees them); left running, the collector walks every object of the
    process every few pages, which made one page in twenty take 300–400 ms instead of 30
    (measured at load 8–10: p95 398–422 ms with it, 58 ms paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _accession_or_none(session: Session, principal: Principal, text: str) -> Accession | None:
    if not text.isdigit() or len(text) > 9:
        return None
    try:
        return get_accession(session, principal, int(text))
    except UnknownRecord:
        return None


@router.get("/germplasm/{germplasmDbId}", summary="One germplasm")
def germplasm_one(
    germplasmDbId: IdText,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> JSONResponse:
    accession = _accession_or_none(session, principal, germplasmDbId)
    if accession is None:
        return _not_found("germplasm not found")
    return JSONResponse(envelope(germplasm_record(accession, glis.doi_of(session, accession.id))))


@router.get("/germplasm/{germplasmDbId}/mcpd", summary="One germplasm's MCPD passport")
def germplasm_mcpd(
    germplasmDbId: IdText,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> JSONResponse:
    accession = _accession_or_none(session, principal, germplasmDbId)
    if accession is None:
        return _not_found("germplasm not found")
    return JSONResponse(envelope(mcpd_record(accession, glis.doi_of(session, accession.id))))


def _visible(principal: Principal, query: Any) -> Any:
    if allows(principal, "genebank.read_internal"):
        return query
    return query.where(Accession.available.is_(True))


def _paged(
    session: Session,
    query: Any,
    page: int,
    page_size: int,
    convert: Callable[[Any], dict[str, Any]],
) -> JSONResponse:
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows: Sequence[Any] = session.execute(query.limit(page_size).offset(page * page_size)).all()
    return _page([convert(r) for r in rows], page, page_size, int(total))


def seed_lot_record(lot: Lot, accession: Accession) -> dict[str, Any]:
    """A BrAPI ``SeedLot`` of a lot (amount in seeds)."""
    return {
        "seedLotDbId": str(lot.id),
        "seedLotName": f"{accession.accenumb} {lot.lot_number}",
        "amount": lot.seed_count,
        "units": "seeds",
        "createdDate": f"{lot.stored_on.isoformat()}T00:00:00Z",
        "storageLocation": " / ".join(p for p in (lot.room, lot.freezer, lot.shelf, lot.box) if p)
        or None,
        "sourceCollection": lot.collection,
        "contentMixture": [
            {
                "germplasmDbId": str(accession.id),
                "germplasmName": accession.accenumb,
                "mixturePercentage": 100,
            }
        ],
        "additionalInfo": {
            "storageTemperatureC": str(lot.storage_temperature_c),
            "moistureContentPct": str(lot.moisture_content_pct),
        },
    }


@router.get("/seedlots", summary="Seed lots, paged")
def seedlots(
    page: Page = 0,
    page_size: PageSize = 1000,
    germplasmDbId: Filter = "",
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> JSONResponse:
    query = _visible(
        principal, select(Lot, Accession).join(Accession, Accession.id == Lot.accession_id)
    ).order_by(Lot.id)
    if germplasmDbId:
        query = query.where(
            Lot.accession_id == (int(germplasmDbId) if germplasmDbId.isdigit() else -1)
        )
    return _paged(session, query, page, page_size, lambda r: seed_lot_record(r[0], r[1]))


def transaction_record(shipment: Distribution) -> dict[str, Any]:
    """A BrAPI ``SeedLotTransaction`` of a shipment: seeds out of the lot to the recipient."""
    day = shipment.shipped_on.isoformat() if shipment.shipped_on else ""
    return {
        "transactionDbId": str(shipment.id),
        "amount": shipment.seeds,
        "units": "seeds",
        "fromSeedLotDbId": str(shipment.lot_id),
        "transactionDescription": f"Shipped to {shipment.recipient_country} under "
        f"{shipment.mta_type.upper()} {shipment.mta_identifier}",
        "transactionTimestamp": f"{day}T00:00:00Z" if day else None,
    }


@router.get("/seedlots/transactions", summary="Seed lot transactions (shipments), paged")
def seedlot_transactions(
    page: Page = 0,
    page_size: PageSize = 1000,
    seedLotDbId: Filter = "",
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> JSONResponse:
    """Shipments out of lots; internal readers only (recipients are not public)."""
    query = select(Distribution).where(Distribution.status == "shipped").order_by(Distribution.id)
    if not allows(principal, "genebank.read_internal"):
        query = query.where(Distribution.id < 0)
    if seedLotDbId:
        query = query.where(
            Distribution.lot_id == (int(seedLotDbId) if seedLotDbId.isdigit() else -1)
        )
    return _paged(session, query, page, page_size, lambda r: transaction_record(r[0]))


@router.get("/seedlots/{seedLotDbId}", summary="One seed lot")
def seedlot_one(
    seedLotDbId: IdText,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> JSONResponse:
    lot = (
        session.get(Lot, int(seedLotDbId))
        if seedLotDbId.isdigit() and len(seedLotDbId) < 10
        else None
    )
    accession = _accession_or_none(session, principal, str(lot.accession_id)) if lot else None
    if lot is None or accession is None:
        return _not_found("seed lot not found")
    return JSONResponse(envelope(seed_lot_record(lot, accession)))


def attribute_record(trait: Trait) -> dict[str, Any]:
    """A BrAPI ``GermplasmAttribute`` of a trait definition."""
    categories = [
        {"value": code, "label": label} for code, label in traits.categories_of(trait).items()
    ]
    valid: dict[str, Any] = {"categories": categories}
    if trait.minimum is not None:
        valid["min"] = int(trait.minimum) if trait.minimum.is_integer() else None
    if trait.maximum is not None:
        valid["max"] = int(trait.maximum) if trait.maximum.is_integer() else None
    return {
        "attributeDbId": str(trait.id),
        "attributeName": trait.name,
        "attributePUI": None,
        "commonCropName": trait.crop or None,
        "attributeCategory": None,
        # One method, scale and trait per trait definition here: their ids are its own.
        "method": {
            "methodDbId": str(trait.id),
            "methodName": trait.method or trait.name,
            "description": trait.method,
        },
        "scale": {
            "scaleDbId": str(trait.id),
            "scaleName": trait.unit or SCALE_TYPES[trait.scale],
            "dataType": SCALE_TYPES[trait.scale],
            "validValues": {k: v for k, v in valid.items() if v is not None},
        },
        "trait": {
            "traitDbId": str(trait.id),
            "traitName": trait.name,
            "traitDescription": trait.code,
        },
        "additionalInfo": {"code": trait.code, "unit": trait.unit},
    }


@router.get("/attributes", summary="Germplasm attributes (trait definitions), paged")
def attributes(
    page: Page = 0,
    page_size: PageSize = 1000,
    commonCropName: Filter = "",
    session: Session = Depends(db_session),
) -> JSONResponse:
    query = select(Trait).order_by(Trait.id)
    if commonCropName:
        query = query.where(Trait.crop == commonCropName)
    return _paged(session, query, page, page_size, lambda r: attribute_record(r[0]))


@router.get("/attributevalues", summary="Germplasm attribute values (observations), paged")
def attributevalues(
    page: Page = 0,
    page_size: PageSize = 1000,
    germplasmDbId: Filter = "",
    attributeDbId: Filter = "",
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> JSONResponse:
    def ids(text: str) -> list[int] | None:
        return None if not text else [int(text)] if text.isdigit() and len(text) < 10 else []

    total, rows = traits.observations_of(
        session,
        trait_ids=ids(attributeDbId),
        accession_ids=ids(germplasmDbId),
        limit=page_size,
        offset=page * page_size,
        available_only=not allows(principal, "genebank.read_internal"),
    )
    data = [
        {
            "attributeValueDbId": str(o.id),
            "attributeDbId": str(t.id),
            "attributeName": t.name,
            "germplasmDbId": str(a.id),
            "germplasmName": a.accenumb,
            "value": o.value_code if t.scale == "nominal" else f"{o.value_number:g}",
            "determinedDate": f"{o.observed_on.isoformat()}T00:00:00Z" if o.observed_on else None,
            "additionalInfo": {
                k: v
                for k, v in (
                    ("site", o.site),
                    ("environment", o.environment),
                    ("observer", o.observer),
                )
                if v
            },
        }
        for o, t, a in rows
    ]
    return _page(data, page, page_size, total)
