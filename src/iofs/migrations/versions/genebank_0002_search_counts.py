"""gene bank search: facet counts summary table; distribution request, order, shipment

Revision ID: genebank_0002
Revises: genebank_0001
Create Date: 2026-11-29 06:30:00

``genebank_accession_count`` holds how many accessions share each combination of the search
facets (kept by the gene bank service with every passport write); filled here from the
accessions already stored. The indexes on instcode (the unique key's first column already
serves it), genus (searched through the taxon index) and species (never searched alone) go:
every index costs each imported row.

Distributions get a status (requested, ordered, shipped, cancelled) with a date for each;
lot, agreement and seeds are known from the order on. Existing rows were shipped in one step.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "genebank_0002"
down_revision: str | None = "genebank_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "genebank_accession_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("genus", sa.String(length=64), nullable=False),
        sa.Column("taxon", sa.String(length=255), nullable=False),
        sa.Column("cropname", sa.String(length=128), nullable=False),
        sa.Column("origcty", sa.String(length=3), nullable=False),
        sa.Column("sampstat", sa.String(length=3), nullable=False),
        sa.Column("has_coordinates", sa.Boolean(), nullable=False),
        sa.Column("accessions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genebank_accession_count")),
        sa.UniqueConstraint(
            "available",
            "genus",
            "taxon",
            "cropname",
            "origcty",
            "sampstat",
            "has_coordinates",
            name="uq_genebank_accession_count_facets",
        ),
    )
    op.execute(
        "INSERT INTO genebank_accession_count (available, genus, taxon, cropname, origcty, "
        "sampstat, has_coordinates, accessions) "
        "SELECT available, genus, taxon, cropname, origcty, sampstat, lat IS NOT NULL, count(*) "
        "FROM genebank_accession GROUP BY available, genus, taxon, cropname, origcty, sampstat, "
        "lat IS NOT NULL"
    )
    with op.batch_alter_table("genebank_accession", schema=None) as batch_op:
        batch_op.drop_index("ix_genebank_accession_instcode")
        batch_op.drop_index("ix_genebank_accession_genus")
        batch_op.drop_index("ix_genebank_accession_species")
    with op.batch_alter_table("genebank_distribution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=12), nullable=False, server_default="shipped")
        )
        batch_op.add_column(sa.Column("ordered_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))
        batch_op.alter_column("lot_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("mta_date", existing_type=sa.Date(), nullable=True)
        batch_op.alter_column("seeds", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("shipped_on", existing_type=sa.Date(), nullable=True)
    op.execute("UPDATE genebank_distribution SET ordered_on = mta_date")
    with op.batch_alter_table("genebank_distribution", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=12), server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM genebank_distribution WHERE status <> 'shipped'")
    with op.batch_alter_table("genebank_distribution", schema=None) as batch_op:
        batch_op.alter_column("shipped_on", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("seeds", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("mta_date", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("lot_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("cancelled_on")
        batch_op.drop_column("ordered_on")
        batch_op.drop_column("status")
    with op.batch_alter_table("genebank_accession", schema=None) as batch_op:
        batch_op.create_index("ix_genebank_accession_species", ["species"], unique=False)
        batch_op.create_index("ix_genebank_accession_genus", ["genus"], unique=False)
        batch_op.create_index("ix_genebank_accession_instcode", ["instcode"], unique=False)
    op.drop_table("genebank_accession_count")
