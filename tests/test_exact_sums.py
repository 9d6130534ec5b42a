"""Sums of exact decimal columns in the database (:func:`iofs.db.exact_sum`) equal the sum of
the Decimals, on SQLite (decimals kept as text) as on PostgreSQL (NUMERIC)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from iofs.db import exact_sum, exact_total, transaction
from iofs.programmes.models import Contribution, Organisation


def _contributions(session: Session, amounts: list[Decimal]) -> None:
    donor = Organisation(code="SUMS", name="Sums donor", kind="state")
    session.add(donor)
    session.flush()
    for n, amount in enumerate(amounts):
        session.add(
            Contribution(
                reference=f"SUM-{n}",
                donor_id=donor.id,
                modality="cash",
                decided_on=date(2025, 1, 1),
                currency="USD",
                amount=amount,
                exchange_rate=Decimal(1),
                amount_usd=amount,
            )
        )


def test_money_sums_exactly_where_binary_floats_would_not(
    session_factory: sessionmaker[Session],
) -> None:
    # summed as binary floats these give 28890501058186.895, i.e. .90 where the cents are .89
    amounts = [
        Decimal(text)
        for text in (
            "5791791271404.11",
            "4961207110529.40",
            "1072089241662.57",
            "8836223638392.97",
            "8229189796197.84",
        )
    ]
    amounts += [Decimal("0.10"), Decimal("0.20"), Decimal("-0.30")] * 100
    with transaction(session_factory) as session:
        _contributions(session, amounts)
    with session_factory() as session:
        total = session.execute(select(exact_sum(session, Contribution.amount_usd))).scalar_one()
        assert exact_total(session, total, Contribution.amount_usd) == sum(amounts, Decimal(0))
        none = session.execute(
            select(exact_sum(session, Contribution.amount_usd)).where(Contribution.id < 0)
        ).scalar_one()
        assert exact_total(session, none, Contribution.amount_usd) == Decimal("0.00")
        assert str(exact_total(session, none, Contribution.amount_usd)) == "0.00"


def test_only_exact_decimal_columns_are_summed_so(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session, pytest.raises(TypeError, match="not an ExactDecimal"):
        exact_sum(session, Contribution.reference)
