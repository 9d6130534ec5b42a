"""Run a coroutine function to its end from a synchronous test, whatever runs in this thread.

Playwright's synchronous API keeps an asyncio loop running in the test worker's main thread
for as long as its browser lives (the browser fixtures are shared by a whole session), and
``anyio.run`` / ``asyncio.run`` refuse to start a loop where one is running. A test that
drives an ASGI app or middleware by hand therefore runs its coroutine in a thread of its own,
which has no loop, and waits for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio

T = TypeVar("T")


def run_apart(function: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``anyio.run(function, *args)`` in a fresh thread: its result, or its exception, here."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-loop") as pool:
        return pool.submit(anyio.run, function, *args).result()
