"""gene bank in the Treaty's networks: GLIS DOIs and progenitors, Easy-SMTA reports, traits
and observations, public requests with click-wrap SMTA acceptance

Revision ID: genebank_0003
Revises: genebank_0002
Create Date: 2026-12-01 21:00:00

Distributions get the form the SMTA was concluded in (signed, shrink-wrap, click-wrap;
existing rows were signed) and the public request they came from, if any.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "genebank_0003"
down_revision: str | None = "genebank_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "genebank_glis_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("accession_id", sa.Integer(), nullable=False),
        sa.Column("doi", sa.String(length=128), nullable=False),
        sa.Column("passport_sha256", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["accession_id"],
            ["genebank_accession.id"],
            name=op.f("fk_genebank_glis_registration_accession_id_genebank_accession"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genebank_glis_registration")),
        sa.UniqueConstraint(
            "accession_id", name=op.f("uq_genebank_glis_registration_accession_id")
        ),
    )
    op.create_index(
        op.f("ix_genebank_glis_registration_doi"),
        "genebank_glis_registration",
        ["doi"],
        unique=False,
    )
    op.create_table(
        "genebank_accession_progenitor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("accession_id", sa.Integer(), nullable=False),
        sa.Column("progenitor_id", sa.Integer(), nullable=True),
        sa.Column("doi", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["accession_id"],
            ["genebank_accession.id"],
            name=op.f("fk_genebank_accession_progenitor_accession_id_genebank_accession"),
        ),
        sa.ForeignKeyConstraint(
            ["progenitor_id"],
            ["genebank_accession.id"],
            name=op.f("fk_genebank_accession_progenitor_progenitor_id_genebank_accession"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genebank_accession_progenitor")),
        sa.UniqueConstraint(
            "accession_id", "progenitor_id", "doi", name="uq_genebank_accession_progenitor"
        ),
    )
    op.create_index(
        op.f("ix_genebank_accession_progenitor_accession_id"),
        "genebank_accession_progenitor",
        ["accession_id"],
        unique=False,
    )
    op.create_table(
        "genebank_trait",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("crop", sa.String(length=128), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("scale", sa.String(length=8), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=True),
        sa.Column("maximum", sa.Float(), nullable=True),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genebank_trait")),
        sa.UniqueConstraint("code", name=op.f("uq_genebank_trait_code")),
    )
    op.create_table(
        "genebank_observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trait_id", sa.Integer(), nullable=False),
        sa.Column("accession_id", sa.Integer(), nullable=False),
        sa.Column("value_number", sa.Float(), nullable=True),
        sa.Column("value_code", sa.String(length=64), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=True),
        sa.Column("site", sa.String(length=255), nullable=False),
        sa.Column("environment", sa.String(length=255), nullable=False),
        sa.Column("observer", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["trait_id"],
            ["genebank_trait.id"],
            name=op.f("fk_genebank_observation_trait_id_genebank_trait"),
        ),
        sa.ForeignKeyConstraint(
            ["accession_id"],
            ["genebank_accession.id"],
            name=op.f("fk_genebank_observation_accession_id_genebank_accession"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genebank_observation")),
    )
    op.create_index(
        "ix_genebank_observation_trait_value",
        "genebank_observation",
        ["trait_id", "value_number"],
        unique=False,
    )
    op.create_index(
        op.f("ix_genebank_observation_accession_id"),
        "genebank_observation",
        ["accession_id"],
        unique=False,
    )
    op.create_table(
        "genebank_requester",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("institution", sa.String(length=255), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genebank_requester")),
        sa.UniqueConstraint("user_id", name=op.f("uq_genebank_requester_user_id")),
    )
    op.create_table(
        "genebank_public_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("smta_version", sa.String(length=64), nullable=False),
        sa.Column("smta_sha256", sa.String(length=64), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_by", sa.String(length=255), nullable=False),
        sa.Column("accepted_from", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["genebank_requester.id"],
            name=op.f("fk_genebank_public_request_requester_id_genebank_requester"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genebank_public_request")),
    )
    op.create_index(
        op.f("ix_genebank_public_request_requester_id"),
        "genebank_public_request",
        ["requester_id"],
        unique=False,
    )
    op.create_table(
        "genebank_smta_reported",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("distribution_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["distribution_id"],
            ["genebank_distribution.id"],
            name=op.f("fk_genebank_smta_reported_distribution_id_genebank_distribution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genebank_smta_reported")),
        sa.UniqueConstraint(
            "distribution_id", name=op.f("uq_genebank_smta_reported_distribution_id")
        ),
    )
    with op.batch_alter_table("genebank_distribution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("smta_form", sa.String(length=12), nullable=False, server_default="signed")
        )
        batch_op.add_column(sa.Column("public_request_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_genebank_distribution_public_request_id"),
            ["public_request_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_genebank_distribution_public_request_id_genebank_public_request"),
            "genebank_public_request",
            ["public_request_id"],
            ["id"],
        )
    with op.batch_alter_table("genebank_distribution", schema=None) as batch_op:
        batch_op.alter_column("smta_form", existing_type=sa.String(length=12), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("genebank_distribution", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_genebank_distribution_public_request_id_genebank_public_request"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_genebank_distribution_public_request_id"))
        batch_op.drop_column("public_request_id")
        batch_op.drop_column("smta_form")
    op.drop_table("genebank_smta_reported")
    op.drop_index(
        op.f("ix_genebank_public_request_requester_id"), table_name="genebank_public_request"
    )
    op.drop_table("genebank_public_request")
    op.drop_table("genebank_requester")
    op.drop_index(op.f("ix_genebank_observation_accession_id"), table_name="genebank_observation")
    op.drop_index("ix_genebank_observation_trait_value", table_name="genebank_observation")
    op.drop_table("genebank_observation")
    op.drop_table("genebank_trait")
    op.drop_index(
        op.f("ix_genebank_accession_progenitor_accession_id"),
        table_name="genebank_accession_progenitor",
    )
    op.drop_table("genebank_accession_progenitor")
    op.drop_index(
        op.f("ix_genebank_glis_registration_doi"), table_name="genebank_glis_registration"
    )
    op.drop_table("genebank_glis_registration")
