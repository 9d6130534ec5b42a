"""Kept public answers (#21 item 2, iofs.web.public_cache): a public page is rendered once and
served again until an audited write, a change of the analytics store or its age says
otherwise; personal answers, answers that set a cookie and other languages never share one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Message, Receive, Scope, Send

from iofs.analytics_store.signature import store_signature
from iofs.audit.service import Newest
from iofs.config import Settings
from iofs.web.public_cache import Entry, Heads, PublicCache, PublicCacheMiddleware
from tests.conftest import make_user
from tests.coroutines import run_apart


def _client(settings: Settings, seconds: float, grace: float = 0.0) -> Iterator[TestClient]:
    from iofs.web.app import create_app

    update = {"public_cache_seconds": seconds, "public_cache_grace": grace}
    app = create_app(settings.model_copy(update=update))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


@pytest.fixture
def cached(settings: Settings, loaded_registry: sessionmaker[Session]) -> Iterator[TestClient]:
    yield from _client(settings, 30)


PROGRAMME = {"code": "CACHE-1", "title": "Seed relief for the Sahel", "sector_code": "31161"}


def test_a_public_page_is_kept_until_an_audited_write(
    cached: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "lead@cache.example", "secretariat")
    first = cached.get("/programmes")
    again = cached.get("/programmes")
    assert first.status_code == 200 and first.headers["X-Cache"] == "miss"
    assert again.headers["X-Cache"] == "hit" and again.content == first.content
    assert again.headers["ETag"] == first.headers["ETag"]  # still tagged, 304 still works
    revalidated = cached.get("/programmes", headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304

    written = cached.put(
        "/api/v1/programmes", json=PROGRAMME, headers={"Authorization": f"Bearer {token}"}
    )
    assert written.status_code == 200, written.text
    after = cached.get("/programmes")
    assert after.headers["X-Cache"] == "miss"
    assert "Seed relief for the Sahel" in after.text
    assert "Seed relief for the Sahel" not in first.text


def test_a_write_renews_only_the_pages_that_read_its_records(
    cached: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "lead@scope.example", "secretariat")
    pages = ("/programmes", "/members", "/genebank", "/aid-vs-need")
    assert [cached.get(p).headers["X-Cache"] for p in pages] == ["miss"] * 4
    written = cached.put(
        "/api/v1/programmes", json=PROGRAMME, headers={"Authorization": f"Bearer {token}"}
    )
    assert written.status_code == 200, written.text
    # programmes and the briefs (which read the programmes) renew; members and gene bank stay
    assert [cached.get(p).headers["X-Cache"] for p in pages] == ["miss", "hit", "hit", "miss"]


def test_personal_answers_and_cookie_setting_answers_are_never_kept(
    cached: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "viewer@cache.example", "viewer")
    mine = cached.get("/api/v1/members", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200 and "X-Cache" not in mine.headers
    chosen = cached.get("/members?lang=fr")  # sets the language cookie: not kept
    assert "set-cookie" in chosen.headers and "X-Cache" not in chosen.headers
    missing = cached.get("/api/v1/members/XXX")
    assert missing.status_code == 404 and "X-Cache" not in missing.headers


def test_languages_and_cookies_are_part_of_the_key(cached: TestClient) -> None:
    cached.cookies.clear()
    french = cached.get("/members", headers={"Accept-Language": "fr"})
    arabic = cached.get("/members", headers={"Accept-Language": "ar"})
    assert french.headers["X-Cache"] == arabic.headers["X-Cache"] == "miss"
    assert 'lang="fr"' in french.text and 'lang="ar"' in arabic.text
    again = cached.get("/members", headers={"Accept-Language": "ar"})
    assert again.headers["X-Cache"] == "hit" and 'lang="ar"' in again.text
    cookie = cached.get("/members", headers={"Accept-Language": "ar", "Cookie": "lang=fr"})
    assert cookie.headers["X-Cache"] == "miss" and 'lang="fr"' in cookie.text


def test_an_answer_is_kept_no_longer_than_its_age_limit(
    settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    for client in _client(settings, 0.3):
        assert client.get("/api/v1/members").headers["X-Cache"] == "miss"
        assert client.get("/api/v1/members").headers["X-Cache"] == "hit"
        time.sleep(0.4)
        assert client.get("/api/v1/members").headers["X-Cache"] == "miss"


def test_within_the_grace_a_write_is_seen_late_and_after_it_at_once(
    settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "lead@grace.example", "secretariat")
    grace = 2.0  # long enough for the write between the two reads on a busy machine
    for client in _client(settings, 30, grace=grace):
        before = client.get("/programmes")
        kept_at = time.monotonic()
        client.put(
            "/api/v1/programmes", json=PROGRAMME, headers={"Authorization": f"Bearer {token}"}
        )
        late = client.get("/programmes")
        assert time.monotonic() - kept_at < grace, "the machine is too slow for this test"
        assert late.headers["X-Cache"] == "hit" and late.content == before.content
        time.sleep(max(0.0, grace + 0.1 - (time.monotonic() - kept_at)))
        fresh = client.get("/programmes")
        assert fresh.headers["X-Cache"] == "miss" and "Seed relief for the Sahel" in fresh.text


def test_a_kept_answer_is_counted_under_its_route(
    settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    for client in _client(settings, 30):
        answers = [client.get("/api/v1/members/KAZ").headers["X-Cache"] for _ in range(3)]
        assert answers == ["miss", "hit", "hit"]
        body, _type = client.app.state.metrics.exposition()  # type: ignore[attr-defined]
        metrics = body.decode() if isinstance(body, bytes) else str(body)
        line = next(
            row
            for row in metrics.splitlines()
            if row.startswith("iofs_http_requests_total")
            and 'route="/api/v1/members/{iso3}"' in row
        )
        assert line.endswith(" 3.0"), line


def test_tests_run_without_the_cache_by_default(client: TestClient) -> None:
    client.get("/api/v1/members")
    assert "X-Cache" not in client.get("/api/v1/members").headers


def test_an_ingest_changes_the_store_signature(tmp_path: Path) -> None:
    store = tmp_path / "analytics"
    (store / "prices").mkdir(parents=True)
    before = store_signature(store)
    time.sleep(0.01)
    staged = tmp_path / "staged.parquet"
    staged.write_bytes(b"x")
    staged.replace(store / "prices" / "wfp.parquet")  # how ingests publish a file
    assert store_signature(store) != before
    assert store_signature(tmp_path / "absent") == (0,)


def test_the_cache_evicts_the_least_recently_used_beyond_its_budget() -> None:
    cache = PublicCache(max_bytes=10)
    start = {"type": "http.response.start", "status": 200, "headers": []}
    for key in (b"a", b"b"):
        cache.put(key, Entry((1, ()), None, 0.0, start, b"12345", {}))
    assert cache.get(b"a") is not None  # a is now the most recent
    cache.put(b"c", Entry((1, ()), None, 0.0, start, b"123", {}))
    assert cache.get(b"b") is None and cache.get(b"a") is not None
    assert cache.size == 8


def _reading_heads(heads: Callable[[], Heads], grace: float) -> PublicCacheMiddleware:
    """A public cache in front of no app, reading its data heads with ``heads``."""
    return PublicCacheMiddleware(
        app=None,  # type: ignore[arg-type]
        session_cookie="s",
        seconds=30,
        max_bytes=1000,
        heads=heads,
        grace=grace,
    )


def test_a_worker_reads_the_version_once_for_visitors_asking_at_once() -> None:
    import anyio

    reads: list[float] = []

    def heads() -> Heads:
        reads.append(time.monotonic())
        time.sleep(0.05)  # a database round trip
        return Newest({"kind": len(reads)}, {}), ()

    async def asking(grace: float, visitors: int) -> None:
        middleware = _reading_heads(heads, grace)
        async with anyio.create_task_group() as group:
            for _ in range(visitors):
                group.start_soon(middleware.current_heads)

    run_apart(asking, 2.0, 20)
    assert len(reads) == 1  # twenty visitors, one read
    reads.clear()
    run_apart(asking, 0.0, 5)  # without grace (tests, IOFS_PUBLIC_CACHE_GRACE=0): every time
    assert len(reads) == 5


def test_visitors_asking_while_the_heads_are_read_take_those_read_before() -> None:
    import anyio

    from iofs.web import public_cache

    reads: list[float] = []

    def heads() -> Heads:
        reads.append(time.monotonic())
        time.sleep(0.3)  # a read behind a busy database
        return Newest({"kind": len(reads)}, {}), ()

    async def asking(grace: float) -> tuple[list[int], list[float], int]:
        middleware = _reading_heads(heads, grace)
        await middleware.current_heads()  # read 1
        await anyio.sleep(public_cache.HEADS_REUSE + 0.05)  # read 1 is now due for renewal
        seen: list[int] = []
        waited: list[float] = []

        async def visit() -> None:
            begin = time.monotonic()
            newest, _signature = await middleware.current_heads()
            seen.append(newest.by_type["kind"])
            waited.append(time.monotonic() - begin)

        async with anyio.create_task_group() as group:
            group.start_soon(visit)  # this one reads again (read 2)
            await anyio.sleep(0.05)
            for _ in range(5):
                group.start_soon(visit)
        return seen, waited, len(reads)

    seen, waited, count = run_apart(asking, 2.0)
    assert count == 2 and sorted(seen) == [1, 1, 1, 1, 1, 2]
    assert sorted(waited)[:5] == pytest.approx([0] * 5, abs=0.1)  # nobody waited behind read 2
    reads.clear()
    seen, waited, count = run_apart(asking, 0.3)  # read 1 older than the grace by then: wait
    assert 2 in seen and min(waited) > 0.1


def test_visitors_asking_for_a_page_being_rendered_wait_for_that_render() -> None:
    import anyio

    from iofs.web.public_cache import _key as request_key

    renders: list[str] = []

    async def page(scope: Scope, receive: Receive, send: Send) -> None:
        renders.append(scope["path"])
        await anyio.sleep(0.2)  # a page that takes a while to render
        status = 200 if scope["path"] != "/broken" else 503
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"page", "more_body": False})

    def heads() -> Heads:
        return Newest({"kind": 1}, {}), ()

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def visit(middleware: PublicCacheMiddleware, path: str, answers: list[int]) -> None:
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
        await middleware(scope, receive, send)
        answers.append(sent[0]["status"])
        assert sent[-1]["body"] == b"page"

    async def at_once(path: str, visitors: int) -> tuple[PublicCacheMiddleware, list[int]]:
        middleware = PublicCacheMiddleware(
            app=page, session_cookie="s", seconds=30, max_bytes=10_000, heads=heads
        )
        answers: list[int] = []
        async with anyio.create_task_group() as group:
            for _ in range(visitors):
                group.start_soon(visit, middleware, path, answers)
        return middleware, answers

    middleware, answers = run_apart(at_once, "/risk", 8)
    assert renders == ["/risk"] and answers == [200] * 8  # eight visitors, one render
    assert not middleware.rendering
    scope = {"path": "/risk", "query_string": b"", "headers": []}
    assert middleware.cache.get(request_key(scope)) is not None
    renders.clear()
    _, answers = run_apart(at_once, "/broken", 3)  # not kept: each waiter renders its own
    assert renders == ["/broken"] * 3 and answers == [503] * 3


def test_a_kept_answer_is_tagged_once_not_at_every_visit(
    cached: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iofs.web import conditional

    digests: list[int] = []
    real = conditional.weak_tag

    def counted(content: bytes) -> str:
        digests.append(len(content))
        return real(content)

    monkeypatch.setattr(conditional, "weak_tag", counted)
    first = cached.get("/members")
    assert first.headers["X-Cache"] == "miss" and len(digests) == 1
    for _ in range(3):
        again = cached.get("/members")
        assert again.headers["ETag"] == first.headers["ETag"] and again.content == first.content
    revalidated = cached.get("/members", headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert revalidated.headers.get("content-length") in (None, "0")
    assert len(digests) == 1  # the hits and the 304 read the kept tag


def _kept_after_settling(client: TestClient, path: str) -> None:
    """Ask for ``path`` until it is served kept (the first briefs derive analytics files)."""
    for _ in range(5):
        if client.get(path).headers["X-Cache"] == "hit":
            return
    raise AssertionError(f"{path} is never kept")


def test_a_contribution_renews_the_briefs_of_its_state_and_no_other(
    cached: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    from iofs.accounts.service import cli_principal
    from iofs.db import transaction
    from iofs.programmes import demo
    from tests.programmes.test_country_aid import (
        APPEAL,
        CHECKER,
        MAKER,
        add_afghan_appeal,
        add_approved_contribution,
    )

    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
        add_afghan_appeal(session, MAKER, CHECKER)
    briefs = ("/countries/AFG", "/countries/MLI", "/api/v1/countries/MLI", "/api/v1/countries/AFG")
    for path in briefs:
        _kept_after_settling(cached, path)
    before = cached.get("/api/v1/countries/AFG").json()

    def contribute(reference: str, country: str | None) -> None:
        with transaction(loaded_registry) as session:
            add_approved_contribution(session, reference, APPEAL, country)

    contribute("TEST-CACHE-AFG", "AFG")
    assert [cached.get(p).headers["X-Cache"] for p in briefs] == ["miss", "hit", "hit", "miss"]
    after = cached.get("/api/v1/countries/AFG").json()
    assert after != before  # Afghanistan's aid block counts the new 100,000 USD
    assert "500,000 USD" in str(after) and "500,000 USD" not in str(before)
    assert cached.get("/programmes").headers["X-Cache"] == "miss"  # a page about every state

    contribute("TEST-CACHE-NONE", None)  # for the appeal, no state: no state's brief changes
    assert [cached.get(p).headers["X-Cache"] for p in briefs] == ["hit"] * 4
