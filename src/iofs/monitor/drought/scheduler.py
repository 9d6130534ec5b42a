"""Where drought computations run: the local threads, one thread, or a dask.distributed
cluster, and what the cluster's workers need to run the SPI at full speed.

dask's nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (its setting
``distributed.nanny.pre-spawn-environ``), so that workers hand freed memory back to the
system at once. Setting it also turns off glibc's sliding mmap threshold (mallopt(3)): every
block of rain or SPI (a 480-month column of 50 x 50 pixels is 4.8 MB) is then mapped and
zeroed afresh instead of reusing freed memory. Reading a Zarr chunk took twice as long that
way on the 2-core benchmark machine (64 chunks of 4.8 MB: 1.3 s against 0.7 s). The SPI
keeps a fixed number of equal blocks in memory, so nothing is gained by trimming.
:data:`WORKER_SETTINGS` unsets it for the clusters iofs starts (benchmarks, tests). A run on
a cluster whose workers have it set gets a note saying how to start them
(``README``: *Running on a Dask cluster*).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from iofs.monitor.drought.errors import DroughtInputError

TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
WORKER_SETTINGS: dict[str, Any] = {f"distributed.nanny.pre-spawn-environ.{TRIM_VARIABLE}": None}
"""dask configuration for the nannies that start SPI workers (None unsets the variable)."""
WORKER_ENVIRONMENT = f"DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON__{TRIM_VARIABLE}=None"
"""The same, as the environment variable to set where ``dask worker`` is started."""


@dataclass
class Scheduler:
    """The scheduler a computation runs on: its name as shown to the user, and notes about
    it (e.g. workers started with settings that slow the SPI down)."""

    name: str
    notes: list[str] = field(default_factory=list)


def _trim_variable() -> str | None:
    """This process's MALLOC_TRIM_THRESHOLD_ (run on each worker)."""
    return os.environ.get(TRIM_VARIABLE)


def worker_notes(client: Any) -> list[str]:
    """Sentences about the cluster's workers that the user can act on (none if all is well)."""
    values = {value for value in client.run(_trim_variable).values() if value is not None}
    if not values:
        return []
    return [
        f"the dask workers run with {TRIM_VARIABLE}={', '.join(sorted(values))} (dask's "
        "default), which makes every block's memory be mapped afresh: reading took twice as "
        f"long on the benchmark machine. Start them with {WORKER_ENVIRONMENT} set"
    ]


@contextlib.contextmanager
def dask_scheduler(address: str | None) -> Iterator[Scheduler]:
    """Run dask work on the local threads (None, "threads"), one thread ("synchronous") or
    a distributed scheduler.

    ``address`` is a dask.distributed scheduler such as ``tcp://10.0.0.5:8786``
    (IOFS_DASK_SCHEDULER). Workers must see the same input and output paths.
    """
    import dask

    # The schedulers are given as functions, not names: for a name, dask imports
    # dask.distributed (half a second) to look for a client.
    if not address or address in ("threads", "local"):
        import dask.threaded

        with dask.config.set(scheduler=dask.threaded.get):
            yield Scheduler("threads")
        return
    if address == "synchronous":
        import dask.local

        with dask.config.set(scheduler=dask.local.get_sync):
            yield Scheduler("synchronous")
        return
    from distributed import Client

    try:
        client = Client(address, timeout="10s", set_as_default=True)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as error:
        raise DroughtInputError(
            f"cannot reach the dask scheduler at {address}: {error}", field="scheduler"
        ) from None
    try:
        yield Scheduler(f"distributed ({address})", worker_notes(client))
    finally:
        client.close()  # type: ignore[no-untyped-call]
