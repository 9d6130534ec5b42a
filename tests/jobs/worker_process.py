"""A job worker in its own process, with the test kinds: ``python -m tests.jobs.worker_process
DATABASE_URL DATA_DIR`` (the killed-worker test SIGKILLs it)."""

from __future__ import annotations

import sys
from pathlib import Path

from iofs.config import Settings
from iofs.jobs.worker import Worker
from tests.conftest import TEST_SECRET
from tests.jobs.kinds_for_tests import KINDS


def main() -> None:
    url, data_dir = sys.argv[1], Path(sys.argv[2])
    settings = Settings(
        env="test",
        data_dir=data_dir,
        database_url=url,
        secret_key=TEST_SECRET,
        jobs_poll_seconds=0.1,
        jobs_heartbeat_seconds=0.2,
    )
    Worker(settings, KINDS).run()


if __name__ == "__main__":
    main()
