"""fetch runs of public data sources

Revision ID: fetching_0001
Revises: 0002
Create Date: 2026-12-02 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "fetching_0001"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("fetching",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fetch_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("etag", sa.String(length=400), nullable=True),
        sa.Column("last_modified", sa.String(length=64), nullable=True),
        sa.Column("rows_added", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fetch_runs")),
    )
    with op.batch_alter_table("fetch_runs", schema=None) as batch_op:
        batch_op.create_index("ix_fetch_runs_source_id", ["source", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fetch_runs_job_id"), ["job_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fetch_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fetch_runs_job_id"))
        batch_op.drop_index("ix_fetch_runs_source_id")
    op.drop_table("fetch_runs")
