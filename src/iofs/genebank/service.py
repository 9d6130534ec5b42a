"""Gene bank services: passport import/export, lots, duplicates, germination tests,
viability predictions, the regeneration queue, distributions under the SMTA and search.

Every write checks a ``genebank.*`` permission and writes the audit log in the same
transaction. Standards: MCPD V.2.1 (:mod:`iofs.genebank.mcpd`), FAO Genebank Standards (2014)
and Ellis & Roberts (1980) (:mod:`iofs.genebank.viability`), the ITPGRFA Standard Material
Transfer Agreement (SMTA, 2006) for distribution records.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from iofs.accounts.permissions import ANY, Principal, allows, authorize, declare
from iofs.accounts.roles import Role
from iofs.audit import service as audit
from iofs.audit.models import AuditEntry
from iofs.errors import InputError, NotFoundError
from iofs.genebank import mcpd, viability
from iofs.genebank.models import (
    Accession,
    Distribution,
    GerminationTest,
    Lot,
    SafetyDuplicate,
    SpeciesConstants,
)
from iofs.web.i18n import gettext as _

PERMISSIONS = declare("genebank", {
    "read_internal": ("See lots, tests, distributions, the regeneration queue and "
                      "accessions not available to the public", {
                          Role.GENEBANK_CURATOR: ANY, Role.SECRETARIAT: ANY,
                          Role.VIEWER: ANY}),
    "passport.write": ("Import and edit passport data (MCPD) and availability",
                       {Role.GENEBANK_CURATOR: ANY}),
    "collection.write": ("Record seed lots, safety duplicates and germination tests",
                         {Role.GENEBANK_CURATOR: ANY}),
    "distribute": ("Record distributions of samples under the SMTA",
                   {Role.GENEBANK_CURATOR: ANY}),
})
for _model in (Accession, Lot, SafetyDuplicate, GerminationTest, Distribution):
    audit.audited(_model)

FIELD_OF = {code: code.lower() for code in mcpd.MCPD_COLUMNS}
COLLECTIONS = ("base", "active")
ORIGINS = ("acquisition", "harvest", "regeneration")
PURPOSES = ("research", "breeding", "training", "conservation")
MTA_TYPES = ("smta", "own")
#: FAO Genebank Standards 4.1: the reference sample kept of each accession (seeds).
REFERENCE_SAMPLE_SEEDS = 50
#: Default viable seeds per distributed sample (FAO Genebank Standards 4.9: 30–50).
DEFAULT_VIABLE_SEEDS = 50
CHUNK = 2000


class GenebankError(InputError):
    """Invalid gene bank input; names the field."""


class UnknownRecord(GenebankError, NotFoundError):
    """No such accession, lot or test."""


# --- passport import -----------------------------------------------------------------------

@dataclass
class ImportResult:
    """What an import did: counts, and the rows left out (with ``--reject-file``)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[mcpd.PassportRow] = field(default_factory=list)
    warnings: int = 0


class ImportRejected(GenebankError):
    """The file has errors and the import is all-or-nothing: nothing was written."""

    def __init__(self, report: mcpd.ValidationReport) -> None:
        super().__init__(_("%(rows)d rows have errors; nothing was imported.") % {
            "rows": len(report.invalid)}, "file")
        self.report = report


def _row_values(row: mcpd.PassportRow) -> dict[str, Any]:
    values: dict[str, Any] = {FIELD_OF[c]: row.values[c] for c in mcpd.MCPD_COLUMNS}
    values.update(taxon=mcpd.taxon_name(row.values), lat=row.lat, lon=row.lon,
                  available=row.available)
    return values


def _audit_many(session: Session, principal: Principal, table: str,
                records: Sequence[dict[str, Any]]) -> None:
    """Audit the creation of many rows at once (see :func:`iofs.audit.service.created_many`)."""
    audit.created_many(session, principal, table, records)


def import_passport(session: Session, principal: Principal, report: mcpd.ValidationReport,
                    *, partial: bool = False,
                    progress: Callable[[int], None] | None = None) -> ImportResult:
    """Write validated passport rows: new accessions inserted, changed ones updated,
    identical ones left alone (so re-importing a file changes nothing).

    Without ``partial`` any row with an error rejects the whole file (nothing is written);
    with it, the valid rows are imported and the others returned in ``rejected``.
    """
    authorize(principal, "genebank.passport.write")
    if report.error_count and not partial:
        raise ImportRejected(report)
    result = ImportResult(rejected=report.invalid, warnings=report.warning_count)
    valid = report.valid
    instcodes = sorted({r.values["INSTCODE"] for r in valid})
    columns = [getattr(Accession, name) for name in (
        "id", *FIELD_OF.values(), "taxon", "lat", "lon", "available")]
    existing: dict[tuple[str, str], Any] = {}
    for start in range(0, len(instcodes), 500):
        for found in session.execute(select(*columns).where(
                Accession.instcode.in_(instcodes[start:start + 500]))):
            existing[(found.instcode, found.accenumb)] = found
    pending: list[dict[str, Any]] = []

    def flush_pending() -> None:
        if not pending:
            return
        ids = session.execute(insert(Accession).returning(Accession.id,
                                                          sort_by_parameter_order=True),
                              pending).scalars().all()
        _audit_many(session, principal, Accession.__tablename__,
                    [{"id": new_id, **values} for new_id, values in zip(ids, pending,
                                                                         strict=True)])
        result.inserted += len(pending)
        if progress:
            progress(len(pending))
        pending.clear()

    for row in valid:
        values = _row_values(row)
        known = existing.get(row.key)
        if known is None:
            pending.append(values)
            if len(pending) >= CHUNK:
                flush_pending()
            continue
        if all(getattr(known, name) == value for name, value in values.items()):
            result.unchanged += 1
        else:
            accession = session.get_one(Accession, known.id)
            before = audit.snapshot(accession)
            for name, value in values.items():
                setattr(accession, name, value)
            audit.updated(session, principal, accession, before)
            result.updated += 1
        if progress:
            progress(1)
    flush_pending()
    return result


def write_rejects(rows: Iterable[mcpd.PassportRow], header: list[str],
                  out: io.TextIOBase | io.StringIO) -> int:
    """Write rejected rows with their original values plus ``LINE`` and ``ERRORS``."""
    writer = csv.writer(out, lineterminator="\n")
    columns = [*mcpd.MCPD_COLUMNS, mcpd.AVAILABLE]
    writer.writerow(["LINE", *columns, "ERRORS"])
    count = 0
    for row in rows:
        reasons = "; ".join(f"{i.column}: {i.reason}" for i in row.issues
                            if i.severity == "error")
        writer.writerow([row.line, *(row.raw.get(c, "") for c in columns), reasons])
        count += 1
    return count


# --- export -------------------------------------------------------------------------------

def _accessions(session: Session, principal: Principal) -> Iterator[Accession]:
    query = select(Accession).order_by(Accession.id)
    if not allows(principal, "genebank.read_internal"):
        query = query.where(Accession.available.is_(True))
    yield from session.execute(query.execution_options(yield_per=5000)).scalars()


def mcpd_values(accession: Accession) -> dict[str, str]:
    """The accession's MCPD descriptors (code -> text)."""
    return {code: getattr(accession, name) for code, name in FIELD_OF.items()}


def export_mcpd(session: Session, principal: Principal, out: io.TextIOBase | io.StringIO
                ) -> int:
    """Write MCPD CSV of the accessions the principal may see, in import order."""
    return mcpd.write_mcpd((mcpd_values(a) for a in _accessions(session, principal)), out)


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
        "taxonomy": {"genus": accession.genus, "species": accession.species or None,
                     "spAuthor": accession.spauthor or None,
                     "subtaxa": accession.subtaxa or None,
                     "subtAuthor": accession.subtauthor or None},
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
        "coll": {"collNumb": accession.collnumb or None,
                 "collCode": _split(accession.collcode), "collName": _split(
                     accession.collname),
                 "collMissId": accession.collmissid or None,
                 "collSite": accession.collsite or None,
                 "collDate": accession.colldate or None,
                 "collSrc": int(accession.collsrc) if accession.collsrc else None},
        "geo": {"latitude": accession.lat, "longitude": accession.lon,
                "elevation": number(accession.elevation),
                "coordinateUncertainty": number(accession.coorduncert),
                "coordinateDatum": accession.coorddatum or None,
                "georeferenceMethod": accession.georefmeth or None},
        "breeding": {"breederCode": _split(accession.bredcode),
                     "breederName": _split(accession.bredname)},
        "donorCode": accession.donorcode or None,
        "donorName": accession.donorname or None,
        "donorNumb": accession.donornumb or None,
        "otherNumb": _split(accession.othernumb),
        "remarks": _split(accession.remarks),
        "acceUrl": accession.acceurl or None,
    }


def export_genesys_json(session: Session, principal: Principal,
                        out: io.TextIOBase | io.StringIO) -> int:
    """Write a JSON array of Genesys accession records."""
    out.write("[")
    count = 0
    for accession in _accessions(session, principal):
        out.write(("," if count else "") + "\n" + json.dumps(genesys_record(accession),
                                                             ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count


STORAGE_LABELS = {"10": "Seed collection", "11": "Short term", "12": "Medium term",
                  "13": "Long term", "20": "Field collection", "30": "In vitro collection",
                  "40": "Cryopreserved collection", "50": "DNA collection", "99": "Other"}


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
    return [{"instcode": k[0], "storage": k[1], "storage_label": STORAGE_LABELS.get(k[1], ""),
             "accessions": n, "genera": len(genera[k]), "species": len(taxa[k])}
            for k, n in sorted(accessions.items())]


# --- accessions ---------------------------------------------------------------------------

def get_accession(session: Session, principal: Principal, accession_id: int) -> Accession:
    """An accession; the public sees only available ones (others are 'not found')."""
    accession = session.get(Accession, accession_id)
    if accession is None or (not accession.available
                             and not allows(principal, "genebank.read_internal")):
        raise UnknownRecord(_("No such accession."), "accession_id")
    return accession


def set_available(session: Session, principal: Principal, accession_id: int,
                  available: bool) -> Accession:
    """Mark an accession available for distribution (and visible to the public) or not."""
    authorize(principal, "genebank.passport.write")
    accession = get_accession(session, principal, accession_id)
    before = audit.snapshot(accession)
    accession.available = available
    audit.updated(session, principal, accession, before)
    return accession


@dataclass(frozen=True)
class SearchQuery:
    """Search filters; empty means 'any'."""

    text: str = ""
    genus: str = ""
    crop: str = ""
    country: str = ""
    sampstat: str = ""
    available: bool | None = None
    with_coordinates: bool = False
    limit: int = 50
    offset: int = 0


@dataclass
class SearchResult:
    """A page of accessions, the total and facet counts (value -> accessions)."""

    total: int
    accessions: list[Accession]
    facets: dict[str, list[tuple[str, int]]]


FACETS = {"genus": Accession.genus, "crop": Accession.cropname,
          "country": Accession.origcty, "sampstat": Accession.sampstat,
          "available": Accession.available}


def _conditions(principal: Principal, query: SearchQuery) -> list[Any]:
    conditions: list[Any] = []
    if not allows(principal, "genebank.read_internal"):
        conditions.append(Accession.available.is_(True))
    elif query.available is not None:
        conditions.append(Accession.available.is_(query.available))
    text = query.text.strip()
    if text:
        upper = text[:1].upper() + text[1:]
        conditions.append(
            (Accession.accenumb == text)
            | ((Accession.taxon >= upper) & (Accession.taxon < upper + "\uffff"))
            | ((Accession.cropname >= text) & (Accession.cropname < text + "\uffff"))
            | ((Accession.cropname >= upper) & (Accession.cropname < upper + "\uffff")))
    if query.genus:
        conditions.append(Accession.genus == query.genus)
    if query.crop:
        conditions.append(Accession.cropname == query.crop)
    if query.country:
        conditions.append(Accession.origcty == query.country.upper())
    if query.sampstat:
        conditions.append(Accession.sampstat == query.sampstat)
    if query.with_coordinates:
        conditions.append(Accession.lat.is_not(None))
    return conditions


def search(session: Session, principal: Principal, query: SearchQuery,
           facets: bool = True, facet_size: int = 12) -> SearchResult:
    """Accessions matching ``query`` (id order) with the total and the top facet values."""
    conditions = _conditions(principal, query)
    total = int(session.execute(select(func.count()).select_from(Accession).where(
        *conditions)).scalar_one())
    accessions = list(session.execute(select(Accession).where(*conditions).order_by(
        Accession.id).limit(query.limit).offset(query.offset)).scalars())
    counts: dict[str, list[tuple[str, int]]] = {}
    if facets:
        for name, column in FACETS.items():
            n = func.count().label("n")
            rows = session.execute(select(column, n).where(*conditions).group_by(column)
                                   .order_by(n.desc(), column).limit(facet_size))
            counts[name] = [(str(value).lower() if isinstance(value, bool) else str(value),
                             int(count)) for value, count in rows if value != ""]
    return SearchResult(total, accessions, counts)


def collecting_points(session: Session, principal: Principal, query: SearchQuery,
                      limit: int = 2000) -> list[dict[str, Any]]:
    """Collecting sites (decimal degrees) of matching accessions, for the map."""
    conditions = [*_conditions(principal, query), Accession.lat.is_not(None)]
    rows = session.execute(select(Accession.id, Accession.accenumb, Accession.taxon,
                                  Accession.lat, Accession.lon).where(*conditions)
                           .order_by(Accession.id).limit(limit))
    return [{"id": r.id, "accenumb": r.accenumb, "taxon": r.taxon, "lat": r.lat,
             "lon": r.lon} for r in rows]


# --- lots, duplicates, tests ----------------------------------------------------------------

@dataclass(frozen=True)
class LotInput:
    lot_number: str
    collection: str
    storage_temperature_c: float
    moisture_content_pct: float
    seed_count: int
    origin: str
    stored_on: date
    seed_weight_g: float | None = None
    room: str = ""
    freezer: str = ""
    shelf: str = ""
    box: str = ""
    reference_sample_seeds: int = 0
    seeds_per_sowing: int = 100


def _lot_warnings(data: LotInput) -> list[str]:
    warnings = []
    if data.collection == "base" and data.storage_temperature_c > -18 + 1e-9:
        warnings.append(_("Base collections are kept at −18 °C or colder."))
    if data.collection == "active" and not 0 <= data.storage_temperature_c <= 10:
        warnings.append(_("Active collections are kept at 0–10 °C."))
    if not 3 <= data.moisture_content_pct <= 7:
        warnings.append(_("Seeds are dried to 3–7 % moisture before storage."))
    if data.reference_sample_seeds < REFERENCE_SAMPLE_SEEDS:
        warnings.append(_("The reference sample should hold at least 50 seeds."))
    return warnings


def create_lot(session: Session, principal: Principal, accession_id: int,
               data: LotInput) -> tuple[Lot, list[str]]:
    """Add a seed lot to an accession; returns it with FAO-standard warnings."""
    authorize(principal, "genebank.collection.write")
    accession = get_accession(session, principal, accession_id)
    if data.collection not in COLLECTIONS:
        raise GenebankError(_("The collection is base or active."), "collection")
    if data.origin not in ORIGINS:
        raise GenebankError(_("The origin is acquisition, harvest or regeneration."), "origin")
    if not data.lot_number.strip():
        raise GenebankError(_("Give a lot number."), "lot_number")
    if not 0 < data.moisture_content_pct < 100:
        raise GenebankError(_("The moisture content is a percentage above 0."),
                            "moisture_content_pct")
    if data.reference_sample_seeds > data.seed_count:
        raise GenebankError(_("The reference sample cannot exceed the seeds in the lot."),
                            "reference_sample_seeds")
    if session.execute(select(Lot.id).where(Lot.accession_id == accession.id,
                                            Lot.lot_number == data.lot_number.strip())).first():
        raise GenebankError(_("This accession already has a lot with this number."),
                            "lot_number")
    lot = Lot(accession_id=accession.id, lot_number=data.lot_number.strip(),
              collection=data.collection, storage_temperature_c=data.storage_temperature_c,
              moisture_content_pct=data.moisture_content_pct, room=data.room, freezer=data.freezer,
              shelf=data.shelf, box=data.box, seed_count=data.seed_count,
              seed_weight_g=data.seed_weight_g, origin=data.origin, stored_on=data.stored_on,
              reference_sample_seeds=data.reference_sample_seeds,
              seeds_per_sowing=data.seeds_per_sowing)
    session.add(lot)
    audit.created(session, principal, lot)
    return lot, _lot_warnings(data)


def get_lot(session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise UnknownRecord(_("No such lot."), "lot_id")
    return lot


def lots_of(session: Session, accession_id: int) -> list[Lot]:
    return list(session.execute(select(Lot).where(Lot.accession_id == accession_id)
                                .order_by(Lot.id)).scalars())


def add_safety_duplicate(session: Session, principal: Principal, accession_id: int,
                         site_code: str, site_name: str, box: str, deposited_on: date,
                         seed_count: int) -> SafetyDuplicate:
    """Record a safety duplicate deposit (site as a FAO WIEWS code, e.g. NOR051 Svalbard)."""
    authorize(principal, "genebank.collection.write")
    accession = get_accession(session, principal, accession_id)
    code = site_code.strip().upper()
    if not mcpd.WIEWS.match(code):
        raise GenebankError(_("The site is a FAO WIEWS institute code, e.g. NOR051."),
                            "site_code")
    if deposited_on > date.today():
        raise GenebankError(_("The date cannot be in the future."), "deposited_on")
    duplicate = SafetyDuplicate(accession_id=accession.id, site_code=code,
                                site_name=site_name.strip(), box=box.strip(),
                                deposited_on=deposited_on, seed_count=seed_count)
    session.add(duplicate)
    audit.created(session, principal, duplicate)
    return duplicate


def duplicates_of(session: Session, accession_id: int) -> list[SafetyDuplicate]:
    return list(session.execute(select(SafetyDuplicate).where(
        SafetyDuplicate.accession_id == accession_id).order_by(SafetyDuplicate.id)).scalars())


def _counts(text: str, name: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace(",", ";").split(";") if v.strip()]
    except ValueError:
        raise GenebankError(_("Give whole numbers separated by ';'."), name) from None
    if not values or len(values) > 16:
        raise GenebankError(_("Give 1 to 16 replicates."), name)
    return values


def record_germination_test(session: Session, principal: Principal, lot_id: int,
                            tested_on: date, sown: str, germinated: str,
                            method: str = "") -> tuple[GerminationTest, list[str]]:
    """Record a germination test (replicate counts); returns it and warnings: replicates
    outside the ISTA tolerance, a first test below 85 % (FAO Genebank Standards 4.2)."""
    authorize(principal, "genebank.collection.write")
    lot = get_lot(session, lot_id)
    sown_counts, germinated_counts = _counts(sown, "sown"), _counts(germinated, "germinated")
    if len(sown_counts) != len(germinated_counts):
        raise GenebankError(_("Give as many germinated counts as replicates sown."),
                            "germinated")
    try:
        result = viability.evaluate_test(sown_counts, germinated_counts)
    except ValueError:
        raise GenebankError(_("Each replicate needs seeds sown and at most that many "
                              "germinated."), "germinated") from None
    if tested_on > date.today():
        raise GenebankError(_("The date cannot be in the future."), "tested_on")
    if tested_on < lot.stored_on:
        raise GenebankError(_("The test cannot precede the lot's storage date."), "tested_on")
    first = session.execute(select(func.count()).select_from(GerminationTest).where(
        GerminationTest.lot_id == lot.id)).scalar_one() == 0
    test = GerminationTest(lot_id=lot.id, tested_on=tested_on, method=method.strip()[:255],
                           sown=";".join(map(str, sown_counts)),
                           germinated=";".join(map(str, germinated_counts)),
                           germination_pct=round(result.germination_pct, 2),
                           within_tolerance=result.within_tolerance)
    session.add(test)
    audit.created(session, principal, test)
    warnings = []
    if not result.within_tolerance:
        warnings.append(_("The replicates differ by %(range).0f points, more than the %(max).0f "
                          "tolerated: repeat the test.") % {
                              "range": result.replicate_range, "max": result.tolerated_range})
    if first and result.germination_pct < viability.INITIAL_VIABILITY_STANDARD:
        warnings.append(_("Initial germination is below 85 %: regenerate or replace this lot."))
    return test, warnings


def tests_of(session: Session, lot_ids: Sequence[int]) -> list[GerminationTest]:
    if not lot_ids:
        return []
    return list(session.execute(select(GerminationTest).where(
        GerminationTest.lot_id.in_(lot_ids)).order_by(GerminationTest.tested_on,
                                                      GerminationTest.id)).scalars())


# --- viability constants --------------------------------------------------------------------

def import_constants(session: Session, principal: Principal,
                     constants: Iterable[viability.SpeciesConstants]) -> dict[str, int]:
    """Load species constants (reference data, idempotent): counts inserted/updated/same."""
    authorize(principal, "genebank.collection.write")
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    existing = {c.species: c for c in session.execute(select(SpeciesConstants)).scalars()}
    for item in constants:
        row = existing.get(item.species)
        values = {"ke": item.ke, "cw": item.cw, "ch": item.ch, "cq": item.cq,
                  "single_temperature": item.single_temperature, "reference": item.reference}
        if row is None:
            session.add(SpeciesConstants(species=item.species, **values))
            counts["inserted"] += 1
        elif all(getattr(row, k) == v for k, v in values.items()):
            counts["unchanged"] += 1
        else:
            for key, value in values.items():
                setattr(row, key, value)
            counts["updated"] += 1
    session.flush()
    return counts


def constants_for(session: Session, genus: str, species: str
                  ) -> viability.SpeciesConstants | None:
    """Constants of ``Genus species``: imported ones first, else the built-in table."""
    name = f"{genus} {species}".strip()
    row = session.execute(select(SpeciesConstants).where(
        SpeciesConstants.species == name)).scalar_one_or_none()
    if row is not None:
        return viability.SpeciesConstants(row.species, row.ke, row.cw, row.ch, row.cq,
                                          row.single_temperature, row.reference)
    return viability.BUILT_IN_CONSTANTS.get(name)


def list_constants(session: Session) -> list[viability.SpeciesConstants]:
    imported = [viability.SpeciesConstants(r.species, r.ke, r.cw, r.ch, r.cq,
                                           r.single_temperature, r.reference)
                for r in session.execute(select(SpeciesConstants).order_by(
                    SpeciesConstants.species)).scalars()]
    names = {c.species for c in imported}
    return imported + [c for n, c in sorted(viability.BUILT_IN_CONSTANTS.items())
                       if n not in names]


# --- regeneration queue ---------------------------------------------------------------------

@dataclass
class LotStatus:
    """A lot with its prediction and the reasons it needs regeneration or testing."""

    lot: Lot
    accession: Accession
    latest_pct: float | None
    prediction: viability.Prediction | None
    reasons: list[str]
    urgency: int
    seeds_for_three_sowings: int

    @property
    def overdue_test(self) -> bool:
        return "test_overdue" in self.reasons


#: Reason codes and their weight in the urgency score (higher first).
REASON_WEIGHTS = {"below_85pct_of_initial": 8, "below_three_sowings": 4,
                  "past_predicted_date": 2, "test_overdue": 1, "never_tested": 1}


def lot_status(session: Session, lot: Lot, accession: Accession,
               tests: Sequence[GerminationTest], today: date | None = None) -> LotStatus:
    """Evaluate one lot against the FAO Genebank Standards (see module docstring)."""
    today = today or date.today()
    ordered = sorted(tests, key=lambda t: (t.tested_on, t.id))
    constants = constants_for(session, accession.genus, accession.species)
    prediction = viability.predict(lot.stored_on, lot.collection, lot.storage_temperature_c,
                                   lot.moisture_content_pct, constants,
                                   [(t.tested_on, t.germination_pct) for t in ordered], today)
    latest = ordered[-1].germination_pct if ordered else None
    reasons: list[str] = []
    if ordered and latest is not None and latest < viability.REGENERATION_FRACTION * \
            ordered[0].germination_pct:
        reasons.append("below_85pct_of_initial")
    viable_share = (latest or 100.0) / 100
    needed = 3 * math.ceil(lot.seeds_per_sowing / max(viable_share, 0.01))
    if lot.seed_count - lot.reference_sample_seeds < needed:
        reasons.append("below_three_sowings")
    if prediction is not None and prediction.regeneration_due < today:
        reasons.append("past_predicted_date")
    if prediction is not None and prediction.next_test_due < today:
        reasons.append("test_overdue")
    if not ordered:
        reasons.append("never_tested")
    urgency = sum(REASON_WEIGHTS[r] for r in reasons)
    return LotStatus(lot, accession, latest, prediction, reasons, urgency, needed)


def lot_statuses(session: Session, principal: Principal, accession_id: int | None = None,
                 today: date | None = None) -> list[LotStatus]:
    """Every lot (or an accession's lots) with its status."""
    authorize(principal, "genebank.read_internal")
    query = select(Lot, Accession).join(Accession, Lot.accession_id == Accession.id)
    if accession_id is not None:
        query = query.where(Lot.accession_id == accession_id)
    pairs = [(lot, accession) for lot, accession in session.execute(query.order_by(Lot.id))]
    tests: dict[int, list[GerminationTest]] = {}
    for test in tests_of(session, [lot.id for lot, _a in pairs]):
        tests.setdefault(test.lot_id, []).append(test)
    return [lot_status(session, lot, accession, tests.get(lot.id, []), today)
            for lot, accession in pairs]


def regeneration_queue(session: Session, principal: Principal,
                       today: date | None = None) -> list[LotStatus]:
    """Lots needing regeneration or a test, most urgent first (urgency = sum of reason
    weights: below 85 % of initial 8, below three sowings 4, past predicted date 2,
    test overdue or never tested 1; ties by earliest predicted regeneration date)."""
    statuses = [s for s in lot_statuses(session, principal, today=today) if s.reasons]
    statuses.sort(key=lambda s: (-s.urgency, s.prediction.regeneration_due if s.prediction
                                 else date.min, s.lot.id))
    return statuses


# --- distribution ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DistributionInput:
    recipient_name: str
    recipient_country: str
    purpose: str
    mta_type: str
    mta_identifier: str
    mta_date: date
    requested_on: date
    shipped_on: date
    seeds: int | None = None
    recipient_organisation: str = ""
    recipient_address: str = ""


def distribute(session: Session, principal: Principal, lot_id: int,
               data: DistributionInput) -> Distribution:
    """Ship a sample from a lot: the lot's seed count (and weight) go down in the same
    transaction. Without ``seeds``, the sample holds 50 viable seeds at the lot's latest
    germination. The reference sample is never distributed; the accession must be
    available."""
    authorize(principal, "genebank.distribute")
    query = select(Lot).where(Lot.id == lot_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    lot = session.execute(query).scalar_one_or_none()
    if lot is None:
        raise UnknownRecord(_("No such lot."), "lot_id")
    accession = session.get_one(Accession, lot.accession_id)
    if not accession.available:
        raise GenebankError(_("This accession is not available for distribution."), "lot_id")
    country = data.recipient_country.strip().upper()
    if country not in mcpd.COUNTRY_CODES:
        raise GenebankError(_("Give the recipient's country as an ISO 3166-1 alpha-3 code."),
                            "recipient_country")
    if data.purpose not in PURPOSES:
        raise GenebankError(_("The purpose is research, breeding, training or conservation."),
                            "purpose")
    if data.mta_type not in MTA_TYPES:
        raise GenebankError(_("The agreement is the SMTA or the provider's own MTA."),
                            "mta_type")
    if not data.recipient_name.strip():
        raise GenebankError(_("Name the recipient."), "recipient_name")
    if not data.mta_identifier.strip():
        raise GenebankError(_("Give the agreement's identifier."), "mta_identifier")
    if data.shipped_on < data.requested_on or data.shipped_on > date.today():
        raise GenebankError(_("The shipment date is between the request and today."),
                            "shipped_on")
    seeds = data.seeds
    if seeds is None:
        latest = session.execute(select(GerminationTest.germination_pct).where(
            GerminationTest.lot_id == lot.id).order_by(GerminationTest.tested_on.desc(),
                                                       GerminationTest.id.desc())
            .limit(1)).scalar_one_or_none()
        seeds = math.ceil(DEFAULT_VIABLE_SEEDS / max((latest or 100.0) / 100, 0.01))
    if seeds < 1:
        raise GenebankError(_("Send at least one seed."), "seeds")
    available = lot.seed_count - lot.reference_sample_seeds
    if seeds > available:
        raise GenebankError(_("Only %(n)d seeds can be sent from this lot (the reference "
                              "sample stays).") % {"n": max(available, 0)}, "seeds")
    before = audit.snapshot(lot)
    if lot.seed_weight_g is not None and lot.seed_count:
        lot.seed_weight_g = round(lot.seed_weight_g * (lot.seed_count - seeds)
                                  / lot.seed_count, 3)
    lot.seed_count -= seeds
    audit.updated(session, principal, lot, before)
    shipment = Distribution(lot_id=lot.id, accession_id=accession.id,
                            recipient_name=data.recipient_name.strip()[:255],
                            recipient_organisation=data.recipient_organisation.strip()[:255],
                            recipient_country=country,
                            recipient_address=data.recipient_address.strip(),
                            purpose=data.purpose, mta_type=data.mta_type,
                            mta_identifier=data.mta_identifier.strip()[:64],
                            mta_date=data.mta_date, seeds=seeds, requested_on=data.requested_on,
                            shipped_on=data.shipped_on)
    session.add(shipment)
    audit.created(session, principal, shipment)
    return shipment


def distributions(session: Session, principal: Principal,
                  accession_id: int | None = None) -> list[Distribution]:
    authorize(principal, "genebank.read_internal")
    query = select(Distribution).order_by(Distribution.shipped_on, Distribution.id)
    if accession_id is not None:
        query = query.where(Distribution.accession_id == accession_id)
    return list(session.execute(query).scalars())


SMTA_COLUMNS = ["mta_identifier", "mta_type", "mta_date", "provider_instcode",
                "recipient_name", "recipient_organisation", "recipient_country",
                "recipient_address", "material_puid", "material_accenumb", "crop", "taxon",
                "mls_status", "seeds", "purpose", "requested_on", "shipped_on"]


def smta_report(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Distributions in the shape the Treaty's SMTA reporting asks for (one row per sample:
    agreement, provider, recipient, material and date)."""
    rows = []
    for shipment in distributions(session, principal):
        accession = session.get_one(Accession, shipment.accession_id)
        rows.append({
            "mta_identifier": shipment.mta_identifier, "mta_type": shipment.mta_type,
            "mta_date": shipment.mta_date.isoformat(), "provider_instcode": accession.instcode,
            "recipient_name": shipment.recipient_name,
            "recipient_organisation": shipment.recipient_organisation,
            "recipient_country": shipment.recipient_country,
            "recipient_address": shipment.recipient_address,
            "material_puid": accession.puid, "material_accenumb": accession.accenumb,
            "crop": accession.cropname, "taxon": accession.taxon,
            "mls_status": accession.mlsstat, "seeds": shipment.seeds,
            "purpose": shipment.purpose, "requested_on": shipment.requested_on.isoformat(),
            "shipped_on": shipment.shipped_on.isoformat()})
    return rows


def history(session: Session, principal: Principal, accession_id: int) -> list[AuditEntry]:
    """Audit entries of the accession itself, newest first."""
    authorize(principal, "genebank.read_internal")
    return audit.query(session, audit.AuditFilter(record_type=Accession.__tablename__,
                                                  record_id=str(accession_id)), limit=50)


@dataclass
class Dashboard:
    """The curator's overview."""

    accessions: int
    available: int
    lots: int
    queue: list[LotStatus]
    overdue_tests: list[LotStatus]
    stock_alerts: list[LotStatus]
    distributions: int


def dashboard(session: Session, principal: Principal, today: date | None = None) -> Dashboard:
    queue = regeneration_queue(session, principal, today)
    return Dashboard(
        accessions=int(session.execute(select(func.count()).select_from(Accession))
                       .scalar_one()),
        available=int(session.execute(select(func.count()).select_from(Accession).where(
            Accession.available.is_(True))).scalar_one()),
        lots=int(session.execute(select(func.count()).select_from(Lot)).scalar_one()),
        queue=queue,
        overdue_tests=[s for s in queue if "test_overdue" in s.reasons],
        stock_alerts=[s for s in queue if "below_three_sowings" in s.reasons],
        distributions=int(session.execute(select(func.count()).select_from(Distribution))
                          .scalar_one()))


def validate_predictor(constants: dict[str, viability.SpeciesConstants],
                       observations: Sequence[dict[str, Any]]
                       ) -> list[dict[str, Any]]:
    """Compare Ellis & Roberts predictions with a storage trial, per species.

    ``observations``: dicts with ``species``, ``moisture`` (%), ``temperature`` (°C),
    ``years`` and ``viability`` (%). ``Ki`` (the seed lot's initial quality, which the equation
    leaves to the lot) is estimated once per species as the least-squares intercept given the
    σ of every condition; everything else comes from the species constants. Returns, per
    species: n, RMSE, mean absolute error and bias (predicted − observed), percentage points.
    """
    report = []
    by_species: dict[str, list[dict[str, Any]]] = {}
    for obs in observations:
        by_species.setdefault(obs["species"], []).append(obs)
    for species, rows in sorted(by_species.items()):
        constants_row = constants.get(species)
        if constants_row is None:
            continue
        sigmas = [viability.sigma_days(constants_row, r["temperature"], r["moisture"])
                  for r in rows]
        days = [r["years"] * viability.DAYS_PER_YEAR for r in rows]
        ki = sum(viability.probit(r["viability"]) + d / s
                 for r, d, s in zip(rows, days, sigmas, strict=True)) / len(rows)
        errors = [viability.predicted_viability(ki, s, d) - r["viability"]
                  for r, d, s in zip(rows, days, sigmas, strict=True)]
        report.append({"species": species, "n": len(rows), "ki": ki,
                       "initial_pct": viability.percent(ki),
                       "rmse": math.sqrt(sum(e * e for e in errors) / len(errors)),
                       "mae": sum(abs(e) for e in errors) / len(errors),
                       "bias": sum(errors) / len(errors)})
    return report
