"""How long an audited write waits behind a long import on PostgreSQL (#21 item 3).

A "long import" creates ``--rows`` partners in one transaction, one audited write each (as the
programme workbook importer does), then spends ``--hold`` more seconds before committing.
As soon as its first audited write is done, another session makes one audited write and
commits; the script prints how long that took, and how long the import's commit took.

    IOFS_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python tests/audit/measure_wait.py --rows 9000 --hold 5

Runs in a fresh schema of that database, dropped at the end. Only the public audit API that
existed before the change is used (``audit.created``, ``audit.verify``), so the same script
measures an older checkout (``PYTHONPATH=<checkout>/src``).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url

from iofs.accounts.service import cli_principal
from iofs.audit import service as audit
from iofs.db import make_engine, make_session_factory, transaction, upgrade
from iofs.strategy import partnerships  # noqa: F401 - declares the partners audited
from iofs.strategy.models import Partner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=9000)
    parser.add_argument("--hold", type=float, default=5.0, help="seconds the import goes on")
    args = parser.parse_args()
    base = os.environ["IOFS_TEST_DATABASE_URL"]
    schema = f"iofs_measure_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base)
        url = url.set(query={**url.query, "options": f"-csearch_path={schema}"})
        rendered = url.render_as_string(hide_password=False)
        upgrade(rendered)
        engine = make_engine(rendered)
        factory = make_session_factory(engine)
        started = threading.Event()
        timings: dict[str, float] = {}

        def long_import() -> None:
            begun = time.monotonic()
            with factory() as session:
                for n in range(args.rows):
                    partner = Partner(name=f"imported {n}")
                    session.add(partner)
                    audit.created(session, cli_principal(), partner)
                    started.set()
                time.sleep(args.hold)
                committing = time.monotonic()
                session.commit()
                timings["import_commit_s"] = time.monotonic() - committing
            timings["import_s"] = time.monotonic() - begun

        importer = threading.Thread(target=long_import)
        importer.start()
        started.wait()
        begun = time.monotonic()
        with transaction(factory) as session:
            partner = Partner(name="written meanwhile")
            session.add(partner)
            audit.created(session, cli_principal(), partner)
        timings["other_write_s"] = time.monotonic() - begun
        importer.join()
        with factory() as session:
            report = audit.verify(session)
        print(
            f"rows={args.rows} import={timings['import_s']:.2f}s "
            f"import_commit={timings['import_commit_s'] * 1000:.0f}ms "
            f"other_write_waited={timings['other_write_s'] * 1000:.0f}ms "
            f"entries={report.entries} verify={'ok' if report.ok else report.problems[:3]}"
        )
        engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
