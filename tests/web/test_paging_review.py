"""The programmes review queue (page and GET /api/v1/programmes/review), keyset-paged."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.programmes import contributions, review
from tests.conftest import make_user, sign_in
from tests.programmes.conftest import programme_data  # noqa: F401 - fixture
from tests.web.api_pages import api_rows

COUNTRIES = ["PSE", "KAZ", None]


def _enter(factory: sessionmaker[Session], count: int) -> None:
    with transaction(factory) as session:
        for i in range(count):
            contributions.put_contribution(
                session,
                cli_principal(),
                {
                    "reference": f"PAGING-{i:04d}",
                    "donor": "TKM" if i % 2 else "TUR",
                    "country": COUNTRIES[i % 3],
                    "decided_on": "2025-01-01",
                    "amount": str(100 + i),
                },
            )


def _walk(client: TestClient, url: str, token: str) -> list[tuple[str, int]]:
    rows = api_rows(client, url, {"Authorization": f"Bearer {token}"})
    return [(r["kind"], r["id"]) for r in rows]


def test_queue_pages_visit_every_figure_once_with_filters_and_permissions(
    client: TestClient,
    programme_data: sessionmaker[Session],  # noqa: F811
) -> None:
    _enter(programme_data, 130)
    _sec, secretariat = make_user(programme_data, "sec@iofs.example", "secretariat")
    _pse, pse = make_user(programme_data, "pse@iofs.example", "focal_point", ("PSE",))
    with programme_data() as session:
        everything = [(f.kind, f.id, f.country) for f in review.pending(session)]
    assert len(everything) >= 130

    assert _walk(client, "/api/v1/programmes/review?limit=40", secretariat) == [
        (k, i) for k, i, _c in everything
    ]
    pse_contributions = [(k, i) for k, i, c in everything if k == "contribution" and c == "PSE"]
    assert len(pse_contributions) >= 43
    assert (
        _walk(
            client, "/api/v1/programmes/review?limit=9&kind=contribution&country=pse", secretariat
        )
        == pse_contributions
    )
    # A focal point pages through its own state's figures only, every one once.
    assert _walk(client, "/api/v1/programmes/review?limit=7", pse) == [
        (k, i) for k, i, c in everything if c == "PSE"
    ]
    first = client.get(
        "/api/v1/programmes/review?limit=3", headers={"Authorization": f"Bearer {secretariat}"}
    ).json()
    other_list = first["next"].split(".")[0] + ".AAAAAAAAAAAAAAAAAAAAAA"
    refused = client.get(
        f"/api/v1/programmes/review?after={other_list}",
        headers={"Authorization": f"Bearer {secretariat}"},
    )
    assert refused.status_code == 400 and "first page" in refused.json()["detail"]


def test_queue_page_pages_by_100_keeping_the_filter(
    client: TestClient,
    programme_data: sessionmaker[Session],  # noqa: F811
) -> None:
    _enter(programme_data, 230)
    make_user(programme_data, "sec@iofs.example", "secretariat")
    assert sign_in(client, "sec@iofs.example").status_code in (200, 303)
    url = "/programmes/review?kind=contribution"
    shown: list[str] = []
    sizes: list[int] = []
    while url:
        page = client.get(url)
        assert page.status_code == 200
        rows = re.findall(r'<tr id="(contribution-\d+)">', page.text)
        assert all(
            r.startswith("contribution-") for r in re.findall(r'<tr id="(\w+-\d+)">', page.text)
        )
        shown += rows
        sizes.append(len(rows))
        found = re.search(r'<a class="pager-next" rel="next" href="([^"]+)"', page.text)
        url = found.group(1).replace("&amp;", "&") if found else ""
        assert not url or "kind=contribution" in url
    assert sizes[:2] == [100, 100] and len(shown) == len(set(shown)) >= 230
    assert len(client.get("/programmes/review").content) < 150_000
