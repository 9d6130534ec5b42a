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
from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.genebank.models import Accession
from iofs.i18n import N_
from iofs.permissions import Principal, authorize

#: Points of descriptors whatever the biological status (van Hintum et al. 2011, Table 1).
INDEPENDENT = {"GENUS": 120, "SPECIES": 80, "SPAUTHOR": 5, "SUBTAXA": 40, "SUBTAUTHOR": 5,
               "CROPNAME": 45, "ACQDATE": 10, "SAMPSTAT": 80, "DONORCODE": 40,
               "DONORNUMB": 40, "OTHERNUMB": 35, "DUPLSITE": 30, "STORAGE": 15,
               "ACCEURL": 40, "MLSSTAT": 15}
#: DONORNAME scores when DONORCODE is absent; COLLNAME when COLLCODE is absent.
FALLBACKS = {"DONORCODE": ("DONORNAME", 0.5), "COLLCODE": ("COLLNAME", 0.5)}
_WILD = {"ORIGCTY": 80, "COLLSITE": 70, "COORDINATES": 120, "ELEVATION": 20, "COLLDATE": 30,
         "COLLSRC": 30, "COLLNUMB": 60, "COLLCODE": 40}
#: Points depending on the type of material (SAMPSTAT's first digit; 9 and empty: other).
DEPENDENT: dict[str, dict[str, int]] = {
    "wild": _WILD, "weedy": _WILD,
    "landrace": {"ACCENAME": 50, "ORIGCTY": 80, "COLLSITE": 45, "COORDINATES": 80,
                 "ELEVATION": 15, "COLLDATE": 30, "ANCEST": 10, "COLLSRC": 50,
                 "COLLNUMB": 40, "COLLCODE": 30},
    "breeding": {"ACCENAME": 80, "ORIGCTY": 40, "BREDCODE": 110, "ANCEST": 150,
                 "COLLSRC": 20},
    "cultivar": {"ACCENAME": 160, "ORIGCTY": 40, "BREDCODE": 80, "ANCEST": 100,
                 "COLLSRC": 20},
    "other": {"ACCENAME": 40, "ORIGCTY": 20, "COLLSITE": 20, "COORDINATES": 30,
              "ELEVATION": 5, "COLLDATE": 10, "BREDCODE": 10, "ANCEST": 40, "COLLSRC": 25,
              "COLLNUMB": 20, "COLLCODE": 20},
}
MATERIAL_TYPES = {"1": "wild", "2": "weedy", "3": "landrace", "4": "breeding",
                  "5": "cultivar"}
#: The columns the index and the checks read (accession attributes).
COLUMNS = ("id", "instcode", "accenumb", "genus", "species", "spauthor", "subtaxa",
           "subtauthor", "cropname", "acqdate", "sampstat", "donorcode", "donorname",
           "donornumb", "othernumb", "duplsite", "storage", "acceurl", "mlsstat", "accename",
           "origcty", "collsite", "lat", "lon", "elevation", "colldate", "collsrc", "collnumb",
           "collcode", "collname", "bredcode", "ancest")
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


def _rows(session: Session, where: Iterable[Any] = (), batch: int = 20_000
          ) -> Iterator[list[dict[str, Any]]]:
    columns = [getattr(Accession, c) for c in COLUMNS]
    result = session.execute(select(*columns).where(*where).order_by(Accession.id)
                             .execution_options(yield_per=batch))
    for part in result.partitions(batch):
        yield [dict(zip(COLUMNS, r, strict=True)) for r in part]


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
    accessions only."""
    where = [] if _internal(principal) else [Accession.available.is_(True)]
    sums: dict[str, float] = defaultdict(float)
    bins: dict[str, list[int]] = defaultdict(lambda: [0] * 10)
    for rows in _rows(session, where):
        for row in rows:
            value = pdci(row)
            sums[row["instcode"]] += value
            bins[row["instcode"]][min(int(value), 9)] += 1
    return [CollectionQuality(code, sum(bins[code]), round(sums[code] / sum(bins[code]), 2),
                              bins[code]) for code in sorted(bins)]


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
    and multi-part countries count right); a boolean array like ``lon``."""
    result = np.zeros(lon.shape, dtype=bool)
    for ring in rings:
        xs, ys = ring[:, 0], ring[:, 1]
        box = (lon >= xs.min()) & (lon <= xs.max()) & (lat >= ys.min()) & (lat <= ys.max())
        if not box.any():
            continue
        px, py = lon[box], lat[box]
        x1, y1 = xs[:-1][:, None], ys[:-1][:, None]
        x2, y2 = xs[1:][:, None], ys[1:][:, None]
        crosses = np.zeros(px.shape, dtype=bool)
        for start in range(0, len(xs) - 1, 4096):  # bounded memory: 4096 edges × points
            end = start + 4096
            a1, b1, a2, b2 = x1[start:end], y1[start:end], x2[start:end], y2[start:end]
            straddles = (b1 > py) != (b2 > py)
            with np.errstate(divide="ignore", invalid="ignore"):
                at = a1 + (py - b1) * (a2 - a1) / (b2 - b1)
            crosses ^= np.logical_xor.reduce(straddles & (px < at), axis=0)
        result[box] ^= crosses
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


def _duplicates(rows: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str, str]]:
    names: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    numbers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        for name in row["accename"].split(";"):
            if _normal(name):
                names[(row["genus"].casefold(), _normal(name))].append(row)
        numbers[_normal(row["accenumb"])].append(row)
    for group in names.values():
        institutes = {r["instcode"] for r in group}
        if len(institutes) > 1:
            for row in group:
                others = sorted(institutes - {row["instcode"]})
                yield row, "duplicate_name", ", ".join(others)
    for row in rows:
        given = [part.split(":", 1)[-1] for part in
                 (row["donornumb"], *row["othernumb"].split(";")) if part]
        for number in given:
            for other in numbers.get(_normal(number), []):
                if other["instcode"] != row["instcode"]:
                    yield other, "duplicate_number", f"{row['instcode']} {row['accenumb']}"


def plausibility(session: Session, principal: Principal, shapes: Shapes | None = None,
                 today: date | None = None, pdci_below: float = 5.0) -> list[Finding]:
    """The curators' "to fix" list: every finding of the plausibility checks and every
    accession with a PDCI below ``pdci_below``, by institute and accession number. Country
    shapes default to :func:`country_shapes` (without them the coordinate check is not
    made)."""
    authorize(principal, "genebank.read_internal")
    shapes = country_shapes() if shapes is None else shapes
    stamp = (today or date.today()).strftime("%Y%m%d")
    findings: list[Finding] = []
    everything: list[dict[str, Any]] = []
    located: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for rows in _rows(session):
        for row in rows:
            slim = {k: row[k] for k in ("id", "instcode", "accenumb", "genus", "accename",
                                         "donornumb", "othernumb")}
            everything.append(slim)
            for check, detail in _row_findings(row, stamp):
                findings.append(Finding(row["id"], row["instcode"], row["accenumb"], check,
                                        detail))
            value = pdci(row)
            if value < pdci_below:
                findings.append(Finding(row["id"], row["instcode"], row["accenumb"],
                                        "low_pdci", f"{value:.2f}"))
            if row["lat"] is not None and row["lon"] is not None and row["origcty"] and \
                    not (row["lat"] == 0 and row["lon"] == 0):
                located[row["origcty"]].append((row["id"], row["lon"], row["lat"]))
    by_id = {r["id"]: r for r in everything}
    if shapes:
        for country, points in located.items():
            rings = shapes.get(country)
            if not rings:
                continue  # historic or unmapped codes (e.g. SUN, XKX) are not judged
            ids = np.array([p[0] for p in points])
            lon = np.array([p[1] for p in points], dtype=np.float64)
            lat = np.array([p[2] for p in points], dtype=np.float64)
            for accession_id in ids[~inside(rings, lon, lat)]:
                row = by_id[int(accession_id)]
                findings.append(Finding(row["id"], row["instcode"], row["accenumb"],
                                        "outside_origcty", country))
    seen = set()
    for row, check, detail in _duplicates(everything):
        key = (row["id"], check, detail)
        if key not in seen:
            seen.add(key)
            findings.append(Finding(row["id"], row["instcode"], row["accenumb"], check,
                                    detail))
    return sorted(findings, key=lambda f: (f.instcode, f.accenumb, f.check, f.detail))


def finding_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each check."""
    return dict(Counter(f.check for f in findings))
