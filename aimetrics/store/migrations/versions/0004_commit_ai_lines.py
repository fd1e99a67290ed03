"""commit_ai_lines: line-level AI authorship per commit (git-ai notes, Agent Trace)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commit_ai_lines",
        sa.Column("repo_id", sa.BigInteger(), nullable=False),
        sa.Column("sha", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("tool_id", sa.String(length=50), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("ai_added_lines", sa.Integer(), nullable=False),
        sa.Column("human_lines", sa.Integer(), nullable=False),
        sa.Column("mixed_lines", sa.Integer(), nullable=False),
        sa.Column("untracked_lines", sa.Integer(), nullable=False),
        sa.Column("added_lines", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "repo_id", "sha", "source", "tool_id", "model", name=op.f("pk_commit_ai_lines")
        ),
    )


def downgrade() -> None:
    op.drop_table("commit_ai_lines")
