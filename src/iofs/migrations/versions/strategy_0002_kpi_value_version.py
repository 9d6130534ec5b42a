"""strategy: a version on every reported KPI value (versioned review)

Revision ID: strategy_0002
Revises: strategy_0001
Create Date: 2026-12-01 09:10:00

``strategy_kpi_value.version`` is 1 for what is stored; each entry and each review adds one,
and every UPDATE names the version it read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "strategy_0002"
down_revision: str | None = "strategy_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("strategy_kpi_value", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("strategy_kpi_value", schema=None) as batch_op:
        batch_op.drop_column("version")
