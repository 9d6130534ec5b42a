"""notifications subscriptions, sent-mail log, delivered digest items

Revision ID: notifications_0001
Revises: 0002
Create Date: 2026-12-02 05:00:00.000000

The user's language for e-mail is the account's ``preferred_language`` (already stored).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "notifications_0001"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("notifications",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_subscription",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("states", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_subscription_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_subscription")),
        sa.UniqueConstraint("user_id", "topic", name=op.f("uq_notification_subscription_user_id")),
    )
    op.create_index(
        op.f("ix_notification_subscription_user_id"),
        "notification_subscription",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "notification_sent_mail",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("topics", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_sent_mail_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_sent_mail")),
    )
    for column in ("user_id", "period", "sent_at"):
        op.create_index(
            op.f(f"ix_notification_sent_mail_{column}"),
            "notification_sent_mail",
            [column],
            unique=False,
        )
    op.create_table(
        "notification_delivered_item",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("sent_mail_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_delivered_item_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_mail_id"],
            ["notification_sent_mail.id"],
            name=op.f("fk_notification_delivered_item_sent_mail_id_notification_sent_mail"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_delivered_item")),
        sa.UniqueConstraint(
            "user_id", "item_key", name=op.f("uq_notification_delivered_item_user_id")
        ),
    )
    op.create_index(
        op.f("ix_notification_delivered_item_sent_mail_id"),
        "notification_delivered_item",
        ["sent_mail_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("notification_delivered_item")
    op.drop_table("notification_sent_mail")
    op.drop_table("notification_subscription")
