"""The fast paths of large imports and of search give the same answers as the plain ones.

- Validation: a row the fast path accepts is one :func:`mcpd.validate_row` passes unchanged
  (with at most the REMARKS warning on 'Other' codes).
- Audit: bulk-built entries equal those of :func:`iofs.audit.service.created_many`, and the
  imported rows verify against them.
- Reading in a second process ends exactly as reading here.
- Search: totals, facets and pages equal a brute-force filter of every accession, whichever
  plan (scan in id order or indexes) the service picks.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.audit import service as audit
from iofs.audit.models import AuditEntry
from iofs.db import transaction
from iofs.genebank import mcpd, search, service
from iofs.genebank.models import Accession, AccessionCount
from iofs.permissions import Principal

#: Values per column, valid and not, for the agreement test (made up).
POOL: dict[str, list[str]] = {
    "PUID": ["", "https://doi.org/10.18730/X", "doi:10.1/2", "abc", "has space", "urn:x"],
    "INSTCODE": ["KAZ015", "kaz015", "KAZ15", " KAZ015"],
    "ACCENUMB": ["KZ-1", "", "KZ 2 ", "IG 1234"],
    "COLLCODE": ["", "KAZ015", "KAZ015;UZB001", "KAZ015; UZB001", "bad"],
    "GENUS": ["Triticum", "triticum", "", "Zea-mays", "Two words"],
    "SPECIES": ["", "aestivum", "sp.", "sp", "spp", "MAYS", "x aestivum", "9x"],
    "SUBTAXA": ["", "subsp. durum", "ssp. durum", "var. x", "weird rank"],
    "ACCENAME": ["", "Name", "name", "A;b", "A;B"],
    "ACQDATE": ["", "2019----", "20190231", "19991340", "2019", "20190800", "29990101", "201901--"],
    "COLLDATE": ["", "2018----", "2020----", "20180815"],
    "ORIGCTY": ["", "KAZ", "kaz", "XXX", "SUN"],
    "DECLATITUDE": ["", "51.28", "-90", "90.1", "abc", "+1.5", ".5"],
    "DECLONGITUDE": ["", "71.43", "-180", "181", "1e5"],
    "LATITUDE": ["", "511648N"],
    "COORDUNCERT": ["", "50", "-1", "x"],
    "GEOREFMETH": ["", "GPS", "guess"],
    "ELEVATION": ["", "347", "9000", "-500", "high"],
    "SAMPSTAT": ["", "300", "999", "42"],
    "COLLSRC": ["", "26", "99", "7"],
    "STORAGE": ["", "13", "12;13", "12; 13", "14"],
    "MLSSTAT": ["", "0", "1", "99", "Y"],
    "REMARKS": ["", "ACCENAME:x", "free text", "COLLSITE:a;nope"],
    "OTHERNUMB": ["", "ICARDA:IG 1", "IG 1"],
    "DUPLSITE": ["", "NOR051", "nor051"],
    "COLLSITE": ["", "Akmola", " Akmola", "x" * 10_001],
}
AVAILABLE_POOL = ["", "yes", "no", "Y", " yes", "maybe", "TRUE"]


@settings(max_examples=400, deadline=None)
@given(
    st.fixed_dictionaries({c: st.sampled_from(v) for c, v in POOL.items()}),
    st.sampled_from(AVAILABLE_POOL),
)
def test_fast_path_accepts_only_what_full_validation_passes(
    values: dict[str, str], available: str
) -> None:
    today = date.today()
    ordered = [values.get(c, "") for c in mcpd.MCPD_COLUMNS]
    accepted = mcpd._FastPath(today).accept(ordered, available)
    full = mcpd.validate_row(2, {**values, mcpd.AVAILABLE: available}, today)
    if accepted is None:
        return
    expected = [mcpd.Issue(2, "REMARKS", "warning", mcpd.OTHER_UNEXPLAINED)] if accepted[3] else []
    assert full.issues == expected
    assert full.values == dict(zip(mcpd.MCPD_COLUMNS, ordered, strict=True))
    assert (full.available, full.lat, full.lon) == accepted[:3]


def test_fast_path_takes_the_common_clean_rows() -> None:
    values = {
        "INSTCODE": "KAZ015",
        "ACCENUMB": "KZ-1",
        "GENUS": "Triticum",
        "SPECIES": "aestivum",
        "ORIGCTY": "KAZ",
        "ACQDATE": "2019----",
        "DECLATITUDE": "51.28",
        "DECLONGITUDE": "71.43",
        "SAMPSTAT": "999",
        "STORAGE": "12;13",
        "MLSSTAT": "1",
    }
    accepted = mcpd._FastPath(date.today()).accept(
        [values.get(c, "") for c in mcpd.MCPD_COLUMNS], "yes"
    )
    assert accepted == (True, 51.28, 71.43, True)


def test_stream_reads_the_real_fixture_like_the_report(shared_data: Path) -> None:
    path = shared_data / "mcpd" / "sample_vavilov3_fixture_accessions.csv"
    report = mcpd.validate_file(path)
    stream = mcpd.open_passport(path)
    rows = list(stream)
    assert [r.issues for r in rows] == [r.issues for r in report.rows]
    assert [r.issues for r in stream.invalid] == [r.issues for r in report.invalid]
    assert (stream.error_count, stream.warning_count) == (report.error_count, report.warning_count)
    with pytest.raises(RuntimeError):
        list(stream)


def _passport(path: Path, records: list[dict[str, str]]) -> Path:
    columns = [*mcpd.MCPD_COLUMNS, mcpd.AVAILABLE]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([r.get(c, "") for c in columns] for r in records)
    return path


TAXA = [
    ("Triticum", "aestivum", "", "wheat"),
    ("Triticum", "durum", "", "Durum wheat"),
    ("Hordeum", "vulgare", "subsp. spontaneum", "barley"),
    ("Cicer", "arietinum", "", "chickpea"),
    ("Zea", "mays", "", ""),
    ("Lens", "culinaris", "", "lentil"),
]


def _records(count: int, seed: int = 3) -> list[dict[str, str]]:
    """Made-up accessions: several taxa, crops, countries and statuses, some invalid."""
    rng = random.Random(seed)
    records = []
    for i in range(count):
        genus, species, subtaxa, crop = rng.choice(TAXA)
        record = {
            "INSTCODE": rng.choice(["KAZ015", "UZB006"]),
            "ACCENUMB": f"A-{i:04d}",
            "GENUS": genus,
            "SPECIES": species,
            "SUBTAXA": subtaxa,
            "CROPNAME": crop,
            "ORIGCTY": rng.choice(["KAZ", "UZB", "TUR", ""]),
            "SAMPSTAT": rng.choice(["100", "300", "500", ""]),
            "ACCENAME": rng.choice(["", "Kazakhstanskaya 10", 'Ак бидай "белая"']),
            "AVAILABLE": rng.choice(["yes", "no"]),
        }
        if rng.random() < 0.6:
            record.update(
                DECLATITUDE=f"{rng.uniform(30, 55):.4f}", DECLONGITUDE=f"{rng.uniform(40, 90):.4f}"
            )
        if i % 17 == 5:
            record["MLSSTAT"] = "Y"  # invalid
        if i % 23 == 7:
            record["ACCENUMB"] = "wheat"  # an accession number that is also a crop name
        records.append(record)
    return records


def _database_state(factory: sessionmaker[Session]) -> tuple[Any, ...]:
    with factory() as session:
        accessions = [
            service.mcpd_values(a) | {"available": a.available, "lat": a.lat}
            for a in session.execute(select(Accession).order_by(Accession.id)).scalars()
        ]
        counts = sorted(
            (
                c.available,
                c.genus,
                c.taxon,
                c.cropname,
                c.origcty,
                c.sampstat,
                c.has_coordinates,
                c.accessions,
            )
            for c in session.execute(select(AccessionCount)).scalars()
        )
        report = audit.verify(session)
    assert report.ok, report.problems
    return accessions, counts


@pytest.mark.parametrize("parallel", [False, True])
def test_import_in_a_second_process_matches_and_verifies(
    session_factory: sessionmaker[Session], tmp_path: Path, parallel: bool
) -> None:
    records = [r for r in _records(300) if r["ACCENUMB"] != "wheat"]
    path = _passport(tmp_path / "p.csv", records)
    stream = mcpd.open_passport(path)
    with pytest.raises(service.ImportRejected), transaction(session_factory) as session:
        service.import_passport(session, cli_principal(), stream, parallel=parallel)
    assert stream.error_count == len(stream.invalid) > 0
    with session_factory() as session:
        assert session.execute(select(func.count()).select_from(Accession)).scalar_one() == 0

    stream = mcpd.open_passport(path)
    with transaction(session_factory) as session:
        result = service.import_passport(
            session, cli_principal(), stream, partial=True, parallel=parallel
        )
    reference = mcpd.validate_file(path)
    assert [r.line for r in result.rejected] == [r.line for r in reference.invalid]
    assert result.inserted == len(reference.valid)
    assert result.warnings == reference.warning_count
    state = _database_state(session_factory)
    with session_factory() as session:
        for accession in session.execute(select(Accession)).scalars():
            entry = session.execute(
                select(AuditEntry).where(AuditEntry.record_id == str(accession.id))
            ).scalar_one()
            assert entry.after == json.dumps(
                audit.snapshot(accession), sort_keys=True, ensure_ascii=False
            )
    with transaction(session_factory) as session:
        again = service.import_passport(
            session, cli_principal(), mcpd.open_passport(path), partial=True, parallel=parallel
        )
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, result.inserted)
    assert _database_state(session_factory) == state


def test_counts_follow_updates_and_availability(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    records = [r for r in _records(120) if r.get("MLSSTAT") != "Y" and r["ACCENUMB"] != "wheat"]
    with transaction(session_factory) as session:
        service.import_passport(
            session, cli_principal(), mcpd.open_passport(_passport(tmp_path / "a.csv", records))
        )
    changed = [
        dict(r, ORIGCTY="IRN", AVAILABLE="yes") if i % 3 == 0 else r for i, r in enumerate(records)
    ]
    with transaction(session_factory) as session:
        result = service.import_passport(
            session, cli_principal(), mcpd.open_passport(_passport(tmp_path / "b.csv", changed))
        )
        assert result.updated > 0
        first = session.execute(select(Accession.id).order_by(Accession.id)).scalars().first()
        assert first is not None
        service.set_available(session, cli_principal(), first, False)
    kept = _database_state(session_factory)[1]
    with transaction(session_factory) as session:
        service.rebuild_counts(session, cli_principal())
    assert _database_state(session_factory)[1] == kept


def _brute_force(
    accessions: list[Accession], query: service.SearchQuery, public: bool
) -> list[Accession]:
    text = query.text.strip().lower()

    def keep(a: Accession) -> bool:
        return (
            (not public or a.available)
            and (public or query.available is None or a.available is query.available)
            and (
                not text
                or a.accenumb == query.text.strip()
                or a.taxon.lower().startswith(text)
                or a.cropname.lower().startswith(text)
            )
            and (not query.genus or a.genus == query.genus)
            and (not query.crop or a.cropname == query.crop)
            and (not query.country or a.origcty == query.country.upper())
            and (not query.sampstat or a.sampstat == query.sampstat)
            and (not query.with_coordinates or a.lat is not None)
            and (query.after_id is None or a.id > query.after_id)
        )

    return [a for a in accessions if keep(a)]


def _facets(rows: list[Accession], size: int = 12) -> dict[str, list[tuple[str, int]]]:
    result = {}
    for name, attribute in (
        ("genus", "genus"),
        ("crop", "cropname"),
        ("country", "origcty"),
        ("sampstat", "sampstat"),
        ("available", "available"),
    ):
        counts: dict[str, int] = {}
        for row in rows:
            value = getattr(row, attribute)
            key = str(value).lower() if isinstance(value, bool) else value
            counts[key] = counts.get(key, 0) + 1
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:size]
        result[name] = [(v, n) for v, n in top if v != ""]
    return result


@pytest.mark.parametrize("budget", [0, 10**9])  # always indexes / always a scan in id order
def test_search_equals_a_brute_force_filter(
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    budget: int,
) -> None:
    monkeypatch.setattr(search, "SCAN_BUDGET", budget)
    path = _passport(tmp_path / "p.csv", _records(400))
    with transaction(session_factory) as session:
        service.import_passport(session, cli_principal(), mcpd.open_passport(path), partial=True)
    queries = [
        service.SearchQuery(),
        service.SearchQuery(text="triticum"),
        service.SearchQuery(text="Durum"),
        service.SearchQuery(text="wheat"),
        service.SearchQuery(text="A-0003"),
        service.SearchQuery(text="%"),
        service.SearchQuery(text="hordeum vulgare subsp"),
        service.SearchQuery(genus="Triticum", country="kaz"),
        service.SearchQuery(crop="barley", sampstat="300", with_coordinates=True),
        service.SearchQuery(text="wheat", country="UZB", offset=5, limit=7),
        service.SearchQuery(available=False, genus="Zea"),
        service.SearchQuery(sampstat="500", limit=10, offset=20),
        service.SearchQuery(text="chick", after_id=150, limit=5),
        service.SearchQuery(country="ZZZ"),
    ]
    with session_factory() as session:
        everything = list(session.execute(select(Accession).order_by(Accession.id)).scalars())
        for principal, public in ((Principal(), True), (cli_principal(), False)):
            for query in queries:
                expected = _brute_force(everything, query, public)
                every = _brute_force(everything, replace(query, after_id=None), public)
                result = service.search(session, principal, query)
                assert result.total == len(every), query  # totals ignore the page key
                assert [a.id for a in result.accessions] == [
                    a.id for a in expected[query.offset : query.offset + query.limit]
                ], query
                assert result.facets == _facets(every), query
                points = service.collecting_points(session, principal, query, limit=30)
                assert [p["id"] for p in points] == [
                    a.id
                    for a in _brute_force(everything, replace(query, with_coordinates=True), public)
                ][:30], query


def test_a_file_error_in_the_reading_process_reaches_the_caller(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    records = [dict(r, ACCENUMB=f"B-{i:05d}") for i, r in enumerate(_records(1500))]
    path = _passport(tmp_path / "p.csv", records)
    assert path.stat().st_size > 65536  # past the sample the parent reads itself
    path.write_bytes(path.read_bytes() + b"KAZ015,X-\xff\xfe,Zea\n")  # not UTF-8 at the end
    with (
        pytest.raises(mcpd.PassportFileError, match="not UTF-8"),
        transaction(session_factory) as session,
    ):
        service.import_passport(
            session, cli_principal(), mcpd.open_passport(path), partial=True, parallel=True
        )
    with session_factory() as session:
        assert session.execute(select(func.count()).select_from(Accession)).scalar_one() == 0
