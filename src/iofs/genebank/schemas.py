"""Pydantic models of the gene bank: the one shape of each write (API, pages, services, all
bounded) and of what the API answers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from iofs.genebank.vocabulary import (
    COLLECTIONS,
    MTA_TYPES,
    ORIGINS,
    PURPOSES,
    SMTA_FORMS,
    TRAIT_SCALES,
    one_of,
)
from iofs.validation import MAX_RECORD_ID

#: Bounded field types shared by the inputs (each limit written once).
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2100, 1, 1))]
SeedCount = Annotated[int, Field(ge=0, le=100_000_000)]
Label = Annotated[str, Field(max_length=40)]
RecipientName = Annotated[str, Field(min_length=1, max_length=255)]
Organisation = Annotated[str, Field(max_length=255)]
Country = Annotated[str, Field(min_length=3, max_length=3)]
Address = Annotated[str, Field(max_length=2000)]
Purpose = Annotated[str, Field(pattern=one_of(PURPOSES))]
MtaType = Annotated[str, Field(pattern=one_of(MTA_TYPES))]
MtaIdentifier = Annotated[str, Field(min_length=1, max_length=64)]
SmtaForm = Annotated[str, Field(pattern=one_of(SMTA_FORMS))]
#: Seeds of a sample (``None``: 50 viable seeds at the lot's latest germination).
SampleSeeds = Annotated[int | None, Field(ge=1, le=1_000_000)]


class AccessionOut(BaseModel):
    """Passport data (MCPD v2.1 descriptors in lower case) and availability."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    puid: str
    instcode: str
    accenumb: str
    collnumb: str
    collcode: str
    collname: str
    collinstaddress: str
    collmissid: str
    genus: str
    species: str
    spauthor: str
    subtaxa: str
    subtauthor: str
    cropname: str
    accename: str
    acqdate: str
    origcty: str
    collsite: str
    declatitude: str
    latitude: str
    declongitude: str
    longitude: str
    coorduncert: str
    coorddatum: str
    georefmeth: str
    elevation: str
    colldate: str
    bredcode: str
    bredname: str
    sampstat: str
    ancest: str
    collsrc: str
    donorcode: str
    donorname: str
    donornumb: str
    othernumb: str
    duplsite: str
    duplinstname: str
    storage: str
    mlsstat: str
    remarks: str
    acceurl: str
    taxon: str
    lat: float | None
    lon: float | None
    available: bool


class ImportIn(BaseModel):
    """An MCPD CSV file's text; ``partial`` imports the valid rows only."""

    csv: str = Field(min_length=1, max_length=5_000_000)
    dry_run: bool = False
    partial: bool = False


class IssueOut(BaseModel):
    line: int
    column: str
    severity: str
    reason: str


class ImportOut(BaseModel):
    inserted: int
    updated: int
    unchanged: int
    rejected_lines: list[int]
    errors: int
    warnings: int
    issues: list[IssueOut]


class FacetValue(BaseModel):
    value: str
    count: int


class SearchOut(BaseModel):
    total: int
    accessions: list[AccessionOut]
    facets: dict[str, list[FacetValue]]
    next: str | None = Field(
        None, description="Cursor of the next page (pass it as `after`); null on the last page"
    )


class AvailabilityIn(BaseModel):
    available: bool


class LotIn(BaseModel):
    lot_number: str = Field(min_length=1, max_length=40)
    collection: str = Field(pattern=one_of(COLLECTIONS))
    storage_temperature_c: float = Field(ge=-200, le=40)
    moisture_content_pct: float = Field(gt=0, lt=100)
    seed_count: SeedCount
    seed_weight_g: float | None = Field(default=None, ge=0, le=1e7)
    origin: str = Field(pattern=one_of(ORIGINS))
    stored_on: Day
    room: Label = ""
    freezer: Label = ""
    shelf: Label = ""
    box: Label = ""
    reference_sample_seeds: SeedCount = 0
    seeds_per_sowing: int = Field(default=100, ge=1, le=1_000_000)


class LotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    accession_id: int
    lot_number: str
    collection: str
    storage_temperature_c: float
    moisture_content_pct: float
    room: str
    freezer: str
    shelf: str
    box: str
    seed_count: int
    seed_weight_g: float | None
    origin: str
    stored_on: date
    reference_sample_seeds: int
    seeds_per_sowing: int


class LotCreated(BaseModel):
    lot: LotOut
    warnings: list[str]


class SafetyDuplicateIn(BaseModel):
    site_code: str = Field(min_length=6, max_length=8, examples=["NOR051"])
    site_name: str = Field(default="", max_length=255)
    box: Label = ""
    deposited_on: Day
    seed_count: int = Field(ge=1, le=100_000_000)


class SafetyDuplicateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    accession_id: int
    site_code: str
    site_name: str
    box: str
    deposited_on: date
    seed_count: int


class GerminationTestIn(BaseModel):
    tested_on: Day
    sown: str = Field(min_length=1, max_length=200, examples=["50;50;50;50"])
    germinated: str = Field(min_length=1, max_length=200, examples=["48;47;49;46"])
    method: str = Field(default="", max_length=255)


class GerminationTestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    lot_id: int
    tested_on: date
    method: str
    sown: str
    germinated: str
    germination_pct: float
    within_tolerance: bool


class GerminationTestCreated(BaseModel):
    test: GerminationTestOut
    warnings: list[str]


class PredictionOut(BaseModel):
    method: str
    ki_probit: float
    sigma_days: float
    initial_pct: float
    days_to_85pct_of_initial: float
    regeneration_due: date
    next_test_due: date
    current_pct: float


class LotStatusOut(BaseModel):
    lot: LotOut
    accession_id: int
    accenumb: str
    taxon: str
    latest_pct: float | None
    prediction: PredictionOut | None
    reasons: list[str]
    urgency: int
    seeds_for_three_sowings: int


class DistributionIn(BaseModel):
    recipient_name: RecipientName
    recipient_organisation: Organisation = ""
    recipient_country: Country
    recipient_address: Address = ""
    purpose: Purpose
    mta_type: MtaType
    mta_identifier: MtaIdentifier
    mta_date: Day
    requested_on: Day
    shipped_on: Day
    seeds: SampleSeeds = None
    smta_form: SmtaForm = "signed"


class DistributionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    lot_id: int | None
    accession_id: int
    recipient_name: str
    recipient_organisation: str
    recipient_country: str
    recipient_address: str
    purpose: str
    mta_type: str
    mta_identifier: str
    mta_date: date | None
    seeds: int | None
    requested_on: date
    ordered_on: date | None
    shipped_on: date | None
    cancelled_on: date | None
    smta_form: str
    public_request_id: int | None


class RequestIn(BaseModel):
    """A request for a sample of an accession."""

    recipient_name: RecipientName
    recipient_organisation: Organisation = ""
    recipient_country: Country
    recipient_address: Address = ""
    purpose: Purpose
    requested_on: Day
    seeds: SampleSeeds = None


class OrderIn(BaseModel):
    """The order of a requested sample: lot, agreement and seeds (default 50 viable)."""

    lot_id: int = Field(ge=1, le=MAX_RECORD_ID)
    mta_type: MtaType
    mta_identifier: MtaIdentifier
    mta_date: Day
    ordered_on: Day
    seeds: SampleSeeds = None
    smta_form: SmtaForm = "signed"


class DatedIn(BaseModel):
    """The date of a shipment or a cancellation."""

    on: Day


class SpeciesConstantsOut(BaseModel):
    species: str
    ke: float
    cw: float
    ch: float
    cq: float
    single_temperature: bool
    reference: str


class WiewsCountOut(BaseModel):
    instcode: str
    storage: str
    storage_label: str
    accessions: int
    genera: int
    species: int


class ReportedIn(BaseModel):
    """Distributions whose SMTA report Easy-SMTA accepted."""

    distribution_ids: list[Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]] = Field(
        min_length=1, max_length=10_000
    )


class ReportedOut(BaseModel):
    marked: int


class TraitIn(BaseModel):
    """A trait definition: code, name, crop, method and scale (numeric with a unit and
    bounds; ordinal or nominal with ``code=label`` pairs separated by ``;``)."""

    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=255)
    crop: str = Field(default="", max_length=128)
    method: str = Field(default="", max_length=4000)
    scale: str = Field(pattern=one_of(TRAIT_SCALES))
    unit: str = Field(default="", max_length=64)
    minimum: float | None = Field(default=None, ge=-1e12, le=1e12)
    maximum: float | None = Field(default=None, ge=-1e12, le=1e12)
    categories: str = Field(default="", max_length=4000)


class TraitOut(TraitIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


class RequesterIn(BaseModel):
    """Who asks for seed on the public catalogue."""

    name: RecipientName
    institution: Annotated[str, Field(min_length=1, max_length=255)]
    country: Country
    address: Address = ""
    purpose: Purpose


class ObservationIssueOut(BaseModel):
    """A problem of one row of an observation file (line 1 is the header)."""

    line: int
    column: str
    reason: str


class ObservationImportOut(BaseModel):
    inserted: int
    unchanged: int


class TraitSearchOut(BaseModel):
    total: int
    #: True when ``total`` is estimated from a sample (see ``traits.TraitSearchResult``).
    approximate: bool = False
    accessions: list[AccessionOut]


class ProgenitorIn(BaseModel):
    """A progenitor: an accession of this gene bank (``progenitor_id``, or ``accenumb`` as
    ``ACCENUMB`` or ``INSTCODE ACCENUMB``) or a DOI held elsewhere (``10.…``)."""

    progenitor_id: int | None = Field(default=None, ge=1, le=MAX_RECORD_ID)
    accenumb: str = Field(default="", max_length=150)
    doi: str = Field(default="", max_length=128)


class ProgenitorOut(BaseModel):
    id: int
    accession_id: int
    progenitor_id: int | None
    progenitor: str  # INSTCODE ACCENUMB of a progenitor here, else empty
    doi: str  # the DOI given, or the progenitor's GLIS DOI once registered
