"""the newest audit entry of each record type for each state

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 14:30:00.000000

No rows are copied from the log: these ids only have to move when a row concerning a state
changes after a page about it was kept, and pages are kept by running processes, which an
upgrade restarts (answers kept in files by older processes carry no state and are compared
as before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_state_head",
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=3), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("record_type", "state", name=op.f("pk_audit_state_head")),
    )


def downgrade() -> None:
    op.drop_table("audit_state_head")
