"""Passport data quality: the passport data completeness index (PDCI) and plausibility
checks, as Genesys shows them, and the curators' "to fix" list.

PDCI (van Hintum, Menting & van Strien 2011, "Quality indicators for passport data in ex
situ genebanks", Plant Genetic Resources 9(4): 478–485; as computed by Genesys): each MCPD
descriptor present scores points, some whatever the accession, others depending on its
biological status (SAMPSTAT: wild and weedy material is judged on its collecting data,
landraces on both, breeding material and cultivars on names and pedigree). The weights below
are those of the paper's Table 1 as we transcribed them; the index is the score divided by the
maximum score of the accession's type, times 10 (0–10, 10 = every scored descriptor present).

Plausibility (Genesys's coordinate checks and common curation rules): collecting site inside
the country of origin (point in polygon against the world-atlas country shapes the app
serves, through the drought module's service), coordinates not (0, 0), elevation between
−430 m (Dead Sea shore) and 8 849 m (Everest), collecting and acquisition dates not in the
future nor before 1700 and collected before acquired, and probable duplicates across
institutes (same genus and accession name; one's accession number given as another's donor
or other number).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Float, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from iofs.genebank.models import Accession
from iofs.i18n import N_
from iofs.permissions import Principal, authorize

#: Points of descriptors whatever the biological status (van Hintum et al. 2011, Table 1).
INDEPENDENT = {
    "GENUS": 120,
    "SPECIES": 80,
    "SPAUTHOR": 5,
    "SUBTAXA": 40,
    "SUBTAUTHOR": 5,
    "CROPNAME": 45,
    "ACQDATE": 10,
    "SAMPSTAT": 80,
    "DONORCODE": 40,
    "DONORNUMB": 40,
    "OTHERNUMB": 35,
    "DUPLSITE": 30,
    "STORAGE": 15,
    "ACCEURL": 40,
    "MLSSTAT": 15,
}
#: DONORNAME scores when DONORCODE is absent; COLLNAME when COLLCODE is absent.
FALLBACKS = {"DONORCODE": ("DONORNAME", 0.5), "COLLCODE": ("COLLNAME", 0.5)}
_WILD = {
    "ORIGCTY": 80,
    "COLLSITE": 70,
    "COORDINATES": 120,
    "ELEVATION": 20,
    "COLLDATE": 30,
    "COLLSRC": 30,
    "COLLNUMB": 60,
    "COLLCODE": 40,
}
#: Points depending on the type of material (SAMPSTAT's first digit; 9 and empty: other).
DEPENDENT: dict[str, dict[str, int]] = {
    "wild": _WILD,
    "weedy": _WILD,
    "landrace": {
        "ACCENAME": 50,
        "ORIGCTY": 80,
        "COLLSITE": 45,
        "COORDINATES": 80,
        "ELEVATION": 15,
        "COLLDATE": 30,
        "ANCEST": 10,
        "COLLSRC": 50,
        "COLLNUMB": 40,
        "COLLCODE": 30,
    },
    "breeding": {"ACCENAME": 80, "ORIGCTY": 40, "BREDCODE": 110, "ANCEST": 150, "COLLSRC": 20},
    "cultivar": {"ACCENAME": 160, "ORIGCTY": 40, "BREDCODE": 80, "ANCEST": 100, "COLLSRC": 20},
    "other": {
        "ACCENAME": 40,
        "ORIGCTY": 20,
        "COLLSITE": 20,
        "COORDINATES": 30,
        "ELEVATION": 5,
        "COLLDATE": 10,
        "BREDCODE": 10,
        "ANCEST": 40,
        "COLLSRC": 25,
        "COLLNUMB": 20,
        "COLLCODE": 20,
    },
}
MATERIAL_TYPES = {"1": "wild", "2": "weedy", "3": "landrace", "4": "breeding", "5": "cultivar"}
#: The columns the index and the checks read (accession attributes).
COLUMNS = (
    "id",
    "instcode",
    "accenumb",
    "genus",
    "species",
    "spauthor",
    "subtaxa",
    "subtauthor",
    "cropname",
    "acqdate",
    "sampstat",
    "donorcode",
    "donorname",
    "donornumb",
    "othernumb",
    "duplsite",
    "storage",
    "acceurl",
    "mlsstat",
    "accename",
    "origcty",
    "collsite",
    "lat",
    "lon",
    "elevation",
    "colldate",
    "collsrc",
    "collnumb",
    "collcode",
    "collname",
    "bredcode",
    "ancest",
)
CHECKS = {
    "outside_origcty": N_("collecting site outside the country of origin"),
    "zero_coordinates": N_("coordinates at 0, 0"),
    "elevation": N_("elevation outside −430 to 8 849 m"),
    "future_date": N_("date in the future"),
    "early_date": N_("date before 1700"),
    "collected_after_acquired": N_("collected after it was acquired"),
    "duplicate_name": N_("same genus and name at another institute"),
    "duplicate_number": N_("its number is another institute's donor or other number"),
    "low_pdci": N_("passport data completeness index below 5"),
}
MIN_ELEVATION_M, MAX_ELEVATION_M = -430.0, 8849.0


def material_type(sampstat: str) -> str:
    """The PDCI type of a SAMPSTAT code: wild, weedy, landrace, breeding, cultivar, other."""
    return MATERIAL_TYPES.get(sampstat[:1], "other")


def _maximum(kind: str) -> int:
    return sum(INDEPENDENT.values()) + sum(DEPENDENT[kind].values())


MAXIMUM = {kind: _maximum(kind) for kind in DEPENDENT}


def _present(row: Mapping[str, Any], descriptor: str) -> bool:
    if descriptor == "COORDINATES":
        return row["lat"] is not None and row["lon"] is not None
    value = row[descriptor.lower()]
    if descriptor == "SPECIES":
        return bool(value) and value not in {"sp", "sp.", "spp", "spp."}
    if descriptor in {"SPAUTHOR"}:
        return bool(value) and bool(row["species"])
    if descriptor == "SUBTAUTHOR":
        return bool(value) and bool(row["subtaxa"])
    return bool(value)


def pdci(row: Mapping[str, Any]) -> float:
    """The PDCI (0–10) of one accession's passport (attribute name → value)."""
    kind = material_type(row["sampstat"] or "")
    score = 0.0
    for weights in (INDEPENDENT, DEPENDENT[kind]):
        for descriptor, points in weights.items():
            if _present(row, descriptor):
                score += points
            elif descriptor in FALLBACKS:
                fallback, share = FALLBACKS[descriptor]
                if _present(row, fallback):
                    score += points * share
    return round(10 * score / MAXIMUM[kind], 2)


def _present_sql(descriptor: str) -> Any:
    """SQL twin of :func:`_present` (the same rules, evaluated by the database)."""
    if descriptor == "COORDINATES":
        return and_(Accession.lat.is_not(None), Accession.lon.is_not(None))
    column = func.coalesce(getattr(Accession, descriptor.lower()), "")
    if descriptor == "SPECIES":
        return and_(column != "", column.not_in(["sp", "sp.", "spp", "spp."]))
    if descriptor == "SPAUTHOR":
        return and_(column != "", func.coalesce(Accession.species, "") != "")
    if descriptor == "SUBTAUTHOR":
        return and_(column != "", func.coalesce(Accession.subtaxa, "") != "")
    return column != ""


def _kind_sql() -> Any:
    """The PDCI type of each accession (:func:`material_type` in SQL)."""
    first = func.substr(func.coalesce(Accession.sampstat, ""), 1, 1)
    return case(*((first == digit, kind) for digit, kind in MATERIAL_TYPES.items()), else_="other")


def _score_sql(kind_column: Any) -> Any:
    """The PDCI points of each accession (the sum :func:`pdci` makes, before scaling)."""

    def points(weights: Mapping[str, int]) -> Any:
        terms = []
        for descriptor, weight in weights.items():
            if descriptor in FALLBACKS:
                fallback, share = FALLBACKS[descriptor]
                terms.append(
                    case(
                        (_present_sql(descriptor), float(weight)),
                        (_present_sql(fallback), weight * share),
                        else_=0.0,
                    )
                )
            else:
                terms.append(case((_present_sql(descriptor), float(weight)), else_=0.0))
        return sum(terms[1:], terms[0])

    return points(INDEPENDENT) + case(
        *((kind_column == kind, points(weights)) for kind, weights in DEPENDENT.items()), else_=0.0
    )


def _scaled(kind: str, score: float) -> float:
    return round(10 * score / MAXIMUM[kind], 2)


def accession_pdci(accession: Accession) -> float:
    """The PDCI (0–10) of an accession."""
    return pdci({c: getattr(accession, c) for c in COLUMNS})


@dataclass
class CollectionQuality:
    """PDCI of a collection (one INSTCODE): accessions, mean and the distribution over the
    ten bins [0, 1), [1, 2) … [9, 10]."""

    instcode: str
    accessions: int
    mean_pdci: float
    histogram: list[int]


def collection_quality(session: Session, principal: Principal) -> list[CollectionQuality]:
    """PDCI per collection (INSTCODE): mean and distribution; the public sees available
    accessions only. The database groups accessions by institute, type and points (a few
    thousand combinations for a million accessions); the index is scaled here."""
    where = [] if _internal(principal) else [Accession.available.is_(True)]
    kind = _kind_sql()
    score = _score_sql(kind)
    grouped = session.execute(
        select(Accession.instcode, kind, score, func.count())
        .where(*where)
        .group_by(Accession.instcode, kind, score)
    ).all()
    sums: dict[str, float] = defaultdict(float)
    bins: dict[str, list[int]] = defaultdict(lambda: [0] * 10)
    for instcode, kind_name, points, count in grouped:
        value = _scaled(kind_name, float(points))
        sums[instcode] += value * count
        bins[instcode][min(int(value), 9)] += count
    return [
        CollectionQuality(code, sum(bins[code]), round(sums[code] / sum(bins[code]), 2), bins[code])
        for code in sorted(bins)
    ]


def _internal(principal: Principal) -> bool:
    from iofs.permissions import allows

    return allows(principal, "genebank.read_internal")


# --- plausibility -------------------------------------------------------------------------

#: Country shapes: ISO3 → polygon rings, each an (n, 2) array of (longitude, latitude).
Shapes = Mapping[str, Sequence[np.ndarray]]


def country_shapes() -> Shapes:
    """The world-atlas country shapes the app serves (ISO3 → rings), from the drought
    module's service (read once per process; empty when the boundaries are not installed,
    and the coordinate check then judges nothing)."""
    from iofs.monitor.drought import service as drought

    return drought.country_shapes()


def inside(rings: Sequence[np.ndarray], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each point (decimal degrees) lies inside the rings (even-odd rule, so holes
    and multi-part countries count right); a boolean array like ``lon``.

    Points are sorted by latitude once per ring, so each edge only meets the points whose
    latitude it spans (found by binary search): the work grows with edges plus crossings,
    not edges times points."""
    result = np.zeros(lon.shape, dtype=bool)
    for ring in rings:
        xs, ys = ring[:, 0], ring[:, 1]
        box = np.nonzero(
            (lon >= xs.min()) & (lon <= xs.max()) & (lat >= ys.min()) & (lat <= ys.max())
        )[0]
        if not box.size:
            continue
        order = box[np.argsort(lat[box], kind="stable")]
        px, py = lon[order], lat[order]
        x1, y1, x2, y2 = xs[:-1], ys[:-1], xs[1:], ys[1:]
        # An edge straddles py when min(y1, y2) <= py < max(y1, y2).
        starts = np.searchsorted(py, np.minimum(y1, y2), side="left")
        ends = np.searchsorted(py, np.maximum(y1, y2), side="left")
        crosses = np.zeros(order.size, dtype=bool)
        for edge in np.nonzero(ends > starts)[0]:
            first, last = starts[edge], ends[edge]
            slope = (x2[edge] - x1[edge]) / (y2[edge] - y1[edge])
            crosses[first:last] ^= px[first:last] < x1[edge] + (py[first:last] - y1[edge]) * slope
        result[order] ^= crosses
    return result


@dataclass(frozen=True)
class Finding:
    """One thing to fix in an accession's passport: the check and what it found."""

    accession_id: int
    instcode: str
    accenumb: str
    check: str
    detail: str


def _normal(text: str) -> str:
    return re.sub(r"[\s\-_.]+", "", text).casefold()


def _year(mcpd_date: str) -> int | None:
    return int(mcpd_date[:4]) if mcpd_date[:4].isdigit() else None


def _full(mcpd_date: str) -> str | None:
    return mcpd_date if len(mcpd_date) == 8 and mcpd_date.isdigit() else None


def _row_findings(row: Mapping[str, Any], today: str) -> Iterator[tuple[str, str]]:
    if row["lat"] == 0 and row["lon"] == 0:
        yield "zero_coordinates", "0, 0"
    if row["elevation"]:
        try:
            elevation = float(row["elevation"])
        except ValueError:
            elevation = None
        if elevation is not None and not MIN_ELEVATION_M <= elevation <= MAX_ELEVATION_M:
            yield "elevation", f"{row['elevation']} m"
    for name in ("colldate", "acqdate"):
        value = row[name]
        year = _year(value)
        if year is not None and year < 1700:
            yield "early_date", f"{name.upper()} {value}"
        if value[:4].isdigit() and value.replace("-", "0") > today:
            yield "future_date", f"{name.upper()} {value}"
    collected, acquired = _full(row["colldate"]), _full(row["acqdate"])
    if collected and acquired and collected > acquired:
        yield "collected_after_acquired", f"COLLDATE {collected} > ACQDATE {acquired}"


#: Columns the duplicate checks read (per accession).
DUPLICATE_COLUMNS = ("id", "instcode", "accenumb", "genus", "accename", "donornumb", "othernumb")


def _duplicates(
    rows: Sequence[Sequence[Any]], numbers: Mapping[str, list[Sequence[Any]]]
) -> Iterator[tuple[Sequence[Any], str, str]]:
    """Probable duplicates: ``rows`` (:data:`DUPLICATE_COLUMNS`) with a name, donor or
    other number; ``numbers``: normalized accession number → accessions."""
    names: dict[tuple[str, str], list[Sequence[Any]]] = defaultdict(list)
    for row in rows:
        for name in row[4].split(";"):
            if _normal(name):
                names[(row[3].casefold(), _normal(name))].append(row)
    for group in names.values():
        institutes = {r[1] for r in group}
        if len(institutes) > 1:
            for row in group:
                others = sorted(institutes - {row[1]})
                yield row, "duplicate_name", ", ".join(others)
    for row in rows:
        given = [part.split(":", 1)[-1] for part in (row[5], *row[6].split(";")) if part]
        for number in given:
            for other in numbers.get(_normal(number), []):
                if other[1] != row[1]:
                    yield other, "duplicate_number", f"{row[1]} {row[2]}"


def _suspect_sql(session: Session, today: str) -> Any:
    """Accessions a row check may flag (a superset: :func:`_row_findings` decides)."""
    elevation = func.coalesce(Accession.elevation, "")
    if session.get_bind().dialect.name == "postgresql":
        metres = case(
            (elevation.regexp_match(r"^\s*[-+]?[0-9]+(\.[0-9]*)?\s*$"), cast(elevation, Float)),
            else_=None,
        )
    else:
        metres = case((elevation != "", cast(elevation, Float)), else_=None)
    conditions = [
        and_(Accession.lat == 0, Accession.lon == 0),
        or_(metres < MIN_ELEVATION_M, metres > MAX_ELEVATION_M),
    ]
    for column in (Accession.colldate, Accession.acqdate):
        text = func.coalesce(column, "")
        conditions.append(
            and_(
                text != "",
                or_(func.substr(text, 1, 4) < "1700", func.replace(text, "-", "0") > today),
            )
        )
    conditions.append(
        and_(
            func.length(Accession.colldate) == 8,
            func.length(Accession.acqdate) == 8,
            Accession.colldate > Accession.acqdate,
        )
    )
    return or_(*conditions)


def plausibility(
    session: Session,
    principal: Principal,
    shapes: Shapes | None = None,
    today: date | None = None,
    pdci_below: float = 5.0,
) -> list[Finding]:
    """The curators' "to fix" list: every finding of the plausibility checks and every
    accession with a PDCI below ``pdci_below``, by institute and accession number. Country
    shapes default to :func:`country_shapes`.

    The database does the scanning: it selects the accessions a row check may flag, those
    below the PDCI threshold, the located ones (as arrays for the point-in-polygon test)
    and the ones with names or numbers for the duplicate checks."""
    authorize(principal, "genebank.read_internal")
    shapes = country_shapes() if shapes is None else shapes
    stamp = (today or date.today()).strftime("%Y%m%d")
    findings: list[Finding] = []
    columns = [getattr(Accession, c) for c in COLUMNS]
    for values in session.execute(select(*columns).where(_suspect_sql(session, stamp))):
        row = dict(zip(COLUMNS, values, strict=True))
        findings.extend(
            Finding(row["id"], row["instcode"], row["accenumb"], check, detail)
            for check, detail in _row_findings(row, stamp)
        )
    kind = _kind_sql()
    score = _score_sql(kind)
    maximum = case(*((kind == k, float(m)) for k, m in MAXIMUM.items()), else_=1.0)
    low = select(Accession.id, Accession.instcode, Accession.accenumb, kind, score).where(
        score < maximum * (pdci_below + 0.005) / 10
    )
    for accession_id, instcode, accenumb, kind_name, points in session.execute(low):
        value = _scaled(kind_name, float(points))
        if value < pdci_below:
            findings.append(Finding(accession_id, instcode, accenumb, "low_pdci", f"{value:.2f}"))
    findings.extend(_outside(session, shapes))
    findings.extend(_duplicate_findings(session))
    return sorted(findings, key=lambda f: (f.instcode, f.accenumb, f.check, f.detail))


def _outside(session: Session, shapes: Shapes) -> Iterator[Finding]:
    """Located accessions (not at 0, 0) outside the shape of their ORIGCTY; countries
    without a shape (historic or unmapped codes, e.g. SUN, XKX) are not judged."""
    if not shapes:
        return
    located = session.execute(
        select(
            Accession.origcty,
            Accession.lon,
            Accession.lat,
            Accession.id,
            Accession.instcode,
            Accession.accenumb,
        ).where(
            Accession.lat.is_not(None),
            Accession.lon.is_not(None),
            func.coalesce(Accession.origcty, "") != "",
            ~and_(Accession.lat == 0, Accession.lon == 0),
        )
    ).all()
    if not located:
        return
    countries = np.array([r[0] for r in located], dtype=object)
    lon = np.fromiter((r[1] for r in located), dtype=np.float64, count=len(located))
    lat = np.fromiter((r[2] for r in located), dtype=np.float64, count=len(located))
    codes, groups = np.unique(countries, return_inverse=True)
    for number, country in enumerate(codes):
        rings = shapes.get(str(country))
        if not rings:
            continue
        members = np.nonzero(groups == number)[0]
        for index in members[~inside(rings, lon[members], lat[members])].tolist():
            row = located[index]
            yield Finding(row[3], row[4], row[5], "outside_origcty", row[0])


def _duplicate_findings(session: Session) -> Iterator[Finding]:
    """Duplicates by name and number across institutes, each reported once."""
    columns = [getattr(Accession, c) for c in DUPLICATE_COLUMNS]
    named = session.execute(
        select(*columns).where(
            or_(
                func.coalesce(Accession.accename, "") != "",
                func.coalesce(Accession.donornumb, "") != "",
                func.coalesce(Accession.othernumb, "") != "",
            )
        )
    ).all()
    numbers: dict[str, list[Sequence[Any]]] = defaultdict(list)
    if any(row[5] or row[6] for row in named):
        for accession in session.execute(select(*columns)):
            numbers[_normal(accession[2])].append(accession)
    seen = set()
    for found, check, detail in _duplicates(named, numbers):
        key = (found[0], check, detail)
        if key not in seen:
            seen.add(key)
            yield Finding(found[0], found[1], found[2], check, detail)


def finding_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each check."""
    return dict(Counter(f.check for f in findings))
