"""Fetch jobs on the real files of ../shared/data served under HDX-shaped paths.

WFP prices of Afghanistan (old HDX layout, HXL row) and the State of Palestine (current
layout), the IPC national and area long CSVs, the INFORM GRI 2020 release. Skipped where the
reference datasets are absent (the fixture says so); the other fetch tests use small files
they write themselves.
"""

from __future__ import annotations

from pathlib import Path

from iofs.modules import job_kinds, resolve
from tests.fetching.conftest import Context
from tests.fetching.server import HdxServer


def _run(kind: str, context: Context, **params: object) -> dict[str, object]:
    result: dict[str, object] = resolve(job_kinds()[kind].run)(context, **params)
    return result


def test_real_files(shared_data: Path, hdx: HdxServer, context: Context) -> None:
    for iso3, name in (("afg", "afghanistan"), ("pse", "state-of-palestine")):
        file_name = f"wfp_food_prices_{iso3}.csv"
        hdx.publish(
            f"wfp-food-prices-for-{name}",
            file_name,
            f"/dataset/{iso3}/resource/r/download/{file_name}",
            (shared_data / "wfp" / "country" / file_name).read_bytes(),
        )
    prices = _run("prices.fetch", context, countries=["AFG", "PSE", "YEM"])
    # 33,511 Afghan and 25,785 Palestinian rows (SOURCES-real.md); Yemen has no file here.
    assert prices["fetched"] == 2 and prices["rows_added"] == 33_511 + 25_785
    assert prices["missing"] == ["YEM"]

    dataset = context.settings.fetch_ipc_dataset
    for file_name in context.settings.fetch_ipc_resources:
        hdx.publish(
            dataset,
            file_name,
            f"/dataset/ipc/resource/r/download/{file_name}",
            (shared_data / "ipc" / file_name).read_bytes(),
        )
    ipc = _run("ipc.fetch", context)
    assert ipc["fetched"] == 2 and int(str(ipc["rows_added"])) > 0

    inform_url = hdx.put(
        "/inform/inform_gri_2020_v040.csv",
        (shared_data / "inform" / "inform_gri_2020_v040.csv").read_bytes(),
    )
    inform = _run("risk.fetch_inform", context, url=inform_url)
    assert inform["fetched"] == 1 and inform["rows_added"] == 191

    # A scheduled rerun: every source unchanged, nothing ingested.
    again = [
        _run("prices.fetch", context, countries=["AFG", "PSE"]),
        _run("ipc.fetch", context),
        _run("risk.fetch_inform", context, url=inform_url),
    ]
    assert [r["not_modified"] for r in again] == [2, 2, 1]
    assert [r["rows_added"] for r in again] == [0, 0, 0]
