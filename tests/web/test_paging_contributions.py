"""Contribution lists (API and the appeal/country/donor pages), keyset-paged newest first."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.programmes import contributions
from iofs.programmes.models import Contribution
from tests.conftest import make_user
from tests.programmes.conftest import programme_data  # noqa: F401 - fixture
from tests.web.api_pages import api_rows

STATUSES = ["pledge", "commitment", "paid"]
#: A contribution's reference in the contributions table (before the donor's cell).
ROW = re.compile(
    r'<td>([A-Z0-9][A-Za-z0-9._/-]*)(?: <span class="tag[^"]*">[^<]*</span>)*</td>'
    r'\s*<td><a href="/programmes/donors/'
)


def _enter(factory: sessionmaker[Session], count: int) -> None:
    with transaction(factory) as session:
        for i in range(count):
            contributions.put_contribution(
                session,
                cli_principal(),
                {
                    "reference": f"PAGING-{i:04d}",
                    "donor": "TKM" if i % 2 else "TUR",
                    "country": "PSE" if i % 3 else "KAZ",
                    "status": STATUSES[i % 3],
                    # many contributions share a date: ties on the first key
                    "decided_on": (dt.date(2024, 1, 1) + dt.timedelta(days=i // 10)).isoformat(),
                    "amount": str(100 + i),
                },
            )
        # three in four approved: the public's pages skip the pending ones between them
        session.execute(
            update(Contribution)
            .where(Contribution.reference.like("PAGING-%"), Contribution.id % 4 != 1)
            .values(approval="approved")
        )


def _walk(client: TestClient, url: str, headers: dict[str, str]) -> list[str]:
    return [r["reference"] for r in api_rows(client, url, headers)]


def test_api_pages_every_visible_contribution_once(
    client: TestClient,
    programme_data: sessionmaker[Session],  # noqa: F811
) -> None:
    _enter(programme_data, 260)
    _sec, secretariat = make_user(programme_data, "sec@iofs.example", "secretariat")
    with programme_data() as session:
        rows = (
            session.execute(
                select(Contribution).order_by(
                    Contribution.decided_on.desc(), Contribution.id.desc()
                )
            )
            .scalars()
            .all()
        )
        everything = [c.reference for c in rows]
        approved = [c.reference for c in rows if c.approval == "approved"]
        pse_paid = [c.reference for c in rows if c.country == "PSE" and c.status == "paid"]
    assert len(everything) > 260 and 190 < len(approved) < len(everything) - 60

    auth = {"Authorization": f"Bearer {secretariat}"}
    assert _walk(client, "/api/v1/programmes/contributions?limit=45", auth) == everything
    assert _walk(client, "/api/v1/programmes/contributions?limit=11", {}) == approved
    assert (
        _walk(client, "/api/v1/programmes/contributions?limit=8&country=PSE&status=paid", auth)
        == pse_paid
    )
    assert client.get("/api/v1/programmes/contributions?status=gift").status_code == 422
    assert client.get("/api/v1/programmes/contributions?after=abc.def").status_code == 400


def test_country_page_pages_its_contributions(
    client: TestClient,
    programme_data: sessionmaker[Session],  # noqa: F811
) -> None:
    _enter(programme_data, 260)
    with programme_data() as session:
        approved = (
            session.execute(
                select(Contribution.reference).where(
                    Contribution.country == "PSE", Contribution.approval == "approved"
                )
            )
            .scalars()
            .all()
        )
    assert len(approved) > 100  # two pages of 100
    url = "/programmes/countries/PSE"
    shown: list[str] = []
    while url:
        page = client.get(url)
        assert page.status_code == 200
        shown += ROW.findall(page.text)
        found = re.search(r'<a class="pager-next" rel="next" href="([^"]+)"', page.text)
        url = found.group(1).replace("&amp;", "&") if found else ""
    assert sorted(shown) == sorted(approved) and len(shown) == len(set(shown))
