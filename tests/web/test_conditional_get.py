"""Conditional GET (#21 item 2): public answers carry an ETag and a client that already holds
the representation gets 304 without a body; personal answers carry no tag and stay no-store."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_user


def test_public_answers_are_tagged_and_revalidated(client: TestClient) -> None:
    first = client.get("/api/v1/members")
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag.startswith('W/"') and len(first.json()) == 57
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/api/v1/members", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == tag and "X-Request-ID" in again.headers
    strong = client.get("/api/v1/members", headers={"If-None-Match": f'"x", {tag[2:]}'})
    assert strong.status_code == 304  # weak comparison: W/ or not, the same tag
    other = client.get("/api/v1/members?lang=fr", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content
    page = client.get("/members?lang=ar")
    assert page.headers["ETag"] != client.get("/members?lang=fr").headers["ETag"]


def test_personal_and_failed_answers_carry_no_tag(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "viewer@iofs.example", "viewer")
    mine = client.get("/api/v1/members", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200 and "ETag" not in mine.headers
    assert mine.headers["Cache-Control"] == "no-store"
    missing = client.get("/api/v1/members/XXX")
    assert missing.status_code == 404 and "ETag" not in missing.headers


def test_an_answer_tagged_by_the_app_is_revalidated_without_its_body() -> None:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    from iofs.web.conditional import ConditionalGetMiddleware

    app = FastAPI()

    @app.get("/tagged")
    def tagged() -> PlainTextResponse:
        return PlainTextResponse("the body", headers={"ETag": 'W/"made-by-the-app"'})

    app.add_middleware(ConditionalGetMiddleware, session_cookie="s")
    with TestClient(app) as client:
        plain = client.get("/tagged")
        assert plain.status_code == 200 and plain.text == "the body"
        assert plain.headers["ETag"] == 'W/"made-by-the-app"'  # its own tag, kept
        matched = client.get("/tagged", headers={"If-None-Match": '"made-by-the-app"'})
        assert matched.status_code == 304 and matched.content == b""
        assert "content-type" not in matched.headers
        other = client.get("/tagged", headers={"If-None-Match": 'W/"another"'})
        assert other.status_code == 200 and other.text == "the body"
