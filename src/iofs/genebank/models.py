"""Gene bank tables: MCPD v2.1 passport data, seed lots, safety duplicates, germination tests,
distributions under the SMTA and the Ellis & Roberts species viability constants.

Passport fields keep the MCPD text exactly as validated (empty string when absent), so an MCPD
export reproduces a valid import byte for byte; derived columns (decimal coordinates, taxon)
serve search and maps.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from iofs.db import Base


class Accession(Base):
    """One accession with its 41 MCPD v2.1 passport descriptors (+ ACCEURL extension)."""

    __tablename__ = "genebank_accession"
    __table_args__ = (
        UniqueConstraint("instcode", "accenumb", name="uq_genebank_accession_instcode_accenumb"),
        Index("ix_genebank_accession_available_id", "available", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    puid: Mapped[str] = mapped_column(String(255), default="")
    instcode: Mapped[str] = mapped_column(String(16))  # indexed by the unique key
    accenumb: Mapped[str] = mapped_column(String(128), index=True)
    collnumb: Mapped[str] = mapped_column(String(128), default="")
    collcode: Mapped[str] = mapped_column(String(255), default="")
    collname: Mapped[str] = mapped_column(Text, default="")
    collinstaddress: Mapped[str] = mapped_column(Text, default="")
    collmissid: Mapped[str] = mapped_column(String(255), default="")
    genus: Mapped[str] = mapped_column(String(64))  # searched through taxon
    species: Mapped[str] = mapped_column(String(64), default="")
    spauthor: Mapped[str] = mapped_column(String(255), default="")
    subtaxa: Mapped[str] = mapped_column(String(255), default="")
    subtauthor: Mapped[str] = mapped_column(String(255), default="")
    cropname: Mapped[str] = mapped_column(String(128), default="", index=True)
    accename: Mapped[str] = mapped_column(Text, default="")
    acqdate: Mapped[str] = mapped_column(String(8), default="")
    origcty: Mapped[str] = mapped_column(String(3), default="", index=True)
    collsite: Mapped[str] = mapped_column(Text, default="")
    declatitude: Mapped[str] = mapped_column(String(32), default="")
    latitude: Mapped[str] = mapped_column(String(8), default="")
    declongitude: Mapped[str] = mapped_column(String(32), default="")
    longitude: Mapped[str] = mapped_column(String(8), default="")
    coorduncert: Mapped[str] = mapped_column(String(32), default="")
    coorddatum: Mapped[str] = mapped_column(String(64), default="")
    georefmeth: Mapped[str] = mapped_column(String(255), default="")
    elevation: Mapped[str] = mapped_column(String(32), default="")
    colldate: Mapped[str] = mapped_column(String(8), default="")
    bredcode: Mapped[str] = mapped_column(String(255), default="")
    bredname: Mapped[str] = mapped_column(Text, default="")
    sampstat: Mapped[str] = mapped_column(String(3), default="", index=True)
    ancest: Mapped[str] = mapped_column(Text, default="")
    collsrc: Mapped[str] = mapped_column(String(2), default="")
    donorcode: Mapped[str] = mapped_column(String(16), default="")
    donorname: Mapped[str] = mapped_column(Text, default="")
    donornumb: Mapped[str] = mapped_column(String(128), default="")
    othernumb: Mapped[str] = mapped_column(Text, default="")
    duplsite: Mapped[str] = mapped_column(String(255), default="")
    duplinstname: Mapped[str] = mapped_column(Text, default="")
    storage: Mapped[str] = mapped_column(String(64), default="")
    mlsstat: Mapped[str] = mapped_column(String(2), default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    acceurl: Mapped[str] = mapped_column(String(255), default="")
    # Derived or managed here (not MCPD): search, map and public availability.
    taxon: Mapped[str] = mapped_column(String(255), default="", index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    available: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class AccessionCount(Base):
    """How many accessions share each combination of the search facets: a summary of
    :class:`Accession` kept by the gene bank service in the same transaction as every passport
    write, so totals and facet counts come from a few thousand rows instead of a scan of the
    accessions (rebuildable with ``iofs genebank reindex``). Not audited: derived data."""

    __tablename__ = "genebank_accession_count"
    __table_args__ = (
        UniqueConstraint(
            "available",
            "genus",
            "taxon",
            "cropname",
            "origcty",
            "sampstat",
            "has_coordinates",
            name="uq_genebank_accession_count_facets",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    available: Mapped[bool] = mapped_column(Boolean)
    genus: Mapped[str] = mapped_column(String(64))
    taxon: Mapped[str] = mapped_column(String(255))
    cropname: Mapped[str] = mapped_column(String(128))
    origcty: Mapped[str] = mapped_column(String(3))
    sampstat: Mapped[str] = mapped_column(String(3))
    has_coordinates: Mapped[bool] = mapped_column(Boolean)
    accessions: Mapped[int] = mapped_column(Integer)


class Lot(Base):
    """A seed lot of an accession in the base (−18 °C) or active (5–10 °C) collection."""

    __tablename__ = "genebank_lot"
    __table_args__ = (
        UniqueConstraint(
            "accession_id", "lot_number", name="uq_genebank_lot_accession_id_lot_number"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accession_id: Mapped[int] = mapped_column(ForeignKey("genebank_accession.id"), index=True)
    lot_number: Mapped[str] = mapped_column(String(40))
    collection: Mapped[str] = mapped_column(String(8))  # base | active
    storage_temperature_c: Mapped[float] = mapped_column(Float)
    moisture_content_pct: Mapped[float] = mapped_column(Float)  # fresh-weight basis
    room: Mapped[str] = mapped_column(String(40), default="")
    freezer: Mapped[str] = mapped_column(String(40), default="")
    shelf: Mapped[str] = mapped_column(String(40), default="")
    box: Mapped[str] = mapped_column(String(40), default="")
    seed_count: Mapped[int] = mapped_column(Integer)
    seed_weight_g: Mapped[float | None] = mapped_column(Float)
    origin: Mapped[str] = mapped_column(String(16))  # acquisition | harvest | regeneration
    stored_on: Mapped[date] = mapped_column(Date)
    reference_sample_seeds: Mapped[int] = mapped_column(Integer, default=0)
    seeds_per_sowing: Mapped[int] = mapped_column(Integer, default=100)


class SafetyDuplicate(Base):
    """A safety duplicate of an accession held elsewhere (e.g. Svalbard, WIEWS NOR051)."""

    __tablename__ = "genebank_safety_duplicate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accession_id: Mapped[int] = mapped_column(ForeignKey("genebank_accession.id"), index=True)
    site_code: Mapped[str] = mapped_column(String(16))
    site_name: Mapped[str] = mapped_column(String(255), default="")
    box: Mapped[str] = mapped_column(String(40), default="")
    deposited_on: Mapped[date] = mapped_column(Date)
    seed_count: Mapped[int] = mapped_column(Integer)


class GerminationTest(Base):
    """A germination test of a lot: replicates sown and germinated (counts)."""

    __tablename__ = "genebank_germination_test"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("genebank_lot.id"), index=True)
    tested_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(255), default="")
    sown: Mapped[str] = mapped_column(String(255))  # replicate sizes, ';' separated
    germinated: Mapped[str] = mapped_column(String(255))  # replicate counts, ';' separated
    germination_pct: Mapped[float] = mapped_column(Float)
    within_tolerance: Mapped[bool] = mapped_column(Boolean)


class Distribution(Base):
    """A sample of an accession for a recipient under the SMTA (or the provider's own MTA),
    through three dated states: requested (recipient, purpose), ordered (the lot, the seeds
    and the agreement concluded) and shipped (the lot's stock goes down then); or cancelled
    before shipment."""

    __tablename__ = "genebank_distribution"
    # Keyset pages of the distribution lists: by request date and id, of every status or of
    # one (the unreported SMTAs are shipped ones).
    __table_args__ = (
        Index("ix_genebank_distribution_requested_id", "requested_on", "id"),
        Index("ix_genebank_distribution_status_requested_id", "status", "requested_on", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("genebank_lot.id"), index=True)
    accession_id: Mapped[int] = mapped_column(ForeignKey("genebank_accession.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="requested")
    recipient_name: Mapped[str] = mapped_column(String(255))
    recipient_organisation: Mapped[str] = mapped_column(String(255), default="")
    recipient_country: Mapped[str] = mapped_column(String(3))
    recipient_address: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(String(16))
    mta_type: Mapped[str] = mapped_column(String(8), default="")  # smta | own, at order
    mta_identifier: Mapped[str] = mapped_column(String(64), default="")
    mta_date: Mapped[date | None] = mapped_column(Date)
    seeds: Mapped[int | None] = mapped_column(Integer)  # asked for, then allocated
    requested_on: Mapped[date] = mapped_column(Date)
    ordered_on: Mapped[date | None] = mapped_column(Date)
    shipped_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    #: How the SMTA was concluded: signed, shrink-wrap or click-wrap (Easy-SMTA ``type``).
    smta_form: Mapped[str] = mapped_column(String(12), default="signed")
    public_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("genebank_public_request.id"), index=True
    )


class SpeciesConstants(Base):
    """Ellis & Roberts (1980) viability constants of a species (KE, CW, CH, CQ)."""

    __tablename__ = "genebank_species_constants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    species: Mapped[str] = mapped_column(String(128), unique=True)
    ke: Mapped[float] = mapped_column(Float)
    cw: Mapped[float] = mapped_column(Float)
    ch: Mapped[float] = mapped_column(Float)
    cq: Mapped[float] = mapped_column(Float)
    single_temperature: Mapped[bool] = mapped_column(Boolean, default=False)
    reference: Mapped[str] = mapped_column(Text, default="")


# --- the Treaty's networks, passport quality, traits, public requests (genebank_0003) -----


class GlisRegistration(Base):
    """The DOI GLIS (the ITPGRFA Global Information System) gave an accession, and a
    SHA-256 of the passport data it was given, so a changed passport is sent again."""

    __tablename__ = "genebank_glis_registration"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accession_id: Mapped[int] = mapped_column(ForeignKey("genebank_accession.id"), unique=True)
    doi: Mapped[str] = mapped_column(String(128), default="", index=True)
    passport_sha256: Mapped[str] = mapped_column(String(64), default="")
    registered_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AccessionProgenitor(Base):
    """A progenitor of an accession (GLIS ``progdoi``): another accession of this gene bank
    (its DOI is sent once it has one) or a DOI held elsewhere."""

    __tablename__ = "genebank_accession_progenitor"
    __table_args__ = (
        UniqueConstraint(
            "accession_id", "progenitor_id", "doi", name="uq_genebank_accession_progenitor"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accession_id: Mapped[int] = mapped_column(ForeignKey("genebank_accession.id"), index=True)
    progenitor_id: Mapped[int | None] = mapped_column(ForeignKey("genebank_accession.id"))
    doi: Mapped[str] = mapped_column(String(128), default="")


class SmtaReported(Base):
    """A shipped distribution whose SMTA was reported to the Treaty (Easy-SMTA)."""

    __tablename__ = "genebank_smta_reported"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    distribution_id: Mapped[int] = mapped_column(
        ForeignKey("genebank_distribution.id"), unique=True
    )
    reported_at: Mapped[datetime] = mapped_column(DateTime)


class Trait(Base):
    """A characterization or evaluation trait (descriptor) of a crop: its method and scale
    (numeric with a unit and bounds, ordinal or nominal with codes), as in crop descriptor
    lists and GRIN-Global crop traits."""

    __tablename__ = "genebank_trait"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    crop: Mapped[str] = mapped_column(String(128), default="")
    method: Mapped[str] = mapped_column(Text, default="")
    scale: Mapped[str] = mapped_column(String(8))  # numeric | ordinal | nominal
    unit: Mapped[str] = mapped_column(String(64), default="")
    minimum: Mapped[float | None] = mapped_column(Float)
    maximum: Mapped[float | None] = mapped_column(Float)
    categories: Mapped[str] = mapped_column(Text, default="")  # "1=low;5=medium;9=high"


class Observation(Base):
    """One value of a trait for an accession: numeric and ordinal values in
    ``value_number`` (searchable), nominal codes in ``value_code``."""

    __tablename__ = "genebank_observation"
    __table_args__ = (
        Index("ix_genebank_observation_trait_value", "trait_id", "value_number", "accession_id"),
        Index("ix_genebank_observation_trait_code", "trait_id", "value_code", "accession_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trait_id: Mapped[int] = mapped_column(ForeignKey("genebank_trait.id"))
    accession_id: Mapped[int] = mapped_column(ForeignKey("genebank_accession.id"), index=True)
    value_number: Mapped[float | None] = mapped_column(Float)
    value_code: Mapped[str] = mapped_column(String(64), default="")
    observed_on: Mapped[date | None] = mapped_column(Date)
    site: Mapped[str] = mapped_column(String(255), default="")
    environment: Mapped[str] = mapped_column(String(255), default="")
    observer: Mapped[str] = mapped_column(String(255), default="")


class Requester(Base):
    """Who asks for seed on the public catalogue: a signed-in user's requester profile."""

    __tablename__ = "genebank_requester"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, unique=True)  # accounts' user id
    name: Mapped[str] = mapped_column(String(255))
    institution: Mapped[str] = mapped_column(String(255))
    country: Mapped[str] = mapped_column(String(3))
    address: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(String(16))


class PublicRequest(Base):
    """A basket of accessions a requester asked for, with the click-wrap acceptance of the
    SMTA: the text's version and SHA-256, when and by whom it was accepted."""

    __tablename__ = "genebank_public_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("genebank_requester.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    smta_version: Mapped[str] = mapped_column(String(64))
    smta_sha256: Mapped[str] = mapped_column(String(64))
    accepted_at: Mapped[datetime] = mapped_column(DateTime)
    accepted_by: Mapped[str] = mapped_column(String(255))
    accepted_from: Mapped[str] = mapped_column(String(64), default="")


class TraitIndexState(Base):
    """One row: tokens renewed in the transaction of every write of observations and of
    accessions, so the in-memory trait index (:mod:`iofs.genebank.trait_index`) knows when
    to re-read them. Not audited: derived data."""

    __tablename__ = "genebank_trait_index_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    observations: Mapped[str] = mapped_column(String(32), default="")
    accessions: Mapped[str] = mapped_column(String(32), default="")
