"""No traceback, ever, from bad input (#17 item 5): every importer of the monitor and the FTS
import meets files mutated from small real-shaped ones (truncated, wrong encoding, quotes
broken, columns dropped, cells garbled, huge lines, bytes flipped) and either imports them
or stops with its input error: a sentence naming the file (or flow), the line, cell or field,
and the reason, with the store unchanged.

The seeds are written here in the shapes the real files have; the run is bounded (a fixed
number of examples per importer, no deadline) so that it stays well under a minute.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iofs.errors import InputError
from iofs.ingest_files import is_in_flight
from iofs.monitor.drought import read
from iofs.monitor.faostat.ingest import IngestError, ingest
from iofs.monitor.ipc import service as ipc
from iofs.monitor.prices import ingest as prices
from iofs.programmes.exchange import fts_import
from tests.monitor.faostat.helpers import write_fbs
from tests.monitor.ipc.conftest import long_block, write_long

#: Examples per importer (`IOFS_FUZZ_EXAMPLES` raises it for a longer hunt).
EXAMPLES = int(os.environ.get("IOFS_FUZZ_EXAMPLES", "10"))

PRICES = (
    "countryiso3,date,admin1,admin2,market,market_id,latitude,longitude,category,"
    "commodity,commodity_id,unit,priceflag,pricetype,currency,price,usdprice\n"
    "#country+code,#date,#adm1+name,#adm2+name,#loc+market+name,#loc+market+code,"
    "#geo+lat,#geo+lon,#item+type,#item+name,#item+code,#item+unit,#item+price+flag,"
    "#item+price+type,#currency,#value,#value+usd\n"
    + "".join(
        f"AFG,20{y:02d}-{m:02d}-15,Kabul,Kabul,Kabul,266,34.5,69.2,cereals and "
        f'tubers,"Wheat flour, local",58,KG,actual,Retail,AFN,{30 + m},0.{m}\n'
        for y in range(15, 18)
        for m in range(1, 13)
    )
)
VAM = (
    "adm0_id;adm0_name;adm1_name;mkt_name;cm_name;cur_name;pt_name;um_name;mp_month;"
    "mp_year;mp_price;mp_commoditysource\r\n"
    + "".join(
        f"1;Afghanistan;Kabul;Kabul;Wheat - Retail;AFN;Retail;KG;{m};2019;{20 + m};WFP\r\n"
        for m in range(1, 13)
    )
)
RAIN = "date,station_a,station_b\n" + "".join(
    f"{2000 + i // 12}-{i % 12 + 1:02d},{10 + i % 7},{20 + i % 5}\n" for i in range(48)
)
FTS = json.dumps(
    {
        "data": {
            "flows": [
                {
                    "id": str(1000 + i),
                    "amountUSD": 1000 * i + 5,
                    "status": "paid",
                    "decisionDate": "2020-03-01",
                    "flowType": "Standard",
                    "boundary": "incoming",
                    "newMoney": True,
                    "sourceObjects": [
                        {
                            "type": "Organization",
                            "id": "7",
                            "name": "Kazakhstan, Government of",
                            "organizationTypes": ["Government"],
                        }
                    ],
                    "destinationObjects": [{"type": "Location", "id": "171", "name": "Palestine"}],
                }
                for i in range(1, 6)
            ]
        }
    }
)


def _mutations() -> st.SearchStrategy[tuple[str, int, int]]:
    kinds = st.sampled_from(
        [
            "truncate",
            "utf16",
            "latin1",
            "quote",
            "drop_column",
            "garble",
            "huge_line",
            "flip",
            "wrap_line",
            "empty",
            "nul",
        ]
    )
    return st.tuples(kinds, st.integers(0, 10_000), st.integers(0, 255))


def mutate(data: bytes, kind: str, at: int, byte: int) -> bytes:
    """One kind of damage users' files have, at a position chosen by hypothesis."""
    lines = data.split(b"\n")
    position = at % max(1, len(data))
    line = at % max(1, len(lines))
    if kind == "truncate":
        return data[:position]
    if kind == "utf16":
        return data.decode("utf-8", errors="replace").encode("utf-16-le")
    if kind == "latin1":
        return data[:position] + "é€Ω".encode()[: 1 + byte % 5] + b"\xff\xfe" + data[position:]
    if kind == "quote":
        return data[:position] + b'"' + data[position:]
    if kind == "drop_column":
        separator = b";" if data.count(b";") > data.count(b",") else b","
        column = byte % 6
        return b"\n".join(
            separator.join(c for i, c in enumerate(row.split(separator)) if i != column)
            for row in lines
        )
    if kind == "garble":
        cell = bytes([byte]) * (1 + at % 7)
        return data[:position] + cell + data[position + 3 :]
    if kind == "huge_line":
        return b"\n".join([*lines[:line], b"x," * 200_000 + b"9" * 300_000, *lines[line:]])
    if kind == "flip":
        return data[:position] + bytes([byte]) + data[position + 1 :]
    if kind == "wrap_line":
        return b"\n".join(
            [*lines[:line], b'"' + lines[line].rstrip(b"\r") + b'"', *lines[line + 1 :]]
        )
    if kind == "nul":
        return data[:position] + b"\x00" * (1 + byte % 4) + data[position:]
    return b""


def _visible(store: Path) -> dict[str, str]:
    out = {}
    if store.exists():
        for path in sorted(store.rglob("*")):
            relative = path.relative_to(store)
            if path.is_file() and not any(is_in_flight(p) for p in relative.parts):
                out[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


_BASE = Path(tempfile.mkdtemp(prefix="iofs-fuzz-"))
_SEEDED: dict[str, Path] = {}

#: A sentence that names where (file, line, column, cell, field, flow) and why.
_WHERE = re.compile(
    r"line \d+|column|cell|field|flow \d+|data\.flows|header|empty|not|no |"
    r"missing|cannot|must|expected|holds|bytes?|encoding",
    re.I,
)


def check(
    run: Callable[[Path, Path], object],
    seed: bytes,
    name: str,
    errors: tuple[type[BaseException], ...],
    tmp: Path,
    mutation: tuple[str, int, int],
    names_file: bool = True,
) -> None:
    store = tmp / "store"
    folder = tmp / "in"
    folder.mkdir(parents=True, exist_ok=True)
    if name not in _SEEDED:  # the seed itself imports (once per importer)
        good = _BASE / f"in-{name}" / f"good_{name}"
        good.parent.mkdir(parents=True, exist_ok=True)
        good.write_bytes(seed)
        run(good, _BASE / f"store-{name}")
        _SEEDED[name] = _BASE / f"store-{name}"
    if _SEEDED[name].exists():
        shutil.copytree(_SEEDED[name], store)
    before = _visible(store)
    path = folder / name
    path.write_bytes(mutate(seed, *mutation))
    try:
        run(path, store)
    except errors as error:
        message = str(error)
        assert "Traceback" not in message
        if names_file:
            assert path.name in message or str(path) in message, message
        assert _WHERE.search(message), message
        assert len(message) < 5000
        assert _visible(store) == before, mutation
    # Anything else (a KeyError, a DuckDB or csv error …) fails the test: a traceback.


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(mutation=_mutations())
def test_prices_hdx_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, int, int]
) -> None:
    check(
        lambda p, s: prices.ingest_file(p, s),
        PRICES.encode(),
        "wfp_food_prices_afg.csv",
        (prices.PriceFileError,),
        tmp_path_factory.mktemp("prices"),
        mutation,
    )


@FUZZ
@given(mutation=_mutations())
def test_prices_vam_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, int, int]
) -> None:
    check(
        lambda p, s: prices.ingest_file(p, s),
        VAM.encode(),
        "vam_afg.csv",
        (prices.PriceFileError,),
        tmp_path_factory.mktemp("vam"),
        mutation,
    )


@FUZZ
@given(mutation=_mutations())
def test_faostat_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, int, int]
) -> None:
    tmp = tmp_path_factory.mktemp("faostat")
    seed = write_fbs(tmp / "seed.csv").read_bytes()
    check(
        lambda p, s: ingest([p], s, domain="FBS"),
        seed,
        "FoodBalanceSheets_E_Fuzz.csv",
        (IngestError,),
        tmp,
        mutation,
    )


@FUZZ
@given(mutation=_mutations())
def test_ipc_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, int, int]
) -> None:
    tmp = tmp_path_factory.mktemp("ipc")
    seed = write_long(
        tmp / "seed.csv",
        [
            long_block(
                "SDN",
                "Oct 2021",
                "current",
                ("2021-10-01", "2022-02-28"),
                [500_000, 300_000, 150_000, 50_000, 0],
            )
        ],
        hxl=True,
    ).read_bytes()

    def run(path: Path, analytics: Path) -> None:
        try:
            ipc.ingest([path], analytics)
        except ipc.IpcIngestError as error:  # the sentence, then what the CLI lists under it
            details = [*error.refused, *(str(problem) for problem in error.problems)]
            raise InputError("\n".join([str(error), *details])) from None

    check(run, seed, "ipc_sdn_long.csv", (InputError,), tmp, mutation)


@FUZZ
@given(mutation=_mutations())
def test_rainfall_csv_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, int, int]
) -> None:
    check(
        lambda p, s: read.read_csv(p),
        RAIN.encode(),
        "rain.csv",
        (read.PrecipitationInputError,),
        tmp_path_factory.mktemp("rain"),
        mutation,
    )


@FUZZ
@given(mutation=_mutations())
def test_rainfall_netcdf_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, int, int]
) -> None:
    tmp = tmp_path_factory.mktemp("nc")
    seed_path = tmp / "seed.nc"
    xr.Dataset(
        {"precip": (("time", "lat", "lon"), np.ones((24, 2, 2)), {"units": "mm/month"})},
        coords={
            "time": pd.date_range("2000-01-01", periods=24, freq="MS"),
            "lat": [1.0, 1.5],
            "lon": [2.0, 2.5],
        },
    ).to_netcdf(seed_path)

    def run(path: Path, _store: Path) -> None:
        read.open_grid(path).data.compute()

    check(run, seed_path.read_bytes(), "chirps.nc", (read.PrecipitationInputError,), tmp, mutation)


@FUZZ
@given(mutation=_mutations())
def test_fts_json_never_traceback(mutation: tuple[str, int, int]) -> None:
    damaged = mutate(FTS.encode(), *mutation)
    try:
        fts_import.parse_payload(damaged)
    except InputError as error:
        assert error.field and _WHERE.search(str(error)), str(error)


# --- MCPD passport data (CSV and XLSX), through the CLI into a database ------------------------


def _mcpd_seed_rows() -> list[list[str]]:
    from iofs.genebank.mcpd import AVAILABLE, MCPD_COLUMNS

    rows = [[*MCPD_COLUMNS, AVAILABLE]]
    for i in range(8):
        values = {
            "INSTCODE": "KAZ015",
            "ACCENUMB": f"KZ-F{i}",
            "GENUS": "Triticum",
            "SPECIES": "aestivum",
            "ACQDATE": f"20{10 + i}----",
            "ORIGCTY": "KAZ",
            "DECLATITUDE": f"5{i}.28",
            "LATITUDE": f"5{i}1648N",
            "DECLONGITUDE": "71.43",
            "LONGITUDE": "0712548E",
            "SAMPSTAT": "300",
            "STORAGE": "13",
            "COLLSITE": f"Akmola, site {i}",
        }
        rows.append([values.get(c, "") for c in MCPD_COLUMNS] + ["yes"])
    return rows


def _mcpd_csv(rows: list[list[str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _mcpd_xlsx(rows: list[list[str]]) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "DATA"
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell)[:32_000] for cell in row[:300]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_MCPD_DATABASE: dict[str, Path] = {}


def _mcpd_database() -> Path:
    """A migrated SQLite database holding other accessions (made once, copied per example)."""
    if "path" not in _MCPD_DATABASE:
        from iofs.db import upgrade

        path = _BASE / "mcpd-store.sqlite3"
        upgrade(f"sqlite:///{path}")
        other = _BASE / "mcpd-other.csv"
        rows = _mcpd_seed_rows()
        accenumb = rows[0].index("ACCENUMB")
        others = [[*r[:accenumb], r[accenumb] + "-OTHER", *r[accenumb + 1 :]] for r in rows[1:]]
        other.write_bytes(_mcpd_csv([rows[0], *others]))
        result: Any = _mcpd_cli(other, path)
        assert result.exit_code == 0, result.output
        seed = _BASE / "mcpd-seed.xlsx"
        seed.write_bytes(_mcpd_xlsx(rows))
        from iofs.genebank import mcpd

        assert mcpd.validate_file(seed).error_count == 0  # the seeds themselves import
        seed.with_suffix(".csv").write_bytes(_mcpd_csv(rows))
        assert mcpd.validate_file(seed.with_suffix(".csv")).error_count == 0
        _MCPD_DATABASE["path"] = path
    return _MCPD_DATABASE["path"]


def _mcpd_cli(path: Path, database: Path) -> object:
    from typer.testing import CliRunner

    from iofs.cli import app

    env = {
        "IOFS_DATABASE_URL": f"sqlite:///{database}",
        "IOFS_DATA_DIR": str(database.parent / "var"),
        "IOFS_ENV": "test",
    }
    return CliRunner().invoke(app, ["genebank", "import", str(path)], env=env)


def _mcpd_store(database: Path) -> tuple[object, ...]:
    """Every accession and audit entry of the store (what "unchanged" compares)."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        accessions = connection.execute("SELECT * FROM genebank_accession ORDER BY id").fetchall()
        audit = connection.execute("SELECT COUNT(*) FROM audit_entry").fetchone()
    return tuple(accessions), audit


def check_mcpd(seed: bytes, name: str, damaged: bytes, tmp: Path) -> None:
    """Import ``damaged`` with the CLI: it imports (exit 0), or exits 2 with a sentence naming
    the file and where, the store unchanged; anything else (a traceback) fails."""
    database = tmp / "iofs.sqlite3"
    shutil.copy(_mcpd_database(), database)
    before = _mcpd_store(database)
    path = tmp / name
    path.write_bytes(damaged)
    result: Any = _mcpd_cli(path, database)
    if result.exit_code == 0:
        return
    message = " ".join(result.output.split())
    assert result.exit_code == 2, (result.exit_code, message[-2000:], result.exception)
    assert "Traceback" not in message
    assert path.name in message, message[-2000:]
    assert _WHERE.search(message), message[-2000:]
    assert _mcpd_store(database) == before


@FUZZ
@given(mutation=_mutations())
def test_mcpd_csv_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, int, int]
) -> None:
    seed = _mcpd_csv(_mcpd_seed_rows())
    damaged = mutate(seed, *mutation)
    check_mcpd(seed, "passport.csv", damaged, tmp_path_factory.mktemp("mcpd-csv"))


#: Damage to a workbook's bytes (a broken zip) and to its content (rows, cells).
_ZIP_DAMAGE = ("truncate", "flip", "garble", "nul", "empty")


@FUZZ
@given(mutation=_mutations())
def test_mcpd_xlsx_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, int, int]
) -> None:
    import csv
    import io

    rows = _mcpd_seed_rows()
    seed = _mcpd_xlsx(rows)
    kind = mutation[0]
    if kind in _ZIP_DAMAGE:
        damaged = mutate(seed, *mutation)
    else:  # the same damage to the cells, written as a workbook
        text = mutate(_mcpd_csv(rows), *mutation).decode("utf-8", errors="replace")
        text = text.replace("\x00", "")
        try:
            cells = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            cells = [line.split(",") for line in text.splitlines()]
        damaged = _mcpd_xlsx(cells)
    check_mcpd(seed, "passport.xlsx", damaged, tmp_path_factory.mktemp("mcpd-xlsx"))
