"""the newest audit entry of each record type

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("record_type", name=op.f("pk_audit_head")),
    )
    op.execute(
        "INSERT INTO audit_head (record_type, entry_id) "
        "SELECT record_type, max(id) FROM audit_entry GROUP BY record_type"
    )


def downgrade() -> None:
    op.drop_table("audit_head")
