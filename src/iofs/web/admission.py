"""How many requests one worker renders at once, and which waiting one goes next.

A worker is one Python process: its threads share one interpreter lock. Twenty pages rendered
at once each take about twenty times their CPU time, and each of their database round trips
waits again for the lock when its answer arrives. Under load every request is then slow in
proportion to its size, and the interpreter spends a good part of its time handing the lock
around. Rendering at most ``IOFS_CONCURRENT_RENDERS`` requests at a time gives each its CPU
nearly alone: it waits for its turn, then answers in about its own time.

The public's requests and those of people signed in (an API token or a session: the
secretariat, focal points and donors at work, whose answers are never served kept) take turns
apart, ``IOFS_CONCURRENT_RENDERS`` each. A write spends most of its time waiting for the
audit chain's lock and the commit; measured under the load benchmark, five writers sharing
the visitors' turns held five of the six most of the time, and visitors' pages waited for
them.

Which waiting request goes next: the one expected to take least time, by what requests of
the same shape took before (:func:`shape`: the method and the path with its codes and numbers
replaced by ``*``; an exponentially weighted mean of the time inside, :data:`LEARNING`). This
is shortest-expected-job-first, the size-based scheduling shown to cut web servers' response
times (Harchol-Balter, Schroeder, Bansal and Agrawal, "Size-based scheduling to improve web
performance", ACM TOCS 21(2), 2003): a 10 ms page no longer waits behind three 60 ms
country briefs, and the briefs wait little longer for it. Ties go in order of arrival. A
request that has waited :data:`LONGEST_WAIT` seconds goes before every other, so that the
large ones are never starved; it still waits for a turn (measured under load: letting overdue
requests in without one put twice as many renders in the worker as it has turns, and every
one of them slowed), except after :data:`HARD_WAIT` seconds.

Answers the public cache keeps (:mod:`iofs.web.public_cache`) are served before this gate:
they cost a fraction of a millisecond and need no turn. A turn is given back when the answer
starts (its status and headers are sent): what a streamed download sends afterwards is paced
by the client, and must not hold a turn for minutes.
"""

from __future__ import annotations

import heapq
import itertools
import re
import time
from dataclasses import dataclass, field

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iofs.web.public_cache import signed_in

#: Longest a request waits for its turn by its expected time (seconds); then it goes first.
LONGEST_WAIT = 2.0
#: Longest a request waits for a turn in all (seconds); then it goes ahead without one, so
#: that requests stuck inside (a database that stopped answering) cannot stop the worker.
HARD_WAIT = 10.0
#: The expected time of an overdue request: before every other.
OVERDUE = -1.0
#: Weight of the newest time in a shape's running mean (0–1).
LEARNING = 0.2
#: Shapes whose times are remembered; beyond it the least recently seen are forgotten.
MAX_SHAPES = 2048
#: Path segments a shape keeps (``/api/v1/genebank/accessions`` and below share one).
SHAPE_SEGMENTS = 4


def _is_value(segment: str) -> bool:
    """Whether a path segment is a value (a code, an id) rather than a word of the route: it
    holds an upper-case letter, or a digit and is not an API version such as ``v1``."""
    if any(c.isupper() for c in segment):
        return True
    return any(c.isdigit() for c in segment) and re.fullmatch(r"v\d+", segment) is None


def shape(method: str, path: str) -> str:
    """The request's shape: ``GET /countries/*``, ``GET /genebank/accessions/*``. A segment
    that is a value (:func:`_is_value`) becomes ``*``; at most :data:`SHAPE_SEGMENTS` segments
    are kept."""
    parts = [p for p in path.split("/") if p][:SHAPE_SEGMENTS]
    kept = ["*" if _is_value(part) else part for part in parts]
    return f"{method} /{'/'.join(kept)}"


@dataclass(order=True)
class Waiter:
    """One request waiting for its turn (ordered by expected time, then arrival)."""

    expected: float
    arrival: int
    turn: anyio.Event = field(compare=False, default_factory=anyio.Event)
    granted: bool = field(compare=False, default=False)
    gone: bool = field(compare=False, default=False)


class Turns:
    """``slots`` turns handed to the waiter expected to take least time (single event loop:
    no locking)."""

    def __init__(self, slots: int) -> None:
        self.free = slots
        self.waiting: list[Waiter] = []
        self.arrivals = itertools.count()

    async def take(
        self, expected: float, longest_wait: float, hard_wait: float = HARD_WAIT
    ) -> bool:
        """Wait for a turn; whether one was taken (and must be given back with
        :meth:`give_back`). After ``longest_wait`` seconds the request goes before every
        other waiting one; after ``hard_wait`` seconds in all it goes ahead without a turn."""
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return True
        arrival = next(self.arrivals)
        if await self._wait(Waiter(expected, arrival), longest_wait):
            return True
        return await self._wait(Waiter(OVERDUE, arrival), max(0.0, hard_wait - longest_wait))

    async def _wait(self, waiter: Waiter, seconds: float) -> bool:
        """Queue ``waiter`` for at most ``seconds``; whether it was handed a turn."""
        heapq.heappush(self.waiting, waiter)
        try:
            with anyio.move_on_after(seconds):
                await waiter.turn.wait()
        except BaseException:
            if waiter.granted:
                self.give_back()
            waiter.gone = True
            raise
        waiter.gone = True
        return waiter.granted

    def give_back(self) -> None:
        """Hand the turn to the waiter expected to take least time, or free it."""
        while self.waiting:
            waiter = heapq.heappop(self.waiting)
            if not waiter.gone:
                waiter.granted = True
                waiter.turn.set()
                return
        self.free += 1


class Admission:
    """Pure ASGI middleware: at most ``renders`` public HTTP requests of this worker inside
    ``app`` at once, and as many of people signed in (0: no limit), the others admitted
    shortest expected first."""

    def __init__(
        self,
        app: ASGIApp,
        renders: int,
        session_cookie: str,
        longest_wait: float = LONGEST_WAIT,
    ) -> None:
        self.app = app
        self.cookie = f"{session_cookie}=".encode()
        self.longest_wait = longest_wait
        #: Turns of the public's requests, and of the requests of people signed in.
        self.turns = (Turns(renders), Turns(renders)) if renders > 0 else None
        #: Shape → running mean of its time inside (seconds), least recently seen first.
        self.expected: dict[str, float] = {}

    def expectation(self, key: str) -> float:
        """What a request of shape ``key`` is expected to take (seconds; 0 when unseen, so a
        new shape is tried early and learned)."""
        found = self.expected.pop(key, 0.0)
        self.expected[key] = found
        return found

    def learn(self, key: str, seconds: float) -> None:
        """Fold one request's time inside into its shape's running mean."""
        before = self.expected.pop(key, None)
        self.expected[key] = seconds if before is None else before + LEARNING * (seconds - before)
        while len(self.expected) > MAX_SHAPES:
            del self.expected[next(iter(self.expected))]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.turns is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        turns = self.turns[1] if signed_in(scope, self.cookie) else self.turns[0]
        key = shape(scope["method"], scope.get("path", "/"))
        holding = await turns.take(self.expectation(key), self.longest_wait)
        began = time.perf_counter()
        finished = False

        def finish() -> None:
            nonlocal finished
            if not finished:
                finished = True
                self.learn(key, time.perf_counter() - began)
                if holding:
                    turns.give_back()

        async def started(message: Message) -> None:
            if message["type"] == "http.response.start":
                finish()
            await send(message)

        try:
            await self.app(scope, receive, started)
        finally:
            finish()
