"""Requests a worker renders at once, and which waiting one goes next (iofs.web.admission)."""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from iofs.config import Settings
from iofs.web.admission import Admission, Turns, shape
from tests.coroutines import run_apart


def test_a_shape_hides_codes_and_numbers_and_keeps_the_route_words() -> None:
    assert shape("GET", "/countries/PSE") == "GET /countries/*"
    assert shape("GET", "/genebank/accessions/500001") == "GET /genebank/accessions/*"
    assert shape("POST", "/api/v1/programmes/contributions") == (
        "POST /api/v1/programmes/contributions"
    )
    assert shape("GET", "/") == "GET /"
    assert shape("GET", "/a/b/c/d/e/f") == "GET /a/b/c/d"


def test_waiting_requests_go_quickest_expected_first_then_in_order_of_arrival() -> None:
    order: list[str] = []

    async def main() -> None:
        turns = Turns(1)
        assert await turns.take(0.0, 5.0)  # the one turn is taken

        async def wait(name: str, expected: float) -> None:
            assert await turns.take(expected, 5.0)
            order.append(name)
            turns.give_back()

        async with anyio.create_task_group() as group:
            for name, expected in (("slow", 0.5), ("quick", 0.01), ("slow-2", 0.5), ("mid", 0.1)):
                group.start_soon(wait, name, expected)
                await anyio.sleep(0.01)  # arrive in this order
            turns.give_back()

    run_apart(main)
    assert order == ["quick", "mid", "slow", "slow-2"]
    # mutated to first-come-first-served, the order would be slow, quick, slow-2, mid


def test_an_overdue_request_goes_first_and_after_the_hard_wait_without_a_turn() -> None:
    order: list[str] = []

    async def overdue() -> None:
        turns = Turns(1)
        assert await turns.take(0.0, 5.0)

        async def wait(name: str, expected: float, longest: float) -> None:
            assert await turns.take(expected, longest, 10.0)
            order.append(name)
            turns.give_back()

        async with anyio.create_task_group() as group:
            group.start_soon(wait, "large", 9.0, 0.1)  # overdue after 0.1 s
            await anyio.sleep(0.01)
            group.start_soon(wait, "small", 0.01, 5.0)
            await anyio.sleep(0.3)
            turns.give_back()

    run_apart(overdue)
    assert order == ["large", "small"]  # by expected time alone, small would go first

    async def main() -> tuple[bool, float, int]:
        turns = Turns(1)
        assert await turns.take(0.0, 5.0)
        began = anyio.current_time()
        taken = await turns.take(0.0, 0.1, 0.2)
        waited = anyio.current_time() - began
        turns.give_back()  # the first request ends: its turn is free again, nobody waits
        return taken, waited, turns.free

    taken, waited, free = run_apart(main)
    assert not taken
    assert 0.15 < waited < 2.0
    assert free == 1  # the late request held no turn, so none was given back twice


def test_a_cancelled_waiter_is_skipped_and_a_turn_granted_to_it_is_not_lost() -> None:
    async def main() -> int:
        turns = Turns(1)
        assert await turns.take(0.0, 5.0)
        with anyio.move_on_after(0.05):  # a client that goes away while waiting
            await turns.take(0.0, 5.0)
        turns.give_back()  # skips the one who went away
        assert turns.free == 1
        assert await turns.take(0.0, 5.0)
        turns.give_back()
        return turns.free

    assert run_apart(main) == 1


def _slow_app(seconds: float, log: list[tuple[str, str]]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        log.append(("in", scope["path"]))
        await anyio.sleep(seconds if scope["path"].startswith("/slow") else 0.01)
        log.append(("out", scope["path"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def test_the_middleware_learns_what_a_shape_takes_and_lets_a_quick_one_pass_the_slow() -> None:
    log: list[tuple[str, str]] = []
    gate = Admission(_slow_app(0.3, log), renders=1, session_cookie="s")

    async def main() -> None:
        transport = httpx.ASGITransport(app=gate)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/slow/1")  # learned: about 0.3 s
            await client.get("/quick/1")  # learned: about 0.01 s
            log.clear()
            async with anyio.create_task_group() as group:
                group.start_soon(client.get, "/slow/2")  # takes the turn
                await anyio.sleep(0.05)
                group.start_soon(client.get, "/slow/3")
                await anyio.sleep(0.01)
                group.start_soon(client.get, "/quick/2")

    run_apart(main)
    entered = [path for step, path in log if step == "in"]
    assert entered == ["/slow/2", "/quick/2", "/slow/3"]
    assert gate.expectation("GET /slow/*") > gate.expectation("GET /quick/*") > 0


def test_a_streamed_answer_gives_its_turn_back_when_it_starts() -> None:
    release = anyio.Event()
    entered: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        entered.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if scope["path"] == "/download":
            await release.wait()  # a slow client still reading the body
        await send({"type": "http.response.body", "body": b"x"})

    gate = Admission(app, renders=1, session_cookie="s")

    async def call(path: str) -> None:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b""}

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "headers": []}
        await gate(scope, receive, send)

    async def main() -> float:
        async with anyio.create_task_group() as group:
            group.start_soon(call, "/download")
            await anyio.sleep(0.02)
            began = anyio.current_time()
            await call("/page")
            waited = anyio.current_time() - began
            release.set()
        return waited

    waited = run_apart(main)
    assert entered == ["/download", "/page"]
    assert waited < 1.0  # not the 2 s longest wait: the download no longer held the turn


@pytest.mark.parametrize("renders", [0, 1])
def test_the_app_serves_with_and_without_a_limit(
    renders: int, settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    from iofs.web.app import create_app

    app = create_app(settings.model_copy(update={"concurrent_renders": renders}))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        page = client.get("/countries/PSE")
        assert page.status_code == 200
        assert "Palestine" in page.text
    app.state.engine.dispose()


def test_people_signed_in_take_turns_apart_from_the_public() -> None:
    log: list[tuple[str, str]] = []
    gate = Admission(_slow_app(0.3, log), renders=1, session_cookie="iofs_session")

    async def main() -> None:
        transport = httpx.ASGITransport(app=gate)
        client = httpx.AsyncClient(transport=transport, base_url="http://t")
        async with client, anyio.create_task_group() as group:
            group.start_soon(client.get, "/slow/public")  # takes the public turn
            await anyio.sleep(0.05)
            group.start_soon(client.get, "/slow/waits")  # waits for it
            await anyio.sleep(0.01)
            token = {"Authorization": "Bearer x"}
            group.start_soon(partial(client.get, "/slow/token", headers=token))  # own turn
            await anyio.sleep(0.01)
            session = {"Cookie": "lang=ar; iofs_session=k"}
            group.start_soon(partial(client.get, "/slow/session", headers=session))

    run_apart(main)
    entered = [path for step, path in log if step == "in"]
    # the token's request took the signed-in turn at once; the session's waited for it,
    # the public one for the public turn
    assert entered[:2] == ["/slow/public", "/slow/token"]
    assert set(entered[2:]) == {"/slow/waits", "/slow/session"}
    finished = [path for step, path in log if step == "out"]
    assert finished.index("/slow/token") < finished.index("/slow/waits")
