"""labels: translated data vocabulary (data_labels) and its change stamp, seeded

Revision ID: labels_0001
Revises: 0002
Create Date: 2026-12-02 05:20:00.000000

The shipped labels (``iofs/labels/seed/*.csv``) are written when the table is created, so a
fresh install (``iofs db upgrade``) has them; ``iofs labels seed`` brings later seeds in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session


revision: str = "labels_0001"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("labels",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_labels",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_labels")),
        sa.UniqueConstraint("domain", "code", "language", name=op.f("uq_data_labels_domain")),
    )
    op.create_table(
        "data_label_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_label_stamp")),
    )
    # The seed writes named columns only (Core statements), so later columns do not break it.
    from iofs.labels.seed import apply_seed

    session = Session(bind=op.get_bind())
    apply_seed(session)
    session.flush()


def downgrade() -> None:
    op.drop_table("data_label_stamp")
    op.drop_table("data_labels")
