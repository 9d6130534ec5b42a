"""The stock ledger: balances are sums of movements, stock never negative, scoped writers,
warnings, concurrent dispatches, and the audit log agreeing with every row."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.audit import service as audit
from iofs.db import transaction
from iofs.errors import InputError
from iofs.permissions import PermissionDenied, Principal
from iofs.reserves import ledger
from iofs.roles import Role

START = date(2025, 1, 1)
KAZ_FOCAL = Principal(
    user_id=99, roles={Role.FOCAL_POINT: frozenset({"KAZ"})}, email="focal@kaz.example"
)

moves = st.lists(
    st.tuples(
        st.sampled_from(["receipt", "loss", "rotation_out", "rotation_in"]),
        st.integers(0, 60),
        st.decimals(
            min_value=Decimal("0.001"),
            max_value=Decimal("500"),
            places=3,
            allow_nan=False,
            allow_infinity=False,
        ),
    ),
    min_size=1,
    max_size=15,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=moves, probe=st.integers(0, 70))
def test_balance_is_the_sum_of_accepted_movements(
    reserve: sessionmaker[Session], moves: list[tuple[str, int, Decimal]], probe: int
) -> None:
    operator = cli_principal()
    with transaction(reserve) as session:
        code = f"P-{uuid.uuid4().hex[:12]}"
        target = ledger.put_lot(
            session,
            operator,
            {"code": code, "warehouse": "KAZ-1", "commodity": "wheat", "received_on": START},
        )
        session.flush()
        accepted: list[tuple[date, Decimal]] = []
        for kind, offset, quantity in moves:
            day = START + timedelta(days=offset)
            try:
                with session.begin_nested():
                    ledger.record_movement(
                        session,
                        operator,
                        code,
                        {
                            "kind": kind,
                            "dated": day,
                            "quantity_t": quantity,
                            "reason": "spoilage" if kind == "loss" else "",
                        },
                    )
            except InputError:
                continue
            sign = 1 if kind in ("receipt", "rotation_in") else -1
            accepted.append((day, sign * quantity))
        on = START + timedelta(days=probe)
        expected = sum((q for day, q in accepted if day <= on), Decimal(0))
        assert ledger.balance(session, target.id, on) == expected
        assert ledger.balances(session, on).get(target.id, Decimal(0)) == expected
        # never negative on any date
        for offset in range(0, 62):
            assert ledger.balance(session, target.id, START + timedelta(days=offset)) >= 0


def test_outgoing_movements_never_make_stock_negative(reserve: sessionmaker[Session]) -> None:
    operator = cli_principal()
    with transaction(reserve) as session:
        with pytest.raises(InputError, match="negative"):
            ledger.record_movement(
                session,
                operator,
                "KAZ-L1",
                {"kind": "rotation_out", "dated": date(2025, 2, 1), "quantity_t": "100.001"},
            )
        ledger.record_movement(
            session,
            operator,
            "KAZ-L1",
            {"kind": "rotation_out", "dated": date(2025, 3, 1), "quantity_t": "80"},
        )
        # a back-dated loss may not drive the later balance below zero
        with pytest.raises(InputError, match="negative"):
            ledger.record_movement(
                session,
                operator,
                "KAZ-L1",
                {"kind": "loss", "dated": date(2025, 2, 1), "quantity_t": "30", "reason": "pests"},
            )
        with pytest.raises(InputError, match="lost"):
            ledger.record_movement(
                session,
                operator,
                "KAZ-L1",
                {"kind": "loss", "dated": date(2025, 2, 1), "quantity_t": "1"},
            )
        target = ledger.lot(session, "KAZ-L1")
        assert ledger.balance(session, target.id) == Decimal("20.000")
        assert ledger.balance(session, target.id, date(2025, 2, 15)) == Decimal("100.000")


def test_focal_points_write_only_their_states_warehouses(reserve: sessionmaker[Session]) -> None:
    with transaction(reserve) as session:
        ledger.record_movement(
            session,
            KAZ_FOCAL,
            "KAZ-L1",
            {"kind": "receipt", "dated": date(2025, 2, 1), "quantity_t": "5"},
        )
        with pytest.raises(PermissionDenied):
            ledger.record_movement(
                session,
                KAZ_FOCAL,
                "TUR-L1",
                {"kind": "receipt", "dated": date(2025, 2, 1), "quantity_t": "5"},
            )
        with pytest.raises(PermissionDenied):
            ledger.put_lot(
                session,
                KAZ_FOCAL,
                {
                    "code": "TUR-L2",
                    "warehouse": "TUR-1",
                    "commodity": "wheat",
                    "received_on": START,
                },
            )
        with pytest.raises(PermissionDenied):
            ledger.transfer(
                session,
                KAZ_FOCAL,
                "KAZ-L1",
                {"to_lot": "TUR-L1", "dated": date(2025, 2, 2), "quantity_t": "1"},
            )


def test_transfer_moves_tonnes_between_lots(reserve: sessionmaker[Session]) -> None:
    with transaction(reserve) as session:
        ledger.transfer(
            session,
            cli_principal(),
            "KAZ-L1",
            {"to_lot": "TUR-L1", "dated": date(2025, 2, 2), "quantity_t": "40"},
        )
        held = ledger.held_by_state(session)
        assert held[("KAZ", "wheat")] == Decimal("60.000")
        assert held[("TUR", "wheat")] == Decimal("40.000")
    with reserve() as session:
        assert audit.verify(session).ok


def test_rotation_and_expiry_warnings(reserve: sessionmaker[Session]) -> None:
    operator = cli_principal()
    with transaction(reserve) as session:
        ledger.put_lot(
            session,
            operator,
            {
                "code": "KAZ-L1",
                "warehouse": "KAZ-1",
                "commodity": "wheat",
                "received_on": START,
                "rotation_due": date(2025, 6, 1),
                "best_before": date(2025, 9, 1),
            },
        )
        found = ledger.warnings(session, date(2025, 7, 15))
        kinds = {(w.lot_code, w.kind) for w in found}
        assert kinds == {("KAZ-L1", "rotation_overdue"), ("KAZ-L1", "expiring")}
        # the empty Turkish lot warns about nothing, and far dates give no warning
        assert ledger.warnings(session, date(2025, 1, 2)) == []


def _dispatch(factory: sessionmaker[Session], results: list[str]) -> None:
    try:
        with transaction(factory) as session:
            target = ledger.lot(session, "KAZ-L1")
            ledger.append(
                session, cli_principal(), target, "release", date(2025, 2, 1), Decimal("60")
            )
        results.append("ok")
    except InputError:
        results.append("refused")


def test_concurrent_dispatches_never_overdraw_a_lot(
    reserve: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers each take 60 t of the lot's 100 t at once. The first pauses between
    reading the balance and writing; the second must wait for it (the lot's row lock) and
    then see the new balance: one succeeds, one is refused, the lot never goes negative."""
    checked = ledger.lowest_balance_from

    def slow_check(session: Session, lot_id: int, day: date) -> Decimal:
        found = checked(session, lot_id, day)
        if threading.current_thread().name == "first":
            time.sleep(0.6)
        return found

    monkeypatch.setattr(ledger, "lowest_balance_from", slow_check)
    results: list[str] = []
    first = threading.Thread(target=_dispatch, args=(reserve, results), name="first")
    second = threading.Thread(target=_dispatch, args=(reserve, results), name="second")
    first.start()
    time.sleep(0.2)
    second.start()
    first.join()
    second.join()
    assert sorted(results) == ["ok", "refused"]
    with reserve() as session:
        assert ledger.balance(session, ledger.lot(session, "KAZ-L1").id) == Decimal("40.000")
        assert audit.verify(session).ok
