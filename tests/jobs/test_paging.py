"""The job list, keyset-paged: API and page walk every job one may see exactly once, newest
first; the state and kind filters stay in the next page's link; a changed cursor is a 400;
and a focal point never gets another's job, on the first page or any later one."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.jobs.models import Job
from tests.conftest import make_user, sign_in

#: (owner, kind, state) of the stored jobs, oldest first; None: a schedule's job.
JOBS = [
    ("kaz", "prices.fetch", "succeeded"),
    ("egy", "prices.fetch", "succeeded"),
    ("kaz", "backup.snapshot", "failed"),
    (None, "backup.snapshot", "succeeded"),
    ("kaz", "prices.fetch", "succeeded"),
    ("egy", "backup.snapshot", "failed"),
    ("kaz", "prices.fetch", "failed"),
    ("kaz", "backup.snapshot", "succeeded"),
    ("kaz", "prices.fetch", "succeeded"),
]


@dataclass
class Stored:
    """The tokens of the three users and the ids of the jobs, by owner."""

    tokens: dict[str, str]
    ids: dict[str | None, list[int]]
    rows: list[tuple[int, str | None, str, str]]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def newest_first(self, owner: str | None = "*", **where: str) -> list[int]:
        """Ids of the stored jobs of ``owner`` ("*": everyone's) matching ``where``."""
        found = [
            job_id
            for job_id, who, kind, state in self.rows
            if (owner == "*" or who == owner)
            and where.get("kind", kind) == kind
            and where.get("state", state) == state
        ]
        return sorted(found, reverse=True)


@pytest.fixture
def stored(loaded_registry: sessionmaker[Session]) -> Stored:
    """Two focal points (Kazakhstan, Egypt) and the secretariat, with the jobs of
    :data:`JOBS` (finished, so no worker touches them)."""
    users: dict[str, int] = {}
    tokens: dict[str, str] = {}
    for name, role, scopes in (
        ("kaz", "focal_point", ("KAZ",)),
        ("egy", "focal_point", ("EGY",)),
        ("sec", "secretariat", ()),
    ):
        users[name], tokens[name] = make_user(loaded_registry, f"{name}@iofs.example", role, scopes)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows = []
    with loaded_registry.begin() as session:
        for number, (owner, kind, state) in enumerate(JOBS):
            moment = start + timedelta(hours=number)
            job = Job(
                kind=kind,
                params={},
                owner_id=users[owner] if owner else None,
                state=state,
                created_at=moment,
                finished_at=moment + timedelta(minutes=5),
            )
            session.add(job)
            session.flush()
            rows.append((job.id, owner, kind, state))
    ids: dict[str | None, list[int]] = {}
    for job_id, owner, _kind, _state in rows:
        ids.setdefault(owner, []).append(job_id)
    return Stored(tokens=tokens, ids=ids, rows=rows)


def _walk(
    client: TestClient, headers: dict[str, str], query: str
) -> tuple[list[list[int]], list[dict[str, Any]]]:
    """Every page of ``/api/v1/jobs?<query>`` by the ``next`` cursors: the ids of each page
    and the answers (checked: the Link header names the next page, keeping the query)."""
    pages: list[list[int]] = []
    answers: list[dict[str, Any]] = []
    url = f"/api/v1/jobs?{query}"
    while True:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        answers.append(body)
        pages.append([job["id"] for job in body["items"]])
        if body["next"] is None:
            assert "link" not in answer.headers
            return pages, answers
        link = answer.headers["link"]
        assert link.endswith('>; rel="next"') and f"after={body['next']}" in link
        for pair in query.split("&"):
            assert pair in link  # the filters are kept
        url = f"/api/v1/jobs?{query}&after={body['next']}"
        assert len(pages) < 20, "the pages never end"


def test_the_api_pages_walk_my_jobs_once_newest_first(client: TestClient, stored: Stored) -> None:
    pages, _answers = _walk(client, stored.headers("kaz"), "limit=2")
    assert [len(page) for page in pages] == [2, 2, 2]
    walked = [job_id for page in pages for job_id in page]
    assert walked == stored.newest_first("kaz")  # no repeat, no gap, newest first
    assert len(set(walked)) == len(walked) == len(stored.ids["kaz"])
    # the secretariat walks every job, the schedule's among them
    everyone, _answers = _walk(client, stored.headers("sec"), "limit=2")
    assert [job_id for page in everyone for job_id in page] == stored.newest_first()
    # one page holding the whole list says so: no next cursor
    whole = client.get("/api/v1/jobs?limit=200", headers=stored.headers("egy")).json()
    assert [j["id"] for j in whole["items"]] == stored.newest_first("egy")
    assert whole["next"] is None


def test_the_filters_are_kept_across_pages(client: TestClient, stored: Stored) -> None:
    pages, _answers = _walk(client, stored.headers("sec"), "state=succeeded&limit=1")
    assert [job_id for page in pages for job_id in page] == stored.newest_first(state="succeeded")
    pages, answers = _walk(client, stored.headers("kaz"), "kind=prices.fetch&limit=2")
    assert [job_id for page in pages for job_id in page] == stored.newest_first(
        "kaz", kind="prices.fetch"
    )
    assert {job["kind"] for body in answers for job in body["items"]} == {"prices.fetch"}


def test_a_changed_cursor_is_refused(client: TestClient, stored: Stored) -> None:
    headers = stored.headers("kaz")
    cursor = client.get("/api/v1/jobs?limit=2", headers=headers).json()["next"]
    payload, _dot, tag = cursor.partition(".")
    for bad in (
        payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + tag,  # another key
        payload + "." + tag[::-1],  # another tag
        payload,  # no tag
        "not-a-cursor",
    ):
        refused = client.get("/api/v1/jobs", params={"after": bad}, headers=headers)
        assert refused.status_code == 400, bad
        assert "page link is not valid" in refused.text
    # the page refuses it too
    assert sign_in(client, "kaz@iofs.example").status_code == 303
    assert client.get("/jobs", params={"after": cursor + "x"}).status_code == 400


def test_a_cursor_never_shows_a_job_one_may_not_see(client: TestClient, stored: Stored) -> None:
    # the secretariat's cursor, after its newest job: Egypt's focal point following it gets
    # only their own older jobs, never Kazakhstan's or the schedule's
    first = client.get("/api/v1/jobs?limit=1", headers=stored.headers("sec")).json()
    assert first["items"][0]["id"] == stored.newest_first()[0]
    followed = client.get(
        "/api/v1/jobs", params={"after": first["next"], "limit": 200}, headers=stored.headers("egy")
    ).json()
    assert [job["id"] for job in followed["items"]] == stored.newest_first("egy")
    pages, answers = _walk(client, stored.headers("egy"), "limit=1")
    assert [job_id for page in pages for job_id in page] == stored.newest_first("egy")
    assert {job["owner"] for body in answers for job in body["items"]} == {"egy"}
    # the page of a job that is not yours is still 404
    other = stored.ids["kaz"][0]
    assert client.get(f"/api/v1/jobs/{other}", headers=stored.headers("egy")).status_code == 404


def _next_link(text: str) -> str | None:
    found = re.search(r'<a class="pager-next" rel="next" href="([^"]+)"', text)
    return html.unescape(found.group(1)) if found else None


def _shown(text: str) -> list[int]:
    return [int(job_id) for job_id in re.findall(r'<a href="/jobs/(\d+)">', text)]


def test_the_page_shows_a_next_page_link_keeping_the_filter(
    client: TestClient, stored: Stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("iofs.jobs.pages.PAGE_SIZE", 2)
    assert sign_in(client, "kaz@iofs.example").status_code == 303
    url: str | None = "/jobs?state=succeeded"
    seen: list[int] = []
    pages = 0
    while url is not None:
        page = client.get(url)
        assert page.status_code == 200, page.text
        seen += _shown(page.text)
        pages += 1
        url = _next_link(page.text)
        if url is not None:
            assert "Next page" in page.text
            assert url.startswith("/jobs?") and "state=succeeded" in url and "after=" in url
        if pages > 1:
            assert "First page" in page.text
        assert pages < 20
    assert pages == 2
    assert seen == stored.newest_first("kaz", state="succeeded")
    # in French, the pager too
    french = client.get("/jobs?lang=fr")
    assert "Page suivante" in french.text
    # the kind filter is a choice of the page, kept as well
    kinds = client.get("/jobs?kind=backup.snapshot")
    assert _shown(kinds.text) == stored.newest_first("kaz", kind="backup.snapshot")
    assert '<option value="backup.snapshot" selected>' in kinds.text
