"""The prices country page and API list, keyset-paged, on WFP's real Afghanistan file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from iofs.config import Settings
from iofs.monitor.prices import ingest, service

#: A page of the prices country page (100 series, the filter form, the pager) stays below this.
PAGE_BYTES = 150_000
SERIES = re.compile(r'<tr data-series="(\d+)">')


def _follow_pages(client: TestClient, url: str) -> list[list[str]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) < PAGE_BYTES, (url, len(response.content))
        pages.append(SERIES.findall(response.text))
        found = re.search(r'<a class="pager-next" rel="next" href="([^"]+)"', response.text)
        url = found.group(1).replace("&amp;", "&") if found else ""
    return pages


def test_country_page_and_api_page_every_series_once(
    client: TestClient, settings: Settings, shared_data: Path
) -> None:
    ingest.ingest_file(
        shared_data / "wfp" / "country" / "wfp_food_prices_afg.csv", settings.analytics_dir
    )
    table = service.signals(settings.analytics_dir).table
    afg = table[table["country"] == "AFG"]
    month = str(afg.groupby("month").size().idxmax())
    expected = service.anomalies_for(service.signals(settings.analytics_dir), "AFG", month)
    assert len(expected) > 250  # several pages of 100

    pages = _follow_pages(client, f"/prices/AFG?month={month}")
    assert [len(p) for p in pages[:-1]] == [100] * (len(pages) - 1)
    shown = [s for p in pages for s in p]
    assert len(shown) == len(set(shown)) == len(expected)
    assert set(shown) == {str(s) for s in expected["series"]}
    first = client.get(f"/prices/AFG?month={month}").text
    pager = first[first.index('<nav class="pager"') :]
    assert "First page" not in pager, pager[:600]
    assert ">100</bdi> rows shown on this page" in pager

    # Worst IPA first, the same order in the API, whose `next` and Link header agree.
    api: list[int] = []
    url = f"/api/v1/prices/anomalies?country=AFG&month={month}&limit=120"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        api.extend(r["series"] for r in body["items"])
        if body["next"] is None:
            assert "Link" not in response.headers
            url = ""
        else:
            link = re.fullmatch(r'<([^>]+)>; rel="next"', response.headers["Link"])
            assert link and f"after={body['next']}" in link.group(1)
            assert "country=AFG" in link.group(1) and f"month={month}" in link.group(1)
            url = link.group(1)
    assert [str(s) for s in api] == shown
    ipas = [i for i in expected.set_index("series").loc[api, "ipa"].tolist() if i == i]
    assert ipas == sorted(ipas, reverse=True)


def test_filters_combine_and_keep_through_pages(
    client: TestClient, settings: Settings, shared_data: Path
) -> None:
    ingest.ingest_file(
        shared_data / "wfp" / "country" / "wfp_food_prices_afg.csv", settings.analytics_dir
    )
    result = service.signals(settings.analytics_dir)
    rows = service.anomalies_for(result, "AFG", None)
    month = str(rows["month"].iloc[0])
    market = rows["market"].value_counts().index[0]
    commodity = rows[rows["market"] == market]["commodity"].iloc[0]
    both = rows[(rows["market"] == market) & (rows["commodity"] == commodity)]
    only_market = rows[rows["market"] == market]

    api = client.get(
        "/api/v1/prices/anomalies",
        params={"country": "AFG", "month": month, "market": market, "commodity": commodity},
    ).json()
    assert {r["series"] for r in api["items"]} == set(both["series"].tolist())
    assert all(r["market"] == market and r["commodity"] == commodity for r in api["items"])

    pages = _follow_pages(
        client, f"/prices/AFG?month={month}&market={market.replace(' ', '+')}&limit=3"
    )
    assert len(pages) > 1  # the filter is kept on the "Next" links
    assert sorted(int(s) for p in pages for s in p) == sorted(only_market["series"].tolist())


def test_a_changed_cursor_is_a_400_with_a_sentence(
    client: TestClient, settings: Settings, shared_data: Path
) -> None:
    ingest.ingest_file(
        shared_data / "wfp" / "country" / "wfp_food_prices_afg.csv", settings.analytics_dir
    )
    first = client.get("/api/v1/prices/anomalies?country=AFG&limit=5").json()
    assert first["next"]
    bad = first["next"][:-2] + ("xx" if not first["next"].endswith("xx") else "yy")
    response = client.get(f"/api/v1/prices/anomalies?country=AFG&limit=5&after={bad}")
    assert response.status_code == 400
    assert "first page" in response.text
    page = client.get(f"/prices/AFG?after={bad}", headers={"Accept": "text/html"})
    assert page.status_code == 400 and "first page" in page.text


@pytest.mark.parametrize("limit", [0, 1001])
def test_limit_is_bounded(client: TestClient, limit: int) -> None:
    assert client.get(f"/api/v1/prices/anomalies?limit={limit}").status_code == 422
