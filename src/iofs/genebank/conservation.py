"""Conservation: seed lots, safety duplicates, germination tests, viability predictions and
the regeneration queue, after the FAO Genebank Standards for Plant Genetic Resources (2014)
and Ellis & Roberts (1980) (:mod:`iofs.genebank.viability`).

Every write checks ``genebank.collection.write`` and writes the audit log in the same
transaction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.genebank import mcpd, viability
from iofs.genebank.accessions import get_accession
from iofs.genebank.errors import GenebankError, UnknownRecord
from iofs.genebank.models import (
    Accession,
    Distribution,
    GerminationTest,
    Lot,
    SafetyDuplicate,
    SpeciesConstants,
)
from iofs.genebank.schemas import LotIn, SafetyDuplicateIn
from iofs.genebank.vocabulary import REASON_WEIGHTS
from iofs.http.paging import Page, Pager
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize

for _model in (Lot, SafetyDuplicate, GerminationTest):
    audit.audited(_model)

#: FAO Genebank Standards 4.1: the reference sample kept of each accession (seeds).
REFERENCE_SAMPLE_SEEDS = 50


def _lot_warnings(data: LotIn) -> list[str]:
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


def create_lot(
    session: Session, principal: Principal, accession_id: int, data: LotIn
) -> tuple[Lot, list[str]]:
    """Add a seed lot to an accession; returns it with FAO-standard warnings."""
    authorize(principal, "genebank.collection.write")
    accession = get_accession(session, principal, accession_id)
    if not data.lot_number.strip():
        raise GenebankError(_("Give a lot number."), "lot_number")
    if data.reference_sample_seeds > data.seed_count:
        raise GenebankError(
            _("The reference sample cannot exceed the seeds in the lot."), "reference_sample_seeds"
        )
    if session.execute(
        select(Lot.id).where(
            Lot.accession_id == accession.id, Lot.lot_number == data.lot_number.strip()
        )
    ).first():
        raise GenebankError(_("This accession already has a lot with this number."), "lot_number")
    lot = Lot(
        accession_id=accession.id,
        lot_number=data.lot_number.strip(),
        collection=data.collection,
        storage_temperature_c=data.storage_temperature_c,
        moisture_content_pct=data.moisture_content_pct,
        room=data.room,
        freezer=data.freezer,
        shelf=data.shelf,
        box=data.box,
        seed_count=data.seed_count,
        seed_weight_g=data.seed_weight_g,
        origin=data.origin,
        stored_on=data.stored_on,
        reference_sample_seeds=data.reference_sample_seeds,
        seeds_per_sowing=data.seeds_per_sowing,
    )
    session.add(lot)
    audit.created(session, principal, lot)
    return lot, _lot_warnings(data)


def get_lot(session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise UnknownRecord(_("No such lot."), "lot_id")
    return lot


def lots_of(session: Session, accession_id: int) -> list[Lot]:
    return list(
        session.execute(
            select(Lot).where(Lot.accession_id == accession_id).order_by(Lot.id)
        ).scalars()
    )


def add_safety_duplicate(
    session: Session, principal: Principal, accession_id: int, data: SafetyDuplicateIn
) -> SafetyDuplicate:
    """Record a safety duplicate deposit (site as a FAO WIEWS code, e.g. NOR051 Svalbard)."""
    authorize(principal, "genebank.collection.write")
    accession = get_accession(session, principal, accession_id)
    code = data.site_code.strip().upper()
    if not mcpd.WIEWS.match(code):
        raise GenebankError(_("The site is a FAO WIEWS institute code, e.g. NOR051."), "site_code")
    if data.deposited_on > date.today():
        raise GenebankError(_("The date cannot be in the future."), "deposited_on")
    duplicate = SafetyDuplicate(
        accession_id=accession.id,
        site_code=code,
        site_name=data.site_name.strip(),
        box=data.box.strip(),
        deposited_on=data.deposited_on,
        seed_count=data.seed_count,
    )
    session.add(duplicate)
    audit.created(session, principal, duplicate)
    return duplicate


def duplicates_of(session: Session, accession_id: int) -> list[SafetyDuplicate]:
    return list(
        session.execute(
            select(SafetyDuplicate)
            .where(SafetyDuplicate.accession_id == accession_id)
            .order_by(SafetyDuplicate.id)
        ).scalars()
    )


def _counts(text: str, name: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace(",", ";").split(";") if v.strip()]
    except ValueError:
        raise GenebankError(_("Give whole numbers separated by ';'."), name) from None
    if not values or len(values) > 16:
        raise GenebankError(_("Give 1 to 16 replicates."), name)
    return values


def record_germination_test(
    session: Session,
    principal: Principal,
    lot_id: int,
    tested_on: date,
    sown: str,
    germinated: str,
    method: str = "",
) -> tuple[GerminationTest, list[str]]:
    """Record a germination test (replicate counts); returns it and warnings: replicates
    outside the ISTA tolerance, a first test below 85 % (FAO Genebank Standards 4.2)."""
    authorize(principal, "genebank.collection.write")
    lot = get_lot(session, lot_id)
    sown_counts, germinated_counts = _counts(sown, "sown"), _counts(germinated, "germinated")
    if len(sown_counts) != len(germinated_counts):
        raise GenebankError(_("Give as many germinated counts as replicates sown."), "germinated")
    try:
        result = viability.evaluate_test(sown_counts, germinated_counts)
    except ValueError:
        raise GenebankError(
            _("Each replicate needs seeds sown and at most that many germinated."), "germinated"
        ) from None
    if tested_on > date.today():
        raise GenebankError(_("The date cannot be in the future."), "tested_on")
    if tested_on < lot.stored_on:
        raise GenebankError(_("The test cannot precede the lot's storage date."), "tested_on")
    first = (
        session.execute(
            select(func.count())
            .select_from(GerminationTest)
            .where(GerminationTest.lot_id == lot.id)
        ).scalar_one()
        == 0
    )
    test = GerminationTest(
        lot_id=lot.id,
        tested_on=tested_on,
        method=method.strip()[:255],
        sown=";".join(map(str, sown_counts)),
        germinated=";".join(map(str, germinated_counts)),
        germination_pct=round(result.germination_pct, 2),
        within_tolerance=result.within_tolerance,
    )
    session.add(test)
    audit.created(session, principal, test)
    warnings = []
    if not result.within_tolerance:
        warnings.append(
            _(
                "The replicates differ by %(range).0f points, more than the %(max).0f "
                "tolerated: repeat the test."
            )
            % {"range": result.replicate_range, "max": result.tolerated_range}
        )
    if first and result.germination_pct < viability.INITIAL_VIABILITY_STANDARD:
        warnings.append(_("Initial germination is below 85 %: regenerate or replace this lot."))
    return test, warnings


def tests_of(session: Session, lot_ids: Sequence[int]) -> list[GerminationTest]:
    if not lot_ids:
        return []
    return list(
        session.execute(
            select(GerminationTest)
            .where(GerminationTest.lot_id.in_(lot_ids))
            .order_by(GerminationTest.tested_on, GerminationTest.id)
        ).scalars()
    )


# --- viability constants --------------------------------------------------------------------


def import_constants(
    session: Session, principal: Principal, constants: Iterable[viability.SpeciesConstants]
) -> dict[str, int]:
    """Load species constants (reference data, idempotent): counts inserted/updated/same."""
    authorize(principal, "genebank.collection.write")
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    existing = {c.species: c for c in session.execute(select(SpeciesConstants)).scalars()}
    for item in constants:
        row = existing.get(item.species)
        values = {
            "ke": item.ke,
            "cw": item.cw,
            "ch": item.ch,
            "cq": item.cq,
            "single_temperature": item.single_temperature,
            "reference": item.reference,
        }
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


def constants_for(session: Session, genus: str, species: str) -> viability.SpeciesConstants | None:
    """Constants of ``Genus species``: imported ones first, else the built-in table."""
    name = f"{genus} {species}".strip()
    row = session.execute(
        select(SpeciesConstants).where(SpeciesConstants.species == name)
    ).scalar_one_or_none()
    if row is not None:
        return viability.SpeciesConstants(
            row.species, row.ke, row.cw, row.ch, row.cq, row.single_temperature, row.reference
        )
    return viability.BUILT_IN_CONSTANTS.get(name)


def list_constants(session: Session) -> list[viability.SpeciesConstants]:
    imported = [
        viability.SpeciesConstants(
            r.species, r.ke, r.cw, r.ch, r.cq, r.single_temperature, r.reference
        )
        for r in session.execute(
            select(SpeciesConstants).order_by(SpeciesConstants.species)
        ).scalars()
    ]
    names = {c.species for c in imported}
    return imported + [c for n, c in sorted(viability.BUILT_IN_CONSTANTS.items()) if n not in names]


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


def lot_status(
    session: Session,
    lot: Lot,
    accession: Accession,
    tests: Sequence[GerminationTest],
    today: date | None = None,
) -> LotStatus:
    """Evaluate one lot against the FAO Genebank Standards (see module docstring)."""
    today = today or date.today()
    ordered = sorted(tests, key=lambda t: (t.tested_on, t.id))
    constants = constants_for(session, accession.genus, accession.species)
    prediction = viability.predict(
        lot.stored_on,
        lot.collection,
        lot.storage_temperature_c,
        lot.moisture_content_pct,
        constants,
        [(t.tested_on, t.germination_pct) for t in ordered],
        today,
    )
    latest = ordered[-1].germination_pct if ordered else None
    reasons: list[str] = []
    if (
        ordered
        and latest is not None
        and latest < viability.REGENERATION_FRACTION * ordered[0].germination_pct
    ):
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


def lot_statuses(
    session: Session,
    principal: Principal,
    accession_id: int | None = None,
    today: date | None = None,
) -> list[LotStatus]:
    """Every lot (or an accession's lots) with its status."""
    authorize(principal, "genebank.read_internal")
    query = select(Lot, Accession).join(Accession, Lot.accession_id == Accession.id)
    if accession_id is not None:
        query = query.where(Lot.accession_id == accession_id)
    pairs = [(lot, accession) for lot, accession in session.execute(query.order_by(Lot.id))]
    tests: dict[int, list[GerminationTest]] = {}
    for test in tests_of(session, [lot.id for lot, _a in pairs]):
        tests.setdefault(test.lot_id, []).append(test)
    return [
        lot_status(session, lot, accession, tests.get(lot.id, []), today)
        for lot, accession in pairs
    ]


def queue_key(status: LotStatus) -> tuple[int, date, int]:
    """A lot's place in the regeneration queue: most urgent first, then earliest predicted
    regeneration date (a lot without a prediction first), then lot id."""
    due = status.prediction.regeneration_due if status.prediction else date.min
    return (-status.urgency, due, status.lot.id)


def regeneration_queue(
    session: Session, principal: Principal, today: date | None = None
) -> list[LotStatus]:
    """Lots needing regeneration or a test, most urgent first (urgency = sum of reason
    weights: below 85 % of initial 8, below three sowings 4, past predicted date 2,
    test overdue or never tested 1; ties by earliest predicted regeneration date)."""
    statuses = [s for s in lot_statuses(session, principal, today=today) if s.reasons]
    statuses.sort(key=queue_key)
    return statuses


#: Name bound into the cursors of the regeneration queue.
QUEUE_SCOPE = "genebank.regeneration-queue"


def queue_page(
    queue: Sequence[LotStatus], after: str | None, limit: int, secret: str, reason: str = ""
) -> Page[LotStatus]:
    """One page of a :func:`regeneration_queue` (the lots with ``reason`` when given) after
    the cursor ``after``. The queue is computed in memory (each lot's viability prediction
    from its tests), so the page is a slice of it found by its key (:func:`queue_key`)."""
    rows = [s for s in queue if not reason or reason in s.reasons]
    page: Page[LotStatus] = Pager(QUEUE_SCOPE, [], secret, size=3).slice(
        rows, queue_key, after, limit
    )
    return page


@dataclass
class Dashboard:
    """The curator's overview: counts and the regeneration queue (``reasons``: how many lots
    of the queue have each reason, e.g. ``test_overdue``, ``below_three_sowings``)."""

    accessions: int
    available: int
    lots: int
    queue: list[LotStatus]
    reasons: dict[str, int]
    distributions: int


def dashboard(session: Session, principal: Principal, today: date | None = None) -> Dashboard:
    """The curator's overview (the whole regeneration queue, for the page to show a page of)."""
    queue = regeneration_queue(session, principal, today)
    return Dashboard(
        accessions=int(session.execute(select(func.count()).select_from(Accession)).scalar_one()),
        available=int(
            session.execute(
                select(func.count()).select_from(Accession).where(Accession.available.is_(True))
            ).scalar_one()
        ),
        lots=int(session.execute(select(func.count()).select_from(Lot)).scalar_one()),
        queue=queue,
        reasons={r: sum(r in s.reasons for s in queue) for r in REASON_WEIGHTS},
        distributions=int(
            session.execute(select(func.count()).select_from(Distribution)).scalar_one()
        ),
    )


def validate_predictor(
    constants: dict[str, viability.SpeciesConstants], observations: Sequence[dict[str, Any]]
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
        sigmas = [
            viability.sigma_days(constants_row, r["temperature"], r["moisture"]) for r in rows
        ]
        days = [r["years"] * viability.DAYS_PER_YEAR for r in rows]
        ki = sum(
            viability.probit(r["viability"]) + d / s
            for r, d, s in zip(rows, days, sigmas, strict=True)
        ) / len(rows)
        errors = [
            viability.predicted_viability(ki, s, d) - r["viability"]
            for r, d, s in zip(rows, days, sigmas, strict=True)
        ]
        report.append(
            {
                "species": species,
                "n": len(rows),
                "ki": ki,
                "initial_pct": viability.percent(ki),
                "rmse": math.sqrt(sum(e * e for e in errors) / len(errors)),
                "mae": sum(abs(e) for e in errors) / len(errors),
                "bias": sum(errors) / len(errors),
            }
        )
    return report
