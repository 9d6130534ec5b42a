"""Passport data quality: the passport data completeness index (PDCI) and plausibility
checks, as Genesys shows them, and the curators' "to fix" list.

PDCI (van Hintum, Menting & van Strien 2011, "Quality indicators for passport data in ex
situ genebanks", Plant Genetic Resources 9(3): 478–485, doi:10.1017/S1479262111000682): each
MCPD descriptor present scores points, some whatever the accession, others depending on its
biological status (SAMPSTAT: wild and weedy material is judged on its collecting data,
landraces on both, breeding material and cultivars on names and pedigree); some points
depend on other descriptors (a site description is worth less next to coordinates, a
donor's name half its code). The index is the points divided by 100: wild to cultivar reach
10, "other" (SAMPSTAT 9xx or empty) 8.5.

The weights and their conditions are those of Germinate's implementation of the paper
(James Hutton Institute, repository germinateplatform/germinate-server, file
``src/main/java/jhi/germinate/server/util/tasks/PDCITask.java``); their points are
multiples of 5, consistent with the indexes Genesys publishes on its institute pages
(multiples of 0.05, e.g. https://www.genesys-pgr.org/wiews/LTU008). Genesys's own calculator
and the paper's Table 1 were not available to check against offline.

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

from iofs.audit import service as audit
from iofs.genebank.models import Accession
from iofs.http.paging import Page, Pager
from iofs.i18n import N_
from iofs.permissions import Principal, authorize

#: A PDCI rule: a descriptor's points as ordered cases ``(points, descriptors present)``; the
#: first case whose descriptors are all present scores (none: 0). ``COORDINATES`` is
#: DECLATITUDE and DECLONGITUDE together.
Rule = tuple[str, tuple[tuple[int, tuple[str, ...]], ...]]

#: Points whatever the biological status (van Hintum et al. 2011, Table 1, as Germinate's
#: ``PDCITask.calculateGenericPart`` implements it). The species and what qualifies it score
#: only under a genus and a species; a donor number scores half without a donor code or name;
#: a donor or safety-duplicate institute's name scores half its code.
INDEPENDENT: tuple[Rule, ...] = (
    ("GENUS", ((120, ("GENUS",)),)),
    ("SPECIES", ((80, ("GENUS", "SPECIES")),)),
    ("SPAUTHOR", ((5, ("GENUS", "SPECIES", "SPAUTHOR")),)),
    ("SUBTAXA", ((40, ("GENUS", "SPECIES", "SUBTAXA")),)),
    ("SUBTAUTHOR", ((5, ("GENUS", "SPECIES", "SUBTAUTHOR")),)),
    ("CROPNAME", ((45, ("GENUS", "SPECIES", "CROPNAME")),)),
    ("ACQDATE", ((10, ("ACQDATE",)),)),
    ("SAMPSTAT", ((80, ("SAMPSTAT",)),)),
    ("DONORCODE", ((40, ("DONORCODE",)), (20, ("DONORNAME",)))),
    (
        "DONORNUMB",
        ((40, ("DONORNUMB", "DONORCODE")), (40, ("DONORNUMB", "DONORNAME")), (20, ("DONORNUMB",))),
    ),
    ("OTHERNUMB", ((35, ("OTHERNUMB",)),)),
    ("DUPLSITE", ((30, ("DUPLSITE",)), (15, ("DUPLINSTNAME",)))),
    ("STORAGE", ((15, ("STORAGE",)),)),
    ("ACCEURL", ((40, ("ACCEURL",)),)),
    ("MLSSTAT", ((15, ("MLSSTAT",)),)),
)


def _site(
    origcty: int, site: int, located_site: int, coordinates: int, elevation: int
) -> tuple[Rule, ...]:
    """The collecting-site rules: a site description scores less when coordinates are
    given too (``located_site``)."""
    return (
        ("ORIGCTY", ((origcty, ("ORIGCTY",)),)),
        ("COLLSITE", ((located_site, ("COLLSITE", "COORDINATES")), (site, ("COLLSITE",)))),
        ("COORDINATES", ((coordinates, ("COORDINATES",)),)),
        ("ELEVATION", ((elevation, ("ELEVATION",)),)),
    )


def _one(descriptor: str, points: int) -> Rule:
    return (descriptor, ((points, (descriptor,)),))


def _or_name(code: str, name: str, points: int, name_points: int) -> Rule:
    return (code, ((points, (code,)), (name_points, (name,))))


_WILD = (
    *_site(80, 70, 20, 120, 20),
    _one("COLLDATE", 30),
    _one("COLLSRC", 30),
    _one("COLLNUMB", 60),
    _or_name("COLLCODE", "COLLNAME", 40, 20),
)
#: Points depending on the type of material (SAMPSTAT's first digit; 9 and empty: other),
#: as Germinate's ``calculateWildWeedy``, ``calculateLandrace``, ``calculateBreedingMaterial``,
#: ``calculateCultivar`` and ``calculateOther``. Wild to cultivar reach 400 (1 000 with the
#: independent 600); "other" reaches 250, so its index tops at 8.5.
DEPENDENT: dict[str, tuple[Rule, ...]] = {
    "wild": _WILD,
    "weedy": _WILD,
    "landrace": (
        *_site(80, 45, 15, 80, 15),
        _one("COLLDATE", 30),
        _one("ANCEST", 10),
        _one("COLLSRC", 50),
        _one("ACCENAME", 50),
        _one("COLLNUMB", 40),
        _or_name("COLLCODE", "COLLNAME", 30, 15),
    ),
    "breeding": (
        _one("ORIGCTY", 40),
        _or_name("BREDCODE", "BREDNAME", 110, 55),
        _one("ANCEST", 150),
        _one("COLLSRC", 20),
        _one("ACCENAME", 80),
    ),
    "cultivar": (
        _one("ORIGCTY", 40),
        _or_name("BREDCODE", "BREDNAME", 80, 40),
        _one("ANCEST", 100),
        _one("COLLSRC", 20),
        _one("ACCENAME", 160),
    ),
    "other": (
        *_site(40, 20, 10, 30, 5),
        _one("COLLDATE", 10),
        _or_name("BREDCODE", "BREDNAME", 10, 10),
        _one("ANCEST", 40),
        _one("COLLSRC", 25),
        _one("ACCENAME", 40),
        _one("COLLNUMB", 20),
        _or_name("COLLCODE", "COLLNAME", 20, 10),
    ),
}
#: Points per index unit: the index is the points divided by 100 (0–10).
POINTS_PER_UNIT = 100
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
    "duplinstname",
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
    "bredname",
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


def _present(row: Mapping[str, Any], descriptor: str) -> bool:
    if descriptor == "COORDINATES":
        return row["lat"] is not None and row["lon"] is not None
    return bool(row[descriptor.lower()])


def _points(row: Mapping[str, Any], rule: Rule) -> int:
    """The points ``rule`` gives ``row``: its first case whose descriptors are present."""
    for points, needed in rule[1]:
        if all(_present(row, d) for d in needed):
            return points
    return 0


def pdci(row: Mapping[str, Any]) -> float:
    """The PDCI (0–10) of one accession's passport (attribute name → value): the points of
    the independent rules and those of its type, divided by 100."""
    kind = material_type(row["sampstat"] or "")
    score = sum(_points(row, rule) for rule in (*INDEPENDENT, *DEPENDENT[kind]))
    return _scaled(score)


def _present_sql(descriptor: str) -> Any:
    """SQL twin of :func:`_present` (the same rules, evaluated by the database)."""
    if descriptor == "COORDINATES":
        return and_(Accession.lat.is_not(None), Accession.lon.is_not(None))
    return func.coalesce(getattr(Accession, descriptor.lower()), "") != ""


def _points_sql(rule: Rule) -> Any:
    """SQL twin of :func:`_points`."""
    return case(
        *((and_(*(_present_sql(d) for d in needed)), points) for points, needed in rule[1]),
        else_=0,
    )


def _kind_sql() -> Any:
    """The PDCI type of each accession (:func:`material_type` in SQL)."""
    first = func.substr(func.coalesce(Accession.sampstat, ""), 1, 1)
    return case(*((first == digit, kind) for digit, kind in MATERIAL_TYPES.items()), else_="other")


def _score_sql(kind_column: Any) -> Any:
    """The PDCI points of each accession (the sum :func:`pdci` makes, before scaling)."""

    def total(rules: Sequence[Rule]) -> Any:
        terms = [_points_sql(rule) for rule in rules]
        return sum(terms[1:], terms[0])

    return total(INDEPENDENT) + case(
        *((kind_column == kind, total(rules)) for kind, rules in DEPENDENT.items()), else_=0
    )


def _scaled(score: float) -> float:
    return round(score / POINTS_PER_UNIT, 2)


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
    accessions only. The database groups accessions by institute and points (a few
    hundred combinations for a million accessions); the index is scaled here."""
    where = [] if _internal(principal) else [Accession.available.is_(True)]
    score = _score_sql(_kind_sql())
    grouped = session.execute(
        select(Accession.instcode, score, func.count())
        .where(*where)
        .group_by(Accession.instcode, score)
    ).all()
    sums: dict[str, float] = defaultdict(float)
    bins: dict[str, list[int]] = defaultdict(lambda: [0] * 10)
    for instcode, points, count in grouped:
        value = _scaled(float(points))
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
    and the ones with names or numbers for the duplicate checks.

    With the default shapes the list is kept per process until an accession is written (the
    hash of the audit chain's newest accession entry, the number of accessions or the highest
    id changes) or the day does: it takes seconds for a large collection (16 s for 1 M
    accessions), and a curator pages through it. Passports edited around the audit log
    (none of iofs's own paths) are not seen; before any audited accession write, nothing is
    kept."""
    authorize(principal, "genebank.read_internal")
    stamp = (today or date.today()).strftime("%Y%m%d")
    if shapes is not None:
        return _plausibility(session, shapes, stamp, pdci_below)
    newest = audit.newest_hash(session, Accession.__tablename__)
    count, last = session.execute(select(func.count(), func.max(Accession.id))).one()
    if not newest:  # no audited accession write yet: nothing to tell one state from another
        return _plausibility(session, country_shapes(), stamp, pdci_below)
    url = session.get_bind().engine.url.render_as_string()
    key = (url, newest, int(count), int(last or 0), stamp, pdci_below)
    if key not in _kept:
        _kept.clear()
        _kept[key] = _plausibility(session, country_shapes(), stamp, pdci_below)
    return _kept[key]


#: The last :func:`plausibility` list of this process, by database, newest accession entry's
#: hash, number of accessions and highest id, day and threshold.
_kept: dict[tuple[str, str, int, int, str, float], list[Finding]] = {}


def _plausibility(session: Session, shapes: Shapes, stamp: str, pdci_below: float) -> list[Finding]:
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
    low = select(Accession.id, Accession.instcode, Accession.accenumb, score).where(
        score < pdci_below * POINTS_PER_UNIT
    )
    for accession_id, instcode, accenumb, points in session.execute(low):
        value = _scaled(float(points))
        if value < pdci_below:
            findings.append(Finding(accession_id, instcode, accenumb, "low_pdci", f"{value:.2f}"))
    findings.extend(_outside(session, shapes))
    findings.extend(_duplicate_findings(session))
    return sorted(findings, key=finding_key)


def finding_key(finding: Finding) -> tuple[str, str, str, str, int]:
    """The "to fix" list's order: institute, accession number, check, what it found, then the
    accession id (two accessions may share an institute and number)."""
    return (finding.instcode, finding.accenumb, finding.check, finding.detail, finding.accession_id)


#: Name bound into the cursors of the "to fix" list.
FINDINGS_SCOPE = "genebank.quality-findings"


def findings_page(
    findings: Sequence[Finding], after: str | None, limit: int, secret: str, check: str = ""
) -> Page[Finding]:
    """One page of a :func:`plausibility` list (only the findings of ``check`` when given)
    after the cursor ``after``. The list is computed in memory (point-in-polygon tests,
    duplicate groups), so the page is a slice of it found by its key (:func:`finding_key`)."""
    rows = [f for f in findings if not check or f.check == check]
    page: Page[Finding] = Pager(FINDINGS_SCOPE, [], secret, size=5).slice(
        rows, finding_key, after, limit
    )
    return page


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
