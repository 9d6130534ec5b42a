"""programmes: versioned review (a version on every reviewable figure) and the decision log

Revision ID: programmes_0002
Revises: programmes_0001
Create Date: 2026-12-01 09:00:00

Every reviewable figure gets ``version`` (1 for what is stored: each was entered once as far
as the store knows). ``programmes_review_decision`` holds one row per decision with a unique
key (kind, record, version), so that the database refuses a second decision on the same
version. Figures already reviewed get their decision on version 1.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "programmes_0002"
down_revision: str | None = "programmes_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Reviewable tables and the kind each is named by in the review queue.
REVIEWED = {
    "programmes_contribution": "contribution",
    "programmes_contribution_status": "status",
    "programmes_consignment_stage": "stage",
    "programmes_beneficiaries": "beneficiaries",
    "programmes_indicator_value": "indicator_value",
}


def upgrade() -> None:
    for table in REVIEWED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), nullable=False, server_default="1")
            )
    op.create_table(
        "programmes_review_decision",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes_review_decision")),
        sa.UniqueConstraint(
            "kind", "record_id", "version", name=op.f("uq_programmes_review_decision_kind")
        ),
    )
    for table, kind in REVIEWED.items():
        op.execute(
            "INSERT INTO programmes_review_decision (kind, record_id, version, decision, "  # noqa: S608 - constants
            f"decided_by, decided_at, note) SELECT '{kind}', id, version, approval, reviewed_by, "
            f"COALESCE(reviewed_at, CURRENT_TIMESTAMP), review_note FROM {table} "
            "WHERE approval <> 'pending'"
        )


def downgrade() -> None:
    op.drop_table("programmes_review_decision")
    for table in reversed(list(REVIEWED)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
