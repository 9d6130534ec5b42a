"""gene bank: keyset indexes of the distribution lists

Revision ID: genebank_0006
Revises: genebank_0005
Create Date: 2026-12-02 15:20:00

The distribution lists (API ``/genebank/distributions``, the unreported SMTAs) are paged by
(request date, id), of every status or of one: each page is an index range scan.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "genebank_0006"
down_revision: str | None = "genebank_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_genebank_distribution_requested_id",
        "genebank_distribution",
        ["requested_on", "id"],
    )
    op.create_index(
        "ix_genebank_distribution_status_requested_id",
        "genebank_distribution",
        ["status", "requested_on", "id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_genebank_distribution_status_requested_id", table_name="genebank_distribution"
    )
    op.drop_index("ix_genebank_distribution_requested_id", table_name="genebank_distribution")
