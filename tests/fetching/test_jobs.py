"""Fetch jobs through a JobContext, against the local server, on SQLite and PostgreSQL:
ingest on the first run, "not modified" and 0 rows on the second, new rows after a change,
resume after a dropped connection, a recorded failure with its sentence on a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.errors import InputError
from iofs.fetching.models import FetchRun
from iofs.fetching.runs import SourcesFailed, last_run, last_runs, runs_of
from iofs.modules import job_kinds, resolve
from tests.fetching.conftest import Context
from tests.fetching.fixtures import ipc_csv, price_csv
from tests.fetching.server import HdxServer

AFG = "wfp-food-prices-for-afghanistan"
AFG_PATH = "/dataset/afg/resource/1/download/wfp_food_prices_afg.csv"


def _runs(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(FetchRun)) or 0)


def _price_job() -> object:
    kind = job_kinds()["prices.fetch"]
    return resolve(kind.run)


def test_prices_first_second_changed(hdx: HdxServer, context: Context) -> None:
    run = _price_job()
    hdx.publish(AFG, "wfp_food_prices_afg.csv", AFG_PATH, price_csv(months=24))
    first = run(context, countries=["afg"])  # type: ignore[operator]
    assert first["fetched"] == 1 and first["rows_added"] == 48 and first["failed"] == 0
    (record,) = first["runs"]
    assert record["source"] == "prices:AFG" and record["status"] == "fetched"
    assert any(message == "WFP prices AFG" for _d, _t, message in context.reported)

    second = run(context, countries=["AFG"])  # type: ignore[operator]
    assert second["not_modified"] == 1 and second["rows_added"] == 0
    assert hdx.seen(AFG_PATH)[-1].status == 304

    hdx.publish(AFG, "wfp_food_prices_afg.csv", AFG_PATH, price_csv(months=30))
    third = run(context, countries=["AFG"])  # type: ignore[operator]
    assert third["fetched"] == 1 and third["rows_added"] == 12

    with context.session_factory() as session:
        history = runs_of(session, "prices:AFG")
        assert [r.status for r in history] == ["fetched", "not_modified", "fetched"]
        assert [r.rows_added for r in history] == [12, 0, 48]
        assert all(r.job_id == 7 for r in history)
        assert history[0].etag == hdx.files[AFG_PATH].etag
        assert history[0].finished_at >= history[0].started_at
        assert history[0].finished_at.tzinfo is not None


def test_prices_resume_after_a_dropped_connection(hdx: HdxServer, context: Context) -> None:
    run = _price_job()
    body = price_csv(months=60)
    hdx.publish(AFG, "wfp_food_prices_afg.csv", AFG_PATH, body)
    hdx.drop_after[AFG_PATH] = 3000
    with pytest.raises(SourcesFailed, match="truncated") as failed:
        run(context, countries=["AFG"])  # type: ignore[operator]
    assert failed.value.result["failed"] == 1 and failed.value.result["rows_added"] == 0
    rerun = run(context, countries=["AFG"])  # type: ignore[operator]
    assert rerun["fetched"] == 1 and rerun["rows_added"] == 120
    assert rerun["runs"][0]["resumed_from"] == 3000
    assert hdx.seen(AFG_PATH)[-1].headers["Range"] == "bytes=3000-"


def test_missing_dataset_and_failed_download(hdx: HdxServer, context: Context) -> None:
    run = _price_job()
    # PSE has no dataset on this HDX: reported, not a failure.
    hdx.publish(AFG, "wfp_food_prices_afg.csv", AFG_PATH, price_csv())
    result = run(context, countries=["AFG", "PSE"])  # type: ignore[operator]
    assert result["missing"] == ["PSE"] and result["failed"] == 0
    assert any(
        "PSE" in line and "no wfp-food-prices-for-state-of-palestine" in line
        for line in context.lines
    )
    # The dataset lists a file the server does not have: a recorded failure with a sentence.
    hdx.datasets[AFG] = [("wfp_food_prices_afg.csv", "/gone/wfp_food_prices_afg.csv")]
    with pytest.raises(SourcesFailed, match=r"not found on the server \(HTTP 404\)"):
        run(context, countries=["AFG"])  # type: ignore[operator]
    with context.session_factory() as session:
        latest = last_run(session, "prices:AFG")
        assert latest is not None and latest.status == "failed"
        assert latest.error is not None and latest.error.endswith("(HTTP 404).")
        assert latest.rows_added == 0
        assert [r.source for r in last_runs(session)] == ["prices:AFG"]
        assert [r.source for r in last_runs(session, "ipc")] == []


def test_unknown_country_is_input_error(context: Context) -> None:
    with pytest.raises(InputError, match="'XX1' is not an ISO 3166-1 alpha-3"):
        _price_job()(context, countries=["XX1"])  # type: ignore[operator]
    assert _runs(context.session_factory) == 0


def test_ipc_job(hdx: HdxServer, context: Context) -> None:
    run = resolve(job_kinds()["ipc.fetch"].run)
    dataset = context.settings.fetch_ipc_dataset
    path = "/dataset/ipc/resource/2/download/ipc_global_national_long.csv"
    hdx.publish(dataset, "ipc_global_national_long.csv", path, ipc_csv(("Apr 2023",)))
    first = run(context)
    # The area file is not in this dataset: reported as missing.
    assert first["fetched"] == 1 and first["rows_added"] == 7
    assert first["missing"] == ["ipc_global_area_long.csv"]
    assert run(context)["not_modified"] == 1
    hdx.publish(dataset, "ipc_global_national_long.csv", path, ipc_csv(("Apr 2023", "Oct 2023")))
    assert run(context)["rows_added"] == 7


def test_ingest_refusal_is_recorded(hdx: HdxServer, context: Context) -> None:
    run = resolve(job_kinds()["ipc.fetch"].run)
    dataset = context.settings.fetch_ipc_dataset
    path = "/x/ipc_global_national_long.csv"
    hdx.publish(dataset, "ipc_global_national_long.csv", path, b"a,b,c\n1,2,3\n")
    with pytest.raises(SourcesFailed, match="downloaded, but the ingest refused it"):
        run(context)
    with context.session_factory() as session:
        latest = last_run(session, "ipc:ipc_global_national_long.csv")
        assert latest is not None and latest.status == "failed" and latest.sha256
