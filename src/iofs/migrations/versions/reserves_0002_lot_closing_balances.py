"""reserves monthly closing balances per lot (a rebuildable cache of the ledger)

Revision ID: reserves_0002
Revises: reserves_0001
Create Date: 2027-01-15 09:00:00.000000

The table is filled from the movements already recorded, so an upgraded installation reads
the same balances as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "reserves_0002"
down_revision: str | None = "reserves_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reserves_lot_closing",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("closing_kg", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["reserves_lot.id"],
            name=op.f("fk_reserves_lot_closing_lot_id_reserves_lot"),
        ),
        sa.PrimaryKeyConstraint("lot_id", "month", name=op.f("pk_reserves_lot_closing")),
    )
    # the closings of the movements already recorded: monthly sums in whole kilograms
    # (exact on both databases; SQLite keeps the tonnes as text), then running totals
    op.execute(FILL_SQLITE if op.get_bind().dialect.name == "sqlite" else FILL_POSTGRESQL)


FILL_SQLITE = """
INSERT INTO reserves_lot_closing (lot_id, month, closing_kg)
SELECT lot_id, month, SUM(kg) OVER (PARTITION BY lot_id ORDER BY month)
FROM (SELECT lot_id, substr(dated, 1, 7) || '-01' AS month,
             SUM(CAST(ROUND(CAST(quantity_t AS REAL) * 1000) AS INTEGER)) AS kg
      FROM reserves_movement GROUP BY lot_id, substr(dated, 1, 7)) AS monthly
"""
FILL_POSTGRESQL = """
INSERT INTO reserves_lot_closing (lot_id, month, closing_kg)
SELECT lot_id, month, SUM(kg) OVER (PARTITION BY lot_id ORDER BY month)
FROM (SELECT lot_id, CAST(date_trunc('month', dated) AS date) AS month,
             SUM(quantity_t * 1000) AS kg
      FROM reserves_movement GROUP BY lot_id, date_trunc('month', dated)) AS monthly
"""


def downgrade() -> None:
    op.drop_table("reserves_lot_closing")
