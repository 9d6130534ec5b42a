"""#17 item 3: MCPD as curators have it. Files the tests make: a Germinate-like workbook
(METADATA sheet first, then DATA), a legacy national export (words for codes, country names in
three languages, partial dates, the whole name in GENUS, no INSTCODE column), a DMS
coordinate with 60 seconds; the mapping template, value mapping and dry run end to end."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.cli import app
from iofs.genebank import mcpd, mcpd_mapping, mcpd_template
from iofs.genebank.mcpd_coordinates import LATITUDE, LONGITUDE, dms_degrees
from iofs.genebank.models import Accession
from tests.genebank import test_genebank_store as store
from tests.genebank.test_genebank_store import count, said

cli_env = store.cli_env


def germinate_workbook(path: Path, *, data_title: str = "DATA") -> Path:
    """The shape of Germinate's MCPD template: a METADATA sheet of label/value rows first,
    the accessions on DATA under a header row of MCPD codes (after a title row)."""
    book = Workbook()
    meta = book.active
    assert meta is not None
    meta.title = "METADATA"
    for row in (
        ["LABEL", "DEFINITION", "VALUE"],
        ["Title", "Title of the dataset", "Kazakh wheat collection"],
        ["Contact", "Curator", "curator@example.org"],
    ):
        meta.append(row)
    data = book.create_sheet(data_title)
    data.append(["Multi-crop passport descriptors v2.1"])
    data.append(["INSTCODE", "ACCENUMB", "GENUS", "SPECIES", "ORIGCTY", "SAMPSTAT", "ACQDATE"])
    data.append(["KAZ015", "KZ-G1", "Triticum", "aestivum", "KAZ", 300, "2004----"])
    data.append(["KAZ015", "KZ-G2", "Hordeum", "vulgare", "UZB", 500, 20010512])
    book.save(path)
    return path


def test_the_mcpd_sheet_is_found_by_its_header(tmp_path: Path) -> None:
    path = germinate_workbook(tmp_path / "germinate.xlsx")
    report = mcpd.validate_file(path)
    assert [r.values["ACCENUMB"] for r in report.rows] == ["KZ-G1", "KZ-G2"]
    assert [r.line for r in report.rows] == [3, 4]  # the sheet's own row numbers
    assert report.valid == report.rows
    assert report.rows[0].values["SAMPSTAT"] == "300"
    stream = mcpd.open_passport(path)
    assert stream.source is not None and stream.source.sheet == "DATA"
    stream.discard()


def test_a_named_sheet_and_a_workbook_without_an_mcpd_sheet(tmp_path: Path) -> None:
    path = germinate_workbook(tmp_path / "germinate.xlsx", data_title="Accessions")
    assert len(mcpd.validate_file(path, sheet="Accessions").rows) == 2
    with pytest.raises(mcpd.PassportFileError) as missing:
        mcpd.open_passport(path, sheet="Passport")
    assert str(missing.value) == (
        "germinate.xlsx: no sheet named 'Passport' (sheets: METADATA, Accessions)"
    )
    with pytest.raises(mcpd.PassportFileError) as wrong:
        mcpd.open_passport(path, sheet="METADATA")
    assert "the required MCPD column INSTCODE is missing" in str(wrong.value)

    empty = Workbook()
    assert empty.active is not None
    empty.active.title = "Read me"
    empty.create_sheet("Blank")
    empty.active.append([None])
    empty.save(tmp_path / "empty.xlsx")
    with pytest.raises(mcpd.PassportFileError) as nothing:
        mcpd.open_passport(tmp_path / "empty.xlsx")
    message = str(nothing.value)
    assert message.startswith("empty.xlsx: no sheet has a header row of MCPD columns")
    assert "sheets seen: Read me (empty); Blank (empty)" in message
    assert "--mapping" not in message  # a mapping cannot help an empty workbook

    other = Workbook()
    assert other.active is not None
    other.active.append(["Accession no", "Botanical name", "Country"])
    other.active.append(["IG 1", "Triticum aestivum", "India"])
    other.save(tmp_path / "other.xlsx")
    with pytest.raises(mcpd.PassportFileError) as unmapped:
        mcpd.open_passport(tmp_path / "other.xlsx")
    assert "first row: 'Accession no', 'Botanical name', 'Country'" in str(unmapped.value)
    assert "--mapping" in str(unmapped.value)  # here it can


LEGACY = (
    "Accession no,Botanical name,Status,Country,Acquired,Storage,Notes\n"
    "NBPGR-1,Triticum aestivum,Landrace,India,2004,Long term,first\n"
    "NBPGR-2,Triticum durum,Landrace,Inde,2004-05,Long term;Field,\n"
    "NBPGR-3,Oryza sativa subsp. indica,Wild,الهند,2011-03-02,Medium term,\n"
    "NBPGR-4,Cicer arietinum,Improved cultivar,Pakistan,1999,long-term,\n"
)


def legacy_file(tmp_path: Path) -> Path:
    path = tmp_path / "national_export.csv"
    path.write_text(LEGACY, encoding="utf-8")
    return path


def test_partial_dates_countries_and_taxa_conversions() -> None:
    assert mcpd.partial_date("2004") == "2004----"
    assert mcpd.partial_date("2004-05") == "200405--"
    assert mcpd.partial_date("05/2004") == "200405--"
    assert mcpd.partial_date("2004-05-12 00:00:00") == "20040512"
    assert mcpd.partial_date("12/05/2004") == "12/05/2004"  # ambiguous: left to the validator
    assert [mcpd_mapping.country_code(n) for n in ("India", "Inde", "الهند", " india ")] == [
        "IND"
    ] * 4
    assert mcpd_mapping.country_code("Égypte") == mcpd_mapping.country_code("egypte") == "EGY"
    assert mcpd_mapping.country_code("Türkiye") == "TUR"
    assert mcpd_mapping.country_code("Atlantis") is None
    assert mcpd_mapping.split_taxon("Oryza sativa subsp. indica") == (
        "Oryza",
        "sativa",
        "subsp. indica",
    )


def test_the_mapping_template_lists_columns_values_and_guesses(tmp_path: Path) -> None:
    survey = mcpd_template.survey_file(legacy_file(tmp_path))
    by_header = {c.header: c for c in survey.columns}
    assert {h: c.target for h, c in by_header.items()} == {
        "Accession no": "ACCENUMB",
        "Botanical name": "GENUS",
        "Status": "SAMPSTAT",
        "Country": "ORIGCTY",
        "Acquired": "ACQDATE",
        "Storage": "STORAGE",
        "Notes": "REMARKS",
    }
    assert by_header["Status"].values == {"Landrace": 2, "Wild": 1, "Improved cultivar": 1}
    assert by_header["Status"].words == {
        "Landrace": "300",
        "Wild": "100",
        "Improved cultivar": "500",
    }
    assert by_header["Storage"].words["Long term;Field"] == "13;20"
    text = mcpd_template.render(survey, "toml")
    parsed = tomllib.loads(text)
    assert parsed["columns"]["Botanical name"] == "GENUS"
    assert parsed["convert"] == {
        "GENUS": "genus-species",
        "ORIGCTY": "country-name",
        "ACQDATE": "partial-date",
    }
    assert parsed["values"]["SAMPSTAT"]["Landrace"] == "300"
    assert "SAMPSTAT codes: 100 Wild, 110 Natural" in text
    assert '# INSTCODE = ""' in text  # no INSTCODE column: the curator must give one
    assert '"Landrace" (2)' in text
    from_yaml = yaml.safe_load(mcpd_template.render(survey, "yaml"))
    assert {k: v or {} for k, v in from_yaml.items()} == parsed


def test_legacy_export_imports_through_the_edited_template(
    cli_env: CliRunner, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    source = legacy_file(tmp_path)
    template = tmp_path / "mapping.toml"
    result = cli_env.invoke(
        app, ["genebank", "mapping-template", str(source), "--out", str(template)]
    )
    assert result.exit_code == 0, result.output
    assert "7 columns of national_export.csv written to" in said(result)

    result = cli_env.invoke(app, ["genebank", "import", str(source), "--mapping", str(template)])
    assert result.exit_code == 2
    assert "national_export.csv: the required MCPD column INSTCODE is missing" in said(result)
    assert '[constants] INSTCODE = "KAZ001"' in said(result)

    edited = template.read_text("utf-8").replace('# INSTCODE = ""', 'INSTCODE = "KAZ001"')
    template.write_text(edited, "utf-8")
    result = cli_env.invoke(
        app,
        [
            "genebank",
            "import",
            str(source),
            "--mapping",
            str(template),
            "--dry-run",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert count(session_factory, Accession) == 0  # a dry run writes nothing
    assert [
        {k: r.get(k) for k in ("INSTCODE", "GENUS", "SPECIES", "SAMPSTAT", "ORIGCTY", "ACQDATE")}
        for r in rows
    ] == [
        {
            "INSTCODE": "KAZ001",
            "GENUS": "Triticum",
            "SPECIES": "aestivum",
            "SAMPSTAT": "300",
            "ORIGCTY": "IND",
            "ACQDATE": "2004----",
        },
        {
            "INSTCODE": "KAZ001",
            "GENUS": "Triticum",
            "SPECIES": "durum",
            "SAMPSTAT": "300",
            "ORIGCTY": "IND",
            "ACQDATE": "200405--",
        },
        {
            "INSTCODE": "KAZ001",
            "GENUS": "Oryza",
            "SPECIES": "sativa",
            "SAMPSTAT": "100",
            "ORIGCTY": "IND",
            "ACQDATE": "20110302",
        },
        {
            "INSTCODE": "KAZ001",
            "GENUS": "Cicer",
            "SPECIES": "arietinum",
            "SAMPSTAT": "500",
            "ORIGCTY": "PAK",
            "ACQDATE": "1999----",
        },
    ]
    assert rows[2]["SUBTAXA"] == "subsp. indica" and rows[1]["STORAGE"] == "13;20"
    result = cli_env.invoke(
        app, ["genebank", "import", str(source), "--mapping", str(template), "--dry-run"]
    )
    assert result.exit_code == 0 and "As they would be stored (4 of 4 valid rows)" in said(result)

    result = cli_env.invoke(app, ["genebank", "import", str(source), "--mapping", str(template)])
    assert result.exit_code == 0, result.output
    assert "4 inserted" in said(result)
    with session_factory() as session:
        stored = {a.accenumb: a for a in session.execute(select(Accession)).scalars()}
    assert stored["NBPGR-1"].taxon == "Triticum aestivum" and stored["NBPGR-1"].origcty == "IND"
    assert stored["NBPGR-3"].taxon == "Oryza sativa subsp. indica"
    result = cli_env.invoke(app, ["genebank", "import", str(source), "--mapping", str(template)])
    assert "0 inserted, 0 updated, 4 unchanged" in said(result)  # re-importing changes nothing


def test_a_word_the_mapping_does_not_know_is_named_with_file_row_column(
    cli_env: CliRunner, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    source = tmp_path / "legacy.csv"
    source.write_text(
        "Accession no,Botanical name,Status\nA-1,Zea mays,Landrace\nA-2,Zea mays,Heirloom\n",
        "utf-8",
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns:\n  Accession no: ACCENUMB\n  Botanical name: GENUS\n  Status: SAMPSTAT\n"
        "constants:\n  INSTCODE: KAZ001\nconvert:\n  GENUS: genus-species\n"
        "values:\n  SAMPSTAT:\n    landrace: '300'\n",
        "utf-8",
    )
    result = cli_env.invoke(app, ["genebank", "import", str(source), "--mapping", str(mapping)])
    assert result.exit_code == 2
    assert (
        "legacy.csv: line 3, column SAMPSTAT: 'Heirloom' is not in the SAMPSTAT code list"
        in said(result)
    )
    assert count(session_factory, Accession) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[values.SAMPSTAT]\n"Landrace" = "301"\n', "values.SAMPSTAT 'Landrace' maps to '301'"),
        ('[convert]\nGENUS = "partial-date"\n', "applies to ACQDATE, COLLDATE, not GENUS"),
        ('[columns]\n"x" = "NOTMCPD"\n', "columns 'x' maps to 'NOTMCPD'"),
        ("[columns\n", "not TOML"),
        ('[extras]\n"a" = "b"\n[columns]\n', "unknown section 'extras'"),
    ],
)
def test_a_wrong_mapping_file_is_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(content, "utf-8")
    with pytest.raises(mcpd.PassportFileError) as error:
        mcpd.read_mapping(path)
    assert str(error.value).startswith("m.toml: ") and message in str(error.value)


def test_the_original_mapping_formats_still_read(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("source,target\nHolder,INSTCODE\nJunk,\n", "utf-8")
    (tmp_path / "m.json").write_text('{"Holder": "instcode", "Junk": ""}', "utf-8")
    for name in ("m.csv", "m.json"):
        mapping = mcpd.read_mapping(tmp_path / name)
        assert mapping.columns == {"Holder": "INSTCODE", "Junk": ""}
        assert mapping.transformer() is None


@pytest.mark.parametrize(
    ("value", "axis", "reason"),
    [
        ("511660N", LATITUDE, "'511660N': seconds must be below 60 (got 60)"),
        ("516048N", LATITUDE, "'516048N': minutes must be below 60 (got 60)"),
        ("951000N", LATITUDE, "latitude 95 outside −90…90"),
        ("1951000E", LONGITUDE, "longitude 195 outside −180…180"),
        ("5116480", LATITUDE, "hemisphere letter missing"),
        ("511648E", LATITUDE, "the hemisphere of a latitude is N or S (got E)"),
        ("0511648N", LATITUDE, "DDMMSSH has 2 digits of degrees (got 3)"),
        ("51--48N", LATITUDE, "seconds are given without minutes"),
        ("51.28", LATITUDE, "looks like decimal degrees: put it in DECLATITUDE"),
        ("900001N", LATITUDE, "latitude 90.0003 outside −90…90"),
    ],
)
def test_every_refused_coordinate_says_why(value: str, axis: object, reason: str) -> None:
    position, problem = dms_degrees(value, axis)  # type: ignore[arg-type]
    assert position is None and problem is not None and reason in problem, problem


def test_accepted_coordinates_and_decimal_reasons() -> None:
    position, _ = dms_degrees("511648n", LATITUDE)
    assert position is not None and position.lower_case
    assert abs(position.degrees - (51 + 16 / 60 + 48 / 3600)) < 1e-9
    west, _ = dms_degrees("0712548W", LONGITUDE)
    assert west is not None and west.degrees < 0
    row = mcpd.validate_row(
        2,
        {
            "INSTCODE": "KAZ015",
            "ACCENUMB": "A",
            "GENUS": "Zea",
            "DECLATITUDE": "95",
            "DECLONGITUDE": "10",
        },
    )
    assert [i.reason for i in row.issues if i.column == "DECLATITUDE"] == [
        "latitude 95 is outside −90…90 degrees"
    ]
    lower = mcpd.validate_row(
        2,
        {
            "INSTCODE": "KAZ015",
            "ACCENUMB": "A",
            "GENUS": "Zea",
            "LATITUDE": "511648n",
            "LONGITUDE": "0712548E",
        },
    )
    assert lower.ok and lower.values["LATITUDE"] == "511648N"


def test_a_dms_coordinate_with_60_seconds_in_the_cli(
    cli_env: CliRunner, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    source = tmp_path / "dms.csv"
    source.write_text(
        "INSTCODE,ACCENUMB,GENUS,LATITUDE,LONGITUDE\nKAZ015,KZ-1,Avena,511660N,0712548E\n",
        "utf-8",
    )
    result = cli_env.invoke(app, ["genebank", "import", str(source)])
    assert result.exit_code == 2
    assert "dms.csv: line 2, column LATITUDE: '511660N': seconds must be below 60 (got 60)" in said(
        result
    )
    assert count(session_factory, Accession) == 0


def test_a_germinate_workbook_imports_from_the_cli_with_sheet_row_numbers(
    cli_env: CliRunner, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = germinate_workbook(tmp_path / "germinate.xlsx")
    result = cli_env.invoke(app, ["genebank", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 inserted" in said(result)
    result = cli_env.invoke(app, ["genebank", "import", str(path), "--sheet", "METADATA"])
    assert result.exit_code == 2 and "germinate.xlsx" in said(result)
    assert "--mapping" not in said(result) or "INSTCODE" in said(result)
    bad = Workbook()
    sheet = bad.active
    assert sheet is not None
    sheet.title = "DATA"
    sheet.append(["INSTCODE", "ACCENUMB", "GENUS", "LATITUDE", "LONGITUDE"])
    sheet.append(["KAZ015", "KZ-9", "Avena", "511660N", "0712548E"])
    bad.save(tmp_path / "bad.xlsx")
    result = cli_env.invoke(app, ["genebank", "import", str(tmp_path / "bad.xlsx")])
    assert result.exit_code == 2
    assert "bad.xlsx: sheet DATA, row 2, column LATITUDE: '511660N': seconds must" in said(result)
    assert count(session_factory, Accession) == 2


def test_mapping_template_from_a_workbook_and_its_errors(
    cli_env: CliRunner, tmp_path: Path
) -> None:
    book = Workbook()
    assert book.active is not None
    book.active.title = "Notes"
    book.active.append(["This file lists our accessions"])
    data = book.create_sheet("Passport")
    data.append(["Accession no", "Botanical name", "Country"])
    data.append(["IG 1", "Triticum aestivum", "Inde"])
    book.save(tmp_path / "legacy.xlsx")
    result = cli_env.invoke(app, ["genebank", "mapping-template", str(tmp_path / "legacy.xlsx")])
    assert result.exit_code == 0, result.output
    parsed = tomllib.loads(result.stdout)
    assert parsed["columns"] == {
        "Accession no": "ACCENUMB",
        "Botanical name": "GENUS",
        "Country": "ORIGCTY",
    }
    assert "(sheet Passport)" in result.stdout
    result = cli_env.invoke(
        app,
        ["genebank", "mapping-template", str(tmp_path / "legacy.xlsx"), "--out", "m.txt"],
    )
    assert result.exit_code == 2 and "--out must end in .toml or .yaml" in said(result)


def test_a_mapped_file_reads_the_same_in_the_parallel_reader(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    from iofs.accounts.service import cli_principal
    from iofs.db import transaction
    from iofs.genebank import service

    source = legacy_file(tmp_path)
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {
                    "Accession no": "ACCENUMB",
                    "Botanical name": "GENUS",
                    "Status": "SAMPSTAT",
                    "Country": "ORIGCTY",
                    "Acquired": "ACQDATE",
                    "Storage": "",
                    "Notes": "",
                },
                "constants": {"INSTCODE": "KAZ001", "AVAILABLE": True},
                "values": {
                    "SAMPSTAT": {"landrace": "300", "wild": "100", "improved cultivar": "500"}
                },
                "convert": {
                    "GENUS": "genus-species",
                    "ORIGCTY": "country-name",
                    "ACQDATE": "partial-date",
                },
            }
        ),
        "utf-8",
    )
    stream = mcpd.open_passport(source, mcpd.read_mapping(mapping))
    assert stream.source is not None
    again = mcpd.source_from_json(stream.source.as_json())
    assert again == stream.source
    with transaction(session_factory) as session:
        result = service.import_passport(session, cli_principal(), stream, parallel=True)
    assert result.inserted == 4
    with session_factory() as session:
        stored = sorted(
            (a.accenumb, a.taxon, a.origcty, a.acqdate, a.available)
            for a in session.execute(select(Accession)).scalars()
        )
    assert stored[0] == ("NBPGR-1", "Triticum aestivum", "IND", "2004----", True)
    assert stored[2] == ("NBPGR-3", "Oryza sativa subsp. indica", "IND", "20110302", True)
