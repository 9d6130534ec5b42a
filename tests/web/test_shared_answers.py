"""Public answers shared by the workers of one machine (#21, iofs.web.shared_answers): a page
rendered by one worker is served by another without rendering, under its route's name, until
a write renews it; the files are whole or ignored, and trimmed by age and budget."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.web.shared_answers import SharedAnswer, SharedAnswers
from tests.conftest import make_user


def _workers(settings: Settings, count: int, shared: bool = True) -> Iterator[list[TestClient]]:
    """``count`` apps on one data directory and database, as `iofs serve --workers` runs."""
    from iofs.web.app import create_app

    update = {"public_cache_seconds": 30, "public_cache_grace": 0, "public_cache_shared": shared}
    apps = [create_app(settings.model_copy(update=update)) for _ in range(count)]
    with ExitStack() as stack:
        yield [stack.enter_context(TestClient(app)) for app in apps]
    for app in apps:
        app.state.engine.dispose()


def _count(client: TestClient, route: str) -> str:
    body, _type = client.app.state.metrics.exposition()  # type: ignore[attr-defined]
    metrics = body.decode() if isinstance(body, bytes) else str(body)
    return next(
        row
        for row in metrics.splitlines()
        if row.startswith("iofs_http_requests_total") and f'route="{route}"' in row
    )


def test_a_page_rendered_by_one_worker_is_served_by_the_other_until_a_write(
    settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "lead@shared.example", "secretariat")
    for first, second in _workers(settings, 2):
        rendered = first.get("/programmes")
        assert rendered.headers["X-Cache"] == "miss"
        served = second.get("/programmes")
        assert served.headers["X-Cache"] == "hit" and served.content == rendered.content
        assert served.headers["ETag"] == rendered.headers["ETag"]
        assert _count(second, "/programmes").endswith(" 1.0")  # named as if rendered there
        assert any(settings.shared_answers_dir.iterdir())

        written = first.put(
            "/api/v1/programmes",
            json={"code": "SHARED-1", "title": "Seeds for the Sahel", "sector_code": "31161"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert written.status_code == 200, written.text
        renewed = second.get("/programmes")
        assert renewed.headers["X-Cache"] == "miss" and "Seeds for the Sahel" in renewed.text
        assert first.get("/programmes").headers["X-Cache"] == "hit"  # the other's new render


def test_without_sharing_each_worker_renders_its_own(
    settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    for first, second in _workers(settings, 2, shared=False):
        assert first.get("/programmes").headers["X-Cache"] == "miss"
        assert second.get("/programmes").headers["X-Cache"] == "miss"
        assert not settings.shared_answers_dir.exists()


def _answer(body: bytes, stored_at: float | None = None) -> SharedAnswer:
    start = {"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"x"')]}
    at = time.time() if stored_at is None else stored_at
    return SharedAnswer((7, (1, 2)), frozenset({"programme"}), at, start, body, "/p")


def test_an_answer_comes_back_whole_and_a_damaged_file_is_ignored(tmp_path: Path) -> None:
    store = SharedAnswers(tmp_path, seconds=30, max_bytes=10_000)
    store.put(b"k", _answer(b"\x00body\xff"))
    back = store.get(b"k")
    assert back is not None and back.body == b"\x00body\xff" and back.route == "/p"
    assert back.version == (7, (1, 2)) and back.types == frozenset({"programme"})
    assert back.start["headers"] == [(b"etag", b'"x"')] and back.start["status"] == 200
    assert store.get(b"other") is None and back.state is None
    state_page = SharedAnswer((7, ()), None, time.time(), back.start, b"b", "/c/{iso3}", "AFG")
    store.put(b"s", state_page)
    assert (kept := store.get(b"s")) is not None and kept.state == "AFG"
    (tmp_path / hashlib.sha256(b"s").hexdigest()).unlink()
    (path,) = tmp_path.iterdir()
    path.write_bytes(path.read_bytes()[:9])  # cut short
    assert store.get(b"k") is None
    path.write_bytes(b"not an answer at all")
    assert store.get(b"k") is None


def test_old_answers_are_not_served_and_the_folder_is_trimmed_to_its_budget(
    tmp_path: Path,
) -> None:
    store = SharedAnswers(tmp_path, seconds=30, max_bytes=2_500)
    store.put(b"old", _answer(b"o" * 1000, stored_at=time.time() - 31))
    assert store.get(b"old") is None  # older than the age limit
    for name in (b"a", b"b", b"c"):
        store.put(name, _answer(b"x" * 1000))
    files = sorted(tmp_path.iterdir(), key=lambda p: p.name)
    now = time.time()
    for age, path in zip((100, 3, 2, 1), files, strict=True):
        os.utime(path, (now - age, now - age))
    store.trim()
    left = sorted(p.stat().st_mtime for p in tmp_path.iterdir())
    assert len(left) == 2 and min(left) > now - 2.5  # expired removed, then the oldest
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 2_500
