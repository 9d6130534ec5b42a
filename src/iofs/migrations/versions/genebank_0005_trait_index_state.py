"""gene bank: the tokens of the in-memory trait index

Revision ID: genebank_0005
Revises: genebank_0004
Create Date: 2026-12-02 00:10:00

Trait search answers from per-process arrays of the observations and of the accessions'
availability (``iofs.genebank.trait_index``); every write of observations or accessions
renews its token here in its transaction, so a search knows when its arrays are stale.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "genebank_0005"
down_revision: str | None = "genebank_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "genebank_trait_index_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observations", sa.String(length=32), nullable=False),
        sa.Column("accessions", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genebank_trait_index_state")),
    )
    # What was stored before this revision counts as one write of each.
    op.bulk_insert(
        table, [{"id": 1, "observations": "genebank_0005", "accessions": "genebank_0005"}]
    )


def downgrade() -> None:
    op.drop_table("genebank_trait_index_state")
