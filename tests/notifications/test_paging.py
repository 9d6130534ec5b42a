"""The sent-mail lists, keyset-paged: one's own mail and the secretariat's whole log, newest
first (two messages of the same moment in id order), each message once; the status filter
kept in the next page's link; a changed cursor, or one of the other list, is a 400; a viewer
following the log's cursor is still refused, and never gets another's message."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.notifications.models import SentMail
from tests.conftest import ORIGIN, make_user, sign_in

#: (recipient, status, minutes after the start) of the stored messages; two share a moment.
MAIL = [
    ("viewer", "sent", 0),
    ("fp", "sent", 10),
    ("viewer", "failed", 20),
    ("viewer", "sent", 30),
    ("fp", "failed", 30),
    ("viewer", "sent", 30),
    ("viewer", "failed", 40),
    ("fp", "sent", 50),
    ("viewer", "sending", 60),
]


@dataclass
class Stored:
    """The users' tokens and the stored messages as (id, recipient, status, sent_at)."""

    tokens: dict[str, str]
    rows: list[tuple[int, str, str, datetime]]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def newest_first(self, recipient: str | None = None, status: str | None = None) -> list[int]:
        """Ids of the messages (of ``recipient``, with ``status``) in the log's order."""
        found = [
            row
            for row in self.rows
            if (recipient is None or row[1] == recipient) and (status is None or row[2] == status)
        ]
        return [row[0] for row in sorted(found, key=lambda row: (row[3], row[0]), reverse=True)]


@pytest.fixture
def stored(loaded_registry: sessionmaker[Session]) -> Stored:
    """A viewer, a focal point and the secretariat, with the messages of :data:`MAIL`."""
    users: dict[str, int] = {}
    tokens: dict[str, str] = {}
    for name, role, scopes in (
        ("viewer", "viewer", ()),
        ("fp", "focal_point", ("KAZ",)),
        ("sec", "secretariat", ()),
    ):
        users[name], tokens[name] = make_user(loaded_registry, f"{name}@iofs.example", role, scopes)
    start = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    rows = []
    with loaded_registry.begin() as session:
        for number, (who, status, minutes) in enumerate(MAIL):
            moment = start + timedelta(minutes=minutes)
            row = SentMail(
                user_id=users[who],
                recipient=f"{who}@iofs.example",
                subject=f"digest number {number}",
                topics="risk_watchlist",
                language="en",
                frequency="daily",
                period="2026-12-01",
                items=number,
                status=status,
                error="the server refused it" if status == "failed" else "",
                message_id=f"<{number}@iofs.example>",
                sent_at=moment,
            )
            session.add(row)
            session.flush()
            rows.append((row.id, who, status, moment))
    return Stored(tokens=tokens, rows=rows)


URL = "/api/v1/notifications/sent"


def _walk(client: TestClient, headers: dict[str, str], query: str) -> list[dict[str, Any]]:
    """Every page of the API list by its ``next`` cursors (checked: the Link header names
    the next page and keeps the query); returns the answers."""
    answers: list[dict[str, Any]] = []
    url = f"{URL}?{query}"
    while True:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        answers.append(body)
        if body["next"] is None:
            assert "link" not in answer.headers
            return answers
        link = answer.headers["link"]
        assert link.endswith('>; rel="next"') and f"after={body['next']}" in link
        for pair in query.split("&"):
            assert pair in link
        url = f"{URL}?{query}&after={body['next']}"
        assert len(answers) < 20, "the pages never end"


def _ids(answers: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for body in answers for row in body["items"]]


def test_my_mail_pages_once_newest_first(client: TestClient, stored: Stored) -> None:
    answers = _walk(client, stored.headers("viewer"), "limit=2")
    assert [len(body["items"]) for body in answers] == [2, 2, 2]
    walked = _ids(answers)
    assert walked == stored.newest_first("viewer")  # same moment: the later id first
    assert len(set(walked)) == len(walked)
    assert {row["recipient"] for body in answers for row in body["items"]} == {
        "viewer@iofs.example"
    }
    log = _walk(client, stored.headers("sec"), "all=true&limit=3")
    assert _ids(log) == stored.newest_first()


def test_the_status_filter_is_kept_across_pages(client: TestClient, stored: Stored) -> None:
    failed = _walk(client, stored.headers("sec"), "all=true&status=failed&limit=1")
    assert _ids(failed) == stored.newest_first(status="failed") and len(failed) == 3
    assert {row["status"] for body in failed for row in body["items"]} == {"failed"}
    mine = _walk(client, stored.headers("viewer"), "status=sent&limit=1")
    assert _ids(mine) == stored.newest_first("viewer", "sent")
    assert client.get(f"{URL}?status=lost", headers=stored.headers("sec")).status_code == 422


def test_a_changed_or_foreign_cursor_is_refused(client: TestClient, stored: Stored) -> None:
    log = client.get(f"{URL}?all=true&limit=2", headers=stored.headers("sec")).json()
    cursor = log["next"]
    payload, _dot, tag = cursor.partition(".")
    for bad in (payload[:-2] + "." + tag, payload + "." + tag[:-1], "x" + cursor):
        refused = client.get(
            URL, params={"all": "true", "after": bad}, headers=stored.headers("sec")
        )
        assert refused.status_code == 400, bad
        assert "page link is not valid" in refused.text
    # the log's cursor is not one of a user's own list
    own = client.get(URL, params={"after": cursor}, headers=stored.headers("sec"))
    assert own.status_code == 400


def test_the_log_stays_the_secretariats_on_every_page(client: TestClient, stored: Stored) -> None:
    log = client.get(f"{URL}?all=true&limit=1", headers=stored.headers("sec")).json()
    followed = client.get(
        URL, params={"all": "true", "after": log["next"]}, headers=stored.headers("viewer")
    )
    assert followed.status_code == 403
    # a user's own list after another user's cursor (after the viewer's newest message,
    # newer than every one of the focal point's): still only their own mail, all of it
    theirs = client.get(f"{URL}?limit=1", headers=stored.headers("viewer")).json()
    assert theirs["items"][0]["id"] == stored.newest_first()[0]
    mine = client.get(
        URL, params={"after": theirs["next"], "limit": 100}, headers=stored.headers("fp")
    ).json()
    assert _ids([mine]) == stored.newest_first("fp")
    assert {row["recipient"] for row in mine["items"]} == {"fp@iofs.example"}


def _next_link(text: str) -> str | None:
    found = re.search(r'<a class="pager-next" rel="next" href="([^"]+)"', text)
    return html.unescape(found.group(1)) if found else None


def _subjects(text: str) -> list[int]:
    return [int(number) for number in re.findall(r"<td>digest number (\d+)</td>", text)]


def _numbers(stored: Stored, ids: list[int]) -> list[int]:
    """The subjects' numbers (positions in :data:`MAIL`) of the messages ``ids``."""
    position = {row[0]: number for number, row in enumerate(stored.rows)}
    return [position[i] for i in ids]


def _read_pages(client: TestClient, url: str) -> tuple[list[int], int]:
    seen: list[int] = []
    pages = 0
    next_url: str | None = url
    while next_url is not None:
        page = client.get(next_url)
        assert page.status_code == 200, page.text
        seen += _subjects(page.text)
        pages += 1
        next_url = _next_link(page.text)
        if next_url is not None:
            assert "Next page" in page.text and "after=" in next_url
        assert pages < 20
    return seen, pages


def test_the_pages_show_a_next_page_link_keeping_the_filter(
    client: TestClient, stored: Stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("iofs.notifications.pages.LOG_PAGE_SIZE", 2)
    monkeypatch.setattr("iofs.notifications.pages.PAGE_SIZE", 2)
    assert sign_in(client, "sec@iofs.example").status_code == 303
    first = client.get("/notifications/log?status=sent")
    link = _next_link(first.text)
    assert link is not None and link.startswith("/notifications/log?") and "status=sent" in link
    assert '<option value="sent" selected>' in first.text
    seen, pages = _read_pages(client, "/notifications/log?status=sent")
    assert seen == _numbers(stored, stored.newest_first(status="sent")) and pages == 3
    seen, _pages = _read_pages(client, "/notifications/log")
    assert seen == _numbers(stored, stored.newest_first())
    french = client.get("/notifications/log?lang=fr")
    assert "Page suivante" in french.text and "Tous les statuts" in french.text
    # one's own mail under the form: paged too, and only one's own
    client.post("/signout", headers={"Origin": ORIGIN})
    assert sign_in(client, "viewer@iofs.example").status_code == 303
    seen, pages = _read_pages(client, "/notifications")
    assert seen == _numbers(stored, stored.newest_first("viewer")) and pages == 3
    assert client.get("/notifications/log").status_code == 403
