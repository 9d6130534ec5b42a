"""The pull thread of an app process: :func:`~iofs.analytics_store.sync.pull` every
``IOFS_ANALYTICS_SYNC_SECONDS`` while ``IOFS_ANALYTICS_URL`` is set."""

from __future__ import annotations

import atexit
import logging
import threading
from typing import TYPE_CHECKING

from iofs.analytics_store.errors import StoreError
from iofs.analytics_store.sync import pull

if TYPE_CHECKING:
    from iofs.config import Settings

log = logging.getLogger("iofs.analytics_store")


class Puller(threading.Thread):
    """Pulls the shared store into the local one, first at once, then every ``seconds``.
    A failure is logged once (until the next success), and tried again next time."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="iofs-analytics-pull", daemon=True)
        self.settings = settings
        self.seconds = settings.analytics_sync_seconds
        self.finished = threading.Event()
        self.last_error: str | None = None
        self.pulls = 0

    def run(self) -> None:
        while not self.finished.is_set():
            try:
                pull(self.settings)
                self.pulls += 1
                if self.last_error is not None:
                    log.info("analytics store reachable again")
                self.last_error = None
            except StoreError as error:
                if str(error) != self.last_error:
                    log.warning("analytics store not pulled: %s", error)
                self.last_error = str(error)
            except Exception:  # never let the thread die: the next round tries again
                log.exception("analytics store pull failed")
            self.finished.wait(self.seconds)

    def stop(self) -> None:
        """End the thread after its current pull (at most 30 s)."""
        self.finished.set()
        self.join(timeout=30)


def start_pulling(settings: Settings) -> Puller | None:
    """Start the pull thread when ``IOFS_ANALYTICS_URL`` is set (None otherwise); it stops
    at interpreter exit."""
    if not settings.analytics_url:
        return None
    puller = Puller(settings)
    puller.start()
    atexit.register(puller.stop)
    return puller
