"""reserves systems pledges warehouses lots ledger requests

Revision ID: reserves_0001
Revises: 0002
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from iofs.db import ExactDecimal


revision: str = "reserves_0001"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("reserves",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reserves_system",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_ar", sa.String(length=200), nullable=False),
        sa.Column("name_fr", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_system")),
        sa.UniqueConstraint("code", name=op.f("uq_reserves_system_code")),
    )
    op.create_table(
        "reserves_pledge",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("commodity", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.String(length=64), nullable=False),
        sa.Column("form", sa.String(length=10), nullable=False),
        sa.Column("quantity_t", ExactDecimal(precision=20, scale=3), nullable=True),
        sa.Column("amount", ExactDecimal(precision=20, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_usd", ExactDecimal(precision=20, scale=2), nullable=True),
        sa.Column("pledged_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["reserves_system.id"],
            name=op.f("fk_reserves_pledge_system_id_reserves_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_pledge")),
        sa.UniqueConstraint("reference", name=op.f("uq_reserves_pledge_reference")),
    )
    with op.batch_alter_table("reserves_pledge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reserves_pledge_country"), ["country"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reserves_pledge_system_id"), ["system_id"], unique=False
        )

    op.create_table(
        "reserves_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("commodity", sa.String(length=32), nullable=False),
        sa.Column("quantity_t", ExactDecimal(precision=20, scale=3), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("trigger_rule", sa.String(length=64), nullable=False),
        sa.Column("sizing_note", sa.Text(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("assessed_by", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("decided_t", ExactDecimal(precision=20, scale=3), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("appeal", sa.String(length=32), nullable=False),
        sa.Column("consignment", sa.String(length=64), nullable=False),
        sa.Column("delivered_t", ExactDecimal(precision=20, scale=3), nullable=True),
        sa.Column("delivery_stage_id", sa.Integer(), nullable=True),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["reserves_system.id"],
            name=op.f("fk_reserves_request_system_id_reserves_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_request")),
        sa.UniqueConstraint("reference", name=op.f("uq_reserves_request_reference")),
    )
    with op.batch_alter_table("reserves_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reserves_request_country"), ["country"], unique=False)
        batch_op.create_index(batch_op.f("ix_reserves_request_status"), ["status"], unique=False)

    op.create_table(
        "reserves_system_member",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["reserves_system.id"],
            name=op.f("fk_reserves_system_member_system_id_reserves_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_system_member")),
        sa.UniqueConstraint(
            "system_id", "country", name=op.f("uq_reserves_system_member_system_id")
        ),
    )
    with op.batch_alter_table("reserves_system_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reserves_system_member_system_id"), ["system_id"], unique=False
        )

    op.create_table(
        "reserves_target",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("commodity", sa.String(length=32), nullable=False),
        sa.Column("quantity_t", ExactDecimal(precision=20, scale=3), nullable=False),
        sa.Column("set_on", sa.Date(), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["reserves_system.id"],
            name=op.f("fk_reserves_target_system_id_reserves_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_target")),
        sa.UniqueConstraint("system_id", "commodity", name=op.f("uq_reserves_target_system_id")),
    )
    with op.batch_alter_table("reserves_target", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reserves_target_system_id"), ["system_id"], unique=False
        )

    op.create_table(
        "reserves_warehouse",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("capacity_t", ExactDecimal(precision=20, scale=3), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=True),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["reserves_system.id"],
            name=op.f("fk_reserves_warehouse_system_id_reserves_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_warehouse")),
        sa.UniqueConstraint("code", name=op.f("uq_reserves_warehouse_code")),
    )
    with op.batch_alter_table("reserves_warehouse", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reserves_warehouse_country"), ["country"], unique=False
        )

    op.create_table(
        "reserves_lot",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=True),
        sa.Column("commodity", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.String(length=64), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("best_before", sa.Date(), nullable=True),
        sa.Column("rotation_due", sa.Date(), nullable=True),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["reserves_system.id"],
            name=op.f("fk_reserves_lot_system_id_reserves_system"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["reserves_warehouse.id"],
            name=op.f("fk_reserves_lot_warehouse_id_reserves_warehouse"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_lot")),
        sa.UniqueConstraint("code", name=op.f("uq_reserves_lot_code")),
    )
    with op.batch_alter_table("reserves_lot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reserves_lot_commodity"), ["commodity"], unique=False)
        batch_op.create_index(batch_op.f("ix_reserves_lot_system_id"), ["system_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reserves_lot_warehouse_id"), ["warehouse_id"], unique=False
        )

    op.create_table(
        "reserves_request_step",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=12), nullable=False),
        sa.Column("dated", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("quantity_t", ExactDecimal(precision=20, scale=3), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("pipeline_stage_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["reserves_request.id"],
            name=op.f("fk_reserves_request_step_request_id_reserves_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_request_step")),
    )
    with op.batch_alter_table("reserves_request_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reserves_request_step_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "reserves_movement",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("dated", sa.Date(), nullable=False),
        sa.Column("quantity_t", ExactDecimal(precision=20, scale=3), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("counterpart_lot_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["counterpart_lot_id"],
            ["reserves_lot.id"],
            name=op.f("fk_reserves_movement_counterpart_lot_id_reserves_lot"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["reserves_lot.id"], name=op.f("fk_reserves_movement_lot_id_reserves_lot")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["reserves_request.id"],
            name=op.f("fk_reserves_movement_request_id_reserves_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_movement")),
        sa.UniqueConstraint("reference", name=op.f("uq_reserves_movement_reference")),
    )
    with op.batch_alter_table("reserves_movement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reserves_movement_dated"), ["dated"], unique=False)
        batch_op.create_index(batch_op.f("ix_reserves_movement_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reserves_movement_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "reserves_quality_test",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("tested_on", sa.Date(), nullable=False),
        sa.Column("moisture_percent", ExactDecimal(precision=6, scale=2), nullable=True),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["reserves_lot.id"],
            name=op.f("fk_reserves_quality_test_lot_id_reserves_lot"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_quality_test")),
    )
    with op.batch_alter_table("reserves_quality_test", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reserves_quality_test_lot_id"), ["lot_id"], unique=False
        )

    op.create_table(
        "reserves_replenishment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=8), nullable=False),
        sa.Column("quantity_t", ExactDecimal(precision=20, scale=3), nullable=True),
        sa.Column("amount", ExactDecimal(precision=20, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("settled_lot_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["reserves_request.id"],
            name=op.f("fk_reserves_replenishment_request_id_reserves_request"),
        ),
        sa.ForeignKeyConstraint(
            ["settled_lot_id"],
            ["reserves_lot.id"],
            name=op.f("fk_reserves_replenishment_settled_lot_id_reserves_lot"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves_replenishment")),
        sa.UniqueConstraint("request_id", name=op.f("uq_reserves_replenishment_request_id")),
    )


def downgrade() -> None:
    op.drop_table("reserves_replenishment")
    with op.batch_alter_table("reserves_quality_test", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserves_quality_test_lot_id"))

    op.drop_table("reserves_quality_test")
    with op.batch_alter_table("reserves_movement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserves_movement_request_id"))
        batch_op.drop_index(batch_op.f("ix_reserves_movement_lot_id"))
        batch_op.drop_index(batch_op.f("ix_reserves_movement_dated"))

    op.drop_table("reserves_movement")
    with op.batch_alter_table("reserves_request_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserves_request_step_request_id"))

    op.drop_table("reserves_request_step")
    with op.batch_alter_table("reserves_lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserves_lot_warehouse_id"))
        batch_op.drop_index(batch_op.f("ix_reserves_lot_system_id"))
        batch_op.drop_index(batch_op.f("ix_reserves_lot_commodity"))

    op.drop_table("reserves_lot")
    with op.batch_alter_table("reserves_warehouse", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserves_warehouse_country"))

    op.drop_table("reserves_warehouse")
    with op.batch_alter_table("reserves_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserves_target_system_id"))

    op.drop_table("reserves_target")
    with op.batch_alter_table("reserves_system_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserves_system_member_system_id"))

    op.drop_table("reserves_system_member")
    with op.batch_alter_table("reserves_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserves_request_status"))
        batch_op.drop_index(batch_op.f("ix_reserves_request_country"))

    op.drop_table("reserves_request")
    with op.batch_alter_table("reserves_pledge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserves_pledge_system_id"))
        batch_op.drop_index(batch_op.f("ix_reserves_pledge_country"))

    op.drop_table("reserves_pledge")
    op.drop_table("reserves_system")
