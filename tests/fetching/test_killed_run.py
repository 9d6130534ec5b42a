"""A fetch killed halfway (SIGKILL, a real process): the rerun asks only for what is missing.

The first state is fetched and recorded; the second is killed in the middle of its body.
The rerun gets "not modified" (304) for the first and resumes the second with HTTP Range.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory
from iofs.fetching.runs import runs_of
from tests.fetching.fixtures import price_csv
from tests.fetching.server import HdxServer

AFG_PATH = "/dataset/afg/resource/1/download/wfp_food_prices_afg.csv"
PSE_PATH = "/dataset/pse/resource/1/download/wfp_food_prices_pse.csv"


def _fetch(settings: Settings, hdx: HdxServer) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "IOFS_ENV": "development",
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_FETCH_HDX_URL": hdx.base_url,
        "IOFS_FETCH_RETRIES": "0",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from iofs.cli import main; main()",
            *("fetch", "prices", "--country", "AFG", "--country", "PSE"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_rerun_after_kill_fetches_only_what_is_missing(settings: Settings, hdx: HdxServer) -> None:
    hdx.publish("wfp-food-prices-for-afghanistan", "wfp_food_prices_afg.csv", AFG_PATH, price_csv())
    pse = price_csv(months=60, markets=("Gaza", "Hebron", "Jenin"))
    hdx.publish("wfp-food-prices-for-state-of-palestine", "wfp_food_prices_pse.csv", PSE_PATH, pse)
    hdx.stall_after[PSE_PATH] = 4000
    part = settings.data_dir / "downloads" / "prices" / "wfp_food_prices_pse.csv.part"
    process = _fetch(settings, hdx)
    deadline = time.monotonic() + 120
    while not (part.exists() and part.stat().st_size >= 4000):
        assert process.poll() is None, process.communicate()[0].decode()
        assert time.monotonic() < deadline, "the PSE download never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    hdx.release.set()
    assert part.stat().st_size == 4000

    rerun = _fetch(settings, hdx)
    output = rerun.communicate(timeout=120)[0].decode()
    assert rerun.returncode == 0, output
    assert hdx.seen(AFG_PATH)[-1].status == 304
    resumed = hdx.seen(PSE_PATH)[-1]
    assert resumed.status == 206 and resumed.headers["Range"] == "bytes=4000-"
    assert (
        settings.data_dir / "downloads" / "prices" / "wfp_food_prices_pse.csv"
    ).read_bytes() == pse
    factory = make_session_factory(make_engine(settings.resolved_database_url))
    with factory() as session:
        assert [r.status for r in runs_of(session, "prices:AFG")] == ["not_modified", "fetched"]
        (pse_run,) = runs_of(session, "prices:PSE")
        assert pse_run.status == "fetched" and pse_run.rows_added == 180
    assert not Path(str(part)).exists()
