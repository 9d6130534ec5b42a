"""gene bank speed: covering indexes for trait search and BrAPI keyset pages

Revision ID: genebank_0004
Revises: genebank_0003
Create Date: 2026-12-02 21:30:00

A trait search reads accession ids by (trait, value) range: the index now carries the
accession id, so each criterion is an index-only range scan (nominal codes get their own).
BrAPI germplasm pages of available accessions walk (available, id) by key.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "genebank_0004"
down_revision: str | None = "genebank_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_genebank_observation_trait_value", table_name="genebank_observation")
    op.create_index(
        "ix_genebank_observation_trait_value",
        "genebank_observation",
        ["trait_id", "value_number", "accession_id"],
    )
    op.create_index(
        "ix_genebank_observation_trait_code",
        "genebank_observation",
        ["trait_id", "value_code", "accession_id"],
    )
    op.create_index("ix_genebank_accession_available_id", "genebank_accession", ["available", "id"])


def downgrade() -> None:
    op.drop_index("ix_genebank_accession_available_id", table_name="genebank_accession")
    op.drop_index("ix_genebank_observation_trait_code", table_name="genebank_observation")
    op.drop_index("ix_genebank_observation_trait_value", table_name="genebank_observation")
    op.create_index(
        "ix_genebank_observation_trait_value", "genebank_observation", ["trait_id", "value_number"]
    )
