"""cursor_spend_snapshots and cursor_ai_commits: what Cursor's APIs say, kept as received

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from aimetrics.store.types import UtcDateTime

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # New tables only: nothing stored before changes, on SQLite or PostgreSQL.
    op.create_table(
        "cursor_spend_snapshots",
        sa.Column("taken_at", UtcDateTime, nullable=False),
        sa.Column("member", sa.String(length=330), nullable=False),
        sa.Column("cycle_start", UtcDateTime, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("spend_cents", sa.Float(), nullable=False),
        sa.Column("included_spend_cents", sa.Float(), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("taken_at", "member", name=op.f("pk_cursor_spend_snapshots")),
    )
    op.create_table(
        "cursor_ai_commits",
        sa.Column("commit_hash", sa.String(length=64), nullable=False),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.Column("repo_name", sa.String(length=300), nullable=False),
        sa.Column("branch_name", sa.String(length=255), nullable=True),
        sa.Column("commit_ts", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("total_lines_added", sa.Integer(), nullable=True),
        sa.Column("tab_lines_added", sa.Integer(), nullable=True),
        sa.Column("composer_lines_added", sa.Integer(), nullable=True),
        sa.Column("non_ai_lines_added", sa.Integer(), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "commit_hash", "user_email", "repo_name", name=op.f("pk_cursor_ai_commits")
        ),
    )


def downgrade() -> None:
    op.drop_table("cursor_ai_commits")
    op.drop_table("cursor_spend_snapshots")
