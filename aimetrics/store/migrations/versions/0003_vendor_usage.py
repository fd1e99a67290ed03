"""vendor_usage: per user and day, what an AI vendor's usage API reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new table only: nothing stored before changes, on SQLite or PostgreSQL.
    op.create_table(
        "vendor_usage",
        sa.Column("record_key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("tool_id", sa.String(length=50), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_login", sa.String(length=320), nullable=True),
        sa.Column("api_key_name", sa.String(length=255), nullable=True),
        sa.Column("sessions", sa.Integer(), nullable=True),
        sa.Column("lines_added", sa.Integer(), nullable=True),
        sa.Column("lines_removed", sa.Integer(), nullable=True),
        sa.Column("commits", sa.Integer(), nullable=True),
        sa.Column("pull_requests", sa.Integer(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=True),
        sa.Column("actions_accepted", sa.Integer(), nullable=True),
        sa.Column("actions_rejected", sa.Integer(), nullable=True),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("record_key", name=op.f("pk_vendor_usage")),
    )
    op.create_index(op.f("ix_vendor_usage_day"), "vendor_usage", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_vendor_usage_day"), table_name="vendor_usage")
    op.drop_table("vendor_usage")
