"""Schemathesis fuzzes every operation in /openapi.json: no request may produce a 5xx.

Bounded (a few examples per operation, the same ones every run) so it stays in ``make test``;
each operation runs anonymously and as an admin (bearer token), on the embedded SQLite store.
``IOFS_FUZZ_EXAMPLES`` sets the examples per operation (default 8, in CI too); ``make fuzz``
also sets ``IOFS_FUZZ_RANDOM=1`` for a longer run that draws new examples every time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import schemathesis.specs.openapi.schemas  # compiled at collection: see below
from hypothesis import HealthCheck, given, settings

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory, transaction, upgrade
from tests.conftest import make_user

# ``schemathesis.openapi.from_asgi`` imports its OpenAPI modules on first use, and pytest
# rewrites (compiles) them then: once in CI, deep in a test, CPython 3.11.7 failed that compile
# with "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905, fixed in
# later releases). Imported above, they are compiled when this module is collected instead.

#: Examples per operation, and whether they are drawn anew each run (``make fuzz``).
EXAMPLES = int(os.environ.get("IOFS_FUZZ_EXAMPLES", "8"))
RANDOMISED = os.environ.get("IOFS_FUZZ_RANDOM") == "1"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    from iofs.members import service
    from iofs.web.app import create_app

    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{data_dir / 'iofs.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        service.load_reference(session)
    _, token = make_user(factory, "admin@iofs.example", "admin")
    engine.dispose()
    app = create_app(
        Settings(
            env="test",
            data_dir=data_dir,
            database_url=url,
            secret_key="fuzz-secret-key-0123456789abcdefghij",
        )
    )
    yield app, token
    app.state.engine.dispose()


#: The operations are fuzzed in this many shares, so that both test workers take some (one
#: test of every operation ran 310 s and more on one worker, after the rest had finished).
SHARES = 4


@pytest.mark.timeout(1200)  # a quarter of the operations × IOFS_FUZZ_EXAMPLES
@pytest.mark.parametrize("share", range(SHARES))
def test_no_request_produces_a_server_error(fuzz_app: tuple[Any, str], share: int) -> None:
    app, token = fuzz_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    every = [result.ok() for result in schema.get_all_operations()]
    assert len(every) >= 15
    operations = every[share::SHARES]
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=not RANDOMISED,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            for headers in ({}, {"Authorization": f"Bearer {token}"}):
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} -> "
                        f"{response.status_code}: {response.text[:200]}"
                    )

        fuzz()
    assert not failures, "\n".join(failures[:20])
