"""Monthly closing balances: a derived cache of the ledger, kept with every movement and
rebuildable; balances read from it equal the sum of all movements on any date."""

from __future__ import annotations

import importlib.util
import os
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.accounts.service import cli_principal
from iofs.cli import app as cli_app
from iofs.config import Settings
from iofs.db import exact_sum, exact_total, transaction
from iofs.errors import InputError
from iofs.reserves import ledger
from iofs.reserves.models import LotClosing, Movement

START = date(2025, 1, 1)
MIGRATION = (
    Path(__file__).parents[2]
    / "src"
    / "iofs"
    / "migrations"
    / "versions"
    / "reserves_0002_lot_closing_balances.py"
)

moves = st.lists(
    st.tuples(
        st.sampled_from(["receipt", "loss", "rotation_out", "rotation_in"]),
        st.integers(0, 400),
        st.decimals(
            min_value=Decimal("0.001"),
            max_value=Decimal("500"),
            places=3,
            allow_nan=False,
            allow_infinity=False,
        ),
    ),
    min_size=1,
    max_size=20,
)


def _plain_sum(session: Session, on: date | None) -> dict[int, Decimal]:
    """Balances the plain way: every movement summed per lot (the ledger's definition)."""
    query = select(Movement.lot_id, exact_sum(session, Movement.quantity_t)).group_by(
        Movement.lot_id
    )
    if on is not None:
        query = query.where(Movement.dated <= on)
    return {
        lot_id: exact_total(session, total, Movement.quantity_t)
        for lot_id, total in session.execute(query)
    }


def _record(session: Session, code: str, kind: str, day: date, quantity: Decimal) -> bool:
    try:
        with session.begin_nested():
            ledger.record_movement(
                session,
                cli_principal(),
                code,
                {
                    "kind": kind,
                    "dated": day,
                    "quantity_t": quantity,
                    "reason": "spoilage" if kind == "loss" else "",
                },
            )
    except InputError:
        return False
    return True


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=moves, probes=st.lists(st.integers(-5, 420), min_size=1, max_size=8))
def test_cached_balances_equal_the_sum_of_all_movements(
    reserve: sessionmaker[Session], moves: list[tuple[str, int, Decimal]], probes: list[int]
) -> None:
    with transaction(reserve) as session:
        code = f"C-{uuid.uuid4().hex[:12]}"
        ledger.put_lot(
            session,
            cli_principal(),
            {"code": code, "warehouse": "KAZ-1", "commodity": "wheat", "received_on": START},
        )
        session.flush()
        for kind, offset, quantity in moves:  # in any date order: back-dated ones too
            _record(session, code, kind, START + timedelta(days=offset), quantity)
        days = [START + timedelta(days=offset) for offset in probes]
        month_ends = [date(2025 + m // 12, m % 12 + 1, 1) - timedelta(days=1) for m in range(1, 15)]
        for on in [*days, *month_ends, None]:
            assert ledger.balances(session, on) == _plain_sum(session, on), on
            some = list(_plain_sum(session, None))[:1]
            assert ledger.balances(session, on, some) == {
                k: v for k, v in _plain_sum(session, on).items() if k in some
            }
        assert ledger.check_closings(session) == []


def test_rebuild_restores_a_damaged_cache(reserve: sessionmaker[Session]) -> None:
    with transaction(reserve) as session:
        for day, quantity in ((date(2025, 2, 10), "5"), (date(2025, 1, 20), "2.5")):
            assert _record(session, "KAZ-L1", "receipt", day, Decimal(quantity))
        expected = ledger.closings_from_ledger(session)
        assert ledger.check_closings(session) == []
        session.execute(update(LotClosing).values(closing_kg=LotClosing.closing_kg + 1))
        damaged = ledger.check_closings(session)
        assert len(damaged) == len(expected) == 2
        assert ledger.balances(session) != _plain_sum(session, None)
        assert ledger.rebuild_closings(session) == 2
        assert ledger.check_closings(session) == []
        assert ledger.balances(session) == _plain_sum(session, None)
        assert ledger.balances(session)[ledger.lot(session, "KAZ-L1").id] == Decimal("107.500")


def test_migration_fills_the_cache_from_recorded_movements(reserve: sessionmaker[Session]) -> None:
    spec = importlib.util.spec_from_file_location("reserves_0002", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with transaction(reserve) as session:
        for day, quantity in ((date(2025, 3, 31), "7.125"), (date(2025, 1, 31), "0.001")):
            assert _record(session, "KAZ-L1", "receipt", day, Decimal(quantity))
        expected = ledger.closings_from_ledger(session)
        session.execute(text("DELETE FROM reserves_lot_closing"))
        dialect = session.get_bind().dialect.name
        session.execute(
            text(migration.FILL_SQLITE if dialect == "sqlite" else migration.FILL_POSTGRESQL)
        )
        assert session.execute(select(func.count()).select_from(LotClosing)).scalar_one() == 2
        assert ledger.closings_from_ledger(session) == expected
        assert ledger.check_closings(session) == []


def test_cli_checks_and_rebuilds_the_cache(
    reserve: sessionmaker[Session], settings: Settings
) -> None:
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    runner = CliRunner()
    command = ["reserves", "rebuild-balances"]
    assert runner.invoke(cli_app, [*command, "--check"], env=env).exit_code == 0
    with transaction(reserve) as session:
        session.execute(update(LotClosing).values(closing_kg=1))
    damaged = runner.invoke(cli_app, [*command, "--check"], env=env)
    assert damaged.exit_code == 1 and "differ" in damaged.output
    rebuilt = runner.invoke(cli_app, command, env=env)
    assert rebuilt.exit_code == 0 and "1 closing balances rebuilt" in rebuilt.output
    assert runner.invoke(cli_app, [*command, "--check"], env=env).exit_code == 0
