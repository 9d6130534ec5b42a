"""PDCI, plausibility checks, the "to fix" list; traits: import, search, export, pages."""

from __future__ import annotations

import io
import itertools
import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.genebank import demo, mcpd, quality, service
from iofs.genebank.models import Accession, Observation
from iofs.permissions import PermissionDenied, Principal
from tests.conftest import make_user
from tests.genebank.test_genebank_store import RECORDS, write_passport

FULL_WILD = {
    "genus": "Hordeum",
    "species": "vulgare",
    "spauthor": "L.",
    "subtaxa": "x",
    "subtauthor": "y",
    "cropname": "barley",
    "acqdate": "20100101",
    "sampstat": "100",
    "donorcode": "SYR002",
    "donorname": "",
    "donornumb": "IG 1",
    "othernumb": "a",
    "duplsite": "NOR051",
    "duplinstname": "",
    "storage": "13",
    "acceurl": "http://x",
    "mlsstat": "1",
    "accename": "",
    "origcty": "IRN",
    "collsite": "Zagros",
    "lat": 33.0,
    "lon": 48.0,
    "elevation": "1200",
    "colldate": "20090101",
    "collsrc": "10",
    "collnumb": "C1",
    "collcode": "IRN029",
    "collname": "",
    "bredcode": "",
    "bredname": "",
    "ancest": "",
}


def test_pdci_follows_the_weights_by_type() -> None:
    """Worked by hand from the weights of van Hintum et al. (2011) as Germinate implements
    them (germinateplatform/germinate-server, src/main/java/jhi/germinate/server/util/tasks/
    PDCITask.java): points / 100."""
    # Independent 600 = GENUS 120 + SPECIES 80 + SPAUTHOR 5 + SUBTAXA 40 + SUBTAUTHOR 5
    # + CROPNAME 45 + ACQDATE 10 + SAMPSTAT 80 + DONORCODE 40 + DONORNUMB 40 + OTHERNUMB 35
    # + DUPLSITE 30 + STORAGE 15 + ACCEURL 40 + MLSSTAT 15; wild 400 = ORIGCTY 80
    # + COLLSITE 20 (next to coordinates) + coordinates 120 + ELEVATION 20 + COLLDATE 30
    # + COLLSRC 30 + COLLNUMB 60 + COLLCODE 40.
    assert quality.pdci(FULL_WILD) == 10.0
    # Without coordinates: −120, and the site description is worth 70 instead of 20.
    assert quality.pdci({**FULL_WILD, "lat": None}) == 9.30
    # Donor name instead of code: 20 instead of 40 (the donor number keeps its 40).
    assert quality.pdci({**FULL_WILD, "donorcode": "", "donorname": "ICARDA"}) == 9.80
    # A donor number alone: no code (−40) and the number worth 20 instead of 40.
    assert quality.pdci({**FULL_WILD, "donorcode": ""}) == 9.40
    # The safety-duplicate institute's name instead of its code: 15 instead of 30.
    assert quality.pdci({**FULL_WILD, "duplsite": "", "duplinstname": "Svalbard"}) == 9.85
    # No species: its 80 and the 95 of author, subtaxon, its author and crop name go too.
    assert quality.pdci({**FULL_WILD, "species": ""}) == 8.25
    # The same record as a cultivar: 600 + ORIGCTY 40 + COLLSRC 20.
    cultivar = {**FULL_WILD, "sampstat": "500"}
    assert quality.pdci(cultivar) == 6.60
    named = {
        **cultivar,
        "accename": "Bezostaya 1",
        "bredcode": "RUS001",
        "ancest": "Lutescens 17/Skorospelka 2",
    }
    # + BREDCODE 80 + ANCEST 100 + ACCENAME 160.
    assert quality.pdci(named) == 10.0
    # The breeder's name instead of its code: 40 instead of 80.
    assert quality.pdci({**named, "bredcode": "", "bredname": "Krasnodar"}) == 9.60
    # "Other" material: 600 + ORIGCTY 40 + COLLSITE 10 + coordinates 30 + ELEVATION 5
    # + COLLDATE 10 + COLLSRC 25 + COLLNUMB 20 + COLLCODE 20.
    assert quality.pdci({**FULL_WILD, "sampstat": "999"}) == 7.60
    assert (
        quality.pdci({k: ("" if isinstance(v, str) else None) for k, v in FULL_WILD.items()}) == 0.0
    )


def test_point_in_polygon_with_a_hole() -> None:
    outer = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], dtype=float)
    hole = np.array([[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]], dtype=float)
    lon, lat = np.array([1.0, 5.0, 11.0, 9.9]), np.array([1.0, 5.0, 5.0, 9.9])
    assert quality.inside([outer, hole], lon, lat).tolist() == [True, False, False, True]


def _import(
    factory: sessionmaker[Session], tmp_path: Path, records: list[dict[str, str]]
) -> dict[str, int]:
    path = write_passport(tmp_path / "p.csv", records)
    with transaction(factory) as session:
        service.import_passport(session, cli_principal(), mcpd.validate_file(path))
        return {a.accenumb: a.id for a in session.execute(select(Accession)).scalars()}


def test_to_fix_list(session_factory: sessionmaker[Session], tmp_path: Path) -> None:
    records = [
        *RECORDS,
        {
            "INSTCODE": "KAZ015",
            "ACCENUMB": "KZ-0009",
            "GENUS": "Triticum",
            "SPECIES": "aestivum",
            "ORIGCTY": "KAZ",
            "SAMPSTAT": "300",
            "DECLATITUDE": "40.0000",
            "DECLONGITUDE": "30.0000",
            "ELEVATION": "9500",
            "COLLDATE": "20200301",
            "ACQDATE": "20190101",
            "ACCENAME": "Kazakhstanskaya 10",
            "MLSSTAT": "1",
        },
        {
            "INSTCODE": "UZB006",
            "ACCENUMB": "UZ-77",
            "GENUS": "Triticum",
            "ACCENAME": "Kazakhstan-skaya 10",
            "ORIGCTY": "KAZ",
            "SAMPSTAT": "300",
            "DONORNUMB": "KZ-0003",
        },
    ]
    _import(session_factory, tmp_path, records)
    # A square KAZ "shape" around 45–55 N, 60–80 E (Astana's wheat is inside, KZ-0009 not).
    square = np.array([[60, 45], [80, 45], [80, 55], [60, 55], [60, 45]], dtype=float)
    with session_factory() as session:
        findings = service.plausibility(
            session, cli_principal(), shapes={"KAZ": [square]}, today=date(2026, 1, 1)
        )
    found = {(f.accenumb, f.check) for f in findings}
    assert ("KZ-0009", "outside_origcty") in found
    assert ("KZ-0001", "outside_origcty") not in found
    assert ("KZ-0009", "elevation") in found
    assert ("KZ-0009", "collected_after_acquired") in found
    assert {
        ("KZ-0001", "duplicate_name"),
        ("UZ-77", "duplicate_name"),
        ("KZ-0003", "duplicate_number"),
    } <= found
    assert ("KZ-0009", "duplicate_name") in found  # same genus and name as UZ-77
    assert ("UZ-77", "low_pdci") in found
    assert ("KZ-0001", "low_pdci") not in found
    with pytest.raises(PermissionDenied):
        service.plausibility(session_factory(), Principal(), shapes={})


def _traits(session: Session) -> None:
    service.define_trait(
        session,
        cli_principal(),
        service.TraitIn(
            code="DTH",
            name="Days to heading",
            crop="wheat",
            scale="numeric",
            unit="d",
            minimum=30,
            maximum=250,
        ),
    )
    service.define_trait(
        session,
        cli_principal(),
        service.TraitIn(
            code="DRT",
            name="Drought tolerance",
            scale="ordinal",
            categories="1=very low;3=low;5=intermediate;7=high;9=very high",
        ),
    )
    service.define_trait(
        session,
        cli_principal(),
        service.TraitIn(code="AWN", name="Awns", scale="nominal", categories="0=absent;1=present"),
    )


def test_observation_import_is_all_or_nothing_and_search(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _import(session_factory, tmp_path, RECORDS)
    header = "INSTCODE,ACCENUMB,TRAIT,VALUE,DATE,SITE,ENVIRONMENT,OBSERVER\n"
    good = (
        header + "KAZ015,KZ-0001,DTH,104,2024-06-20,Astana,rainfed,A. B.\n"
        "KAZ015,KZ-0001,DRT,7,,,,\nKAZ015,KZ-0003,DRT,9,,,,\nKAZ015,KZ-0003,DTH,121,,,,\n"
        "KAZ015,KZ-0002,AWN,1,,,,\n"
    )
    bad = (
        good + "KAZ015,KZ-0001,DTH,400,,,,\nKAZ015,KZ-9999,DRT,4,,,,\n"
        "KAZ015,KZ-0001,DRT,4,2999-01-01,,,\n"
    )
    with transaction(session_factory) as session:
        _traits(session)
    with (
        transaction(session_factory) as session,
        pytest.raises(service.ObservationsRejected) as rejected,
    ):
        service.import_observations(
            session, cli_principal(), service.read_observation_rows("o.csv", bad.encode())
        )
    issues = [str(i) for i in rejected.value.issues]
    assert "line 7, VALUE: 400 is outside 30.0–250.0." in issues
    assert "line 8, ACCENUMB: no such accession" in issues
    assert "line 9, VALUE: '4' is not a code of DRT." in issues
    assert "line 9, DATE: in the future" in issues
    with session_factory() as session:
        assert session.execute(select(func.count()).select_from(Observation)).scalar_one() == 0
    with transaction(session_factory) as session:
        result = service.import_observations(
            session, cli_principal(), service.read_observation_rows("o.csv", good.encode())
        )
        assert (result.inserted, result.unchanged) == (5, 0)
    # The same rows from an XLSX file change nothing.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in good.splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    with transaction(session_factory) as session:
        again = service.import_observations(
            session, cli_principal(), service.read_observation_rows("o.xlsx", buffer.getvalue())
        )
        assert (again.inserted, again.unchanged) == (0, 5)
    with session_factory() as session:

        def found(*conditions: str) -> list[str]:
            _total, rows = service.trait_search(
                session, cli_principal(), [service.parse_criterion(c) for c in conditions]
            )
            return [a.accenumb for a in rows]

        assert found("DRT>=7") == ["KZ-0001", "KZ-0003"]
        assert found("DRT >= 7", "DTH <= 110") == ["KZ-0001"]
        assert found("AWN=1") == ["KZ-0002"]
        _total, public = service.trait_search(
            session, Principal(), [service.parse_criterion("AWN=1")]
        )
        assert public == []  # KZ-0002 is not available
        with pytest.raises(service.GenebankError):
            service.parse_criterion("DRT ~ 7")
        out = io.StringIO()
        assert service.export_observations(session, cli_principal(), out) == 5
        assert out.getvalue().splitlines()[1] == "KAZ015,KZ-0001,DRT,7,,,,"
        wheat = session.execute(
            select(Accession).where(Accession.accenumb == "KZ-0003")
        ).scalar_one()
        summaries = {s.trait.code: s for s in service.trait_summaries(session, wheat.id)}
        assert summaries["DTH"].mean == 121 and summaries["DRT"].maximum == 9


def test_pages_show_pdci_quality_and_traits(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
        wheat = session.execute(
            select(Accession).where(Accession.accenumb == "DEMO-0001")
        ).scalar_one()
        expected = service.accession_pdci(wheat)
        wheat_id = wheat.id
    page = client.get(f"/genebank/accessions/{wheat_id}?lang=en")
    # The number may be isolated for bidirectional text (``<bdi dir="ltr">``).
    shown = re.search(r'<strong class="pdci">(?:<bdi[^>]*>)?([0-9.]+)<', page.text)
    assert shown is not None and shown.group(1) == f"{expected:.2f}"
    _uid, token = make_user(loaded_registry, "curator@iofs.example", "genebank_curator")
    quality_page = client.get(
        "/genebank/quality?lang=en", headers={"Authorization": f"Bearer {token}"}
    )
    assert quality_page.status_code == 200 and 'data-instcode="KAZ900"' in quality_page.text
    assert client.get("/genebank/quality").status_code in (303, 401, 403)


def test_collection_pdci_from_the_database_equals_the_rule(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _import(session_factory, tmp_path, RECORDS)
    with session_factory() as session:
        values = [service.accession_pdci(a) for a in session.execute(select(Accession)).scalars()]
        (collection,) = service.collection_quality(session, cli_principal())
    assert collection.accessions == len(values)
    assert collection.mean_pdci == round(sum(values) / len(values), 2)
    expected = [0] * 10
    for value in values:
        expected[min(int(value), 9)] += 1
    assert collection.histogram == expected


def test_point_in_polygon_agrees_with_brute_force() -> None:
    rng = np.random.default_rng(3)
    angles = np.sort(rng.uniform(0, 2 * np.pi, 60))
    radius = rng.uniform(2, 5, 60)
    star = np.c_[radius * np.cos(angles), radius * np.sin(angles)]
    star = np.vstack([star, star[:1]])
    lon, lat = rng.uniform(-6, 6, 5000), rng.uniform(-6, 6, 5000)
    expected = np.zeros(lon.shape, dtype=bool)
    for (x1, y1), (x2, y2) in itertools.pairwise(star):
        straddles = (y1 > lat) != (y2 > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
        expected ^= straddles & (lon < at)
    assert (quality.inside([star], lon, lat) == expected).all()
