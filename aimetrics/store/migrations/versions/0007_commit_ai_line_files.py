"""commit_ai_line_files: a commit's AI lines per file, tool and model (for explain)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commit_ai_line_files",
        sa.Column("repo_id", sa.BigInteger(), nullable=False),
        sa.Column("sha", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("tool_id", sa.String(length=50), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("ai_added_lines", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "repo_id",
            "sha",
            "source",
            "path",
            "tool_id",
            "model",
            name=op.f("pk_commit_ai_line_files"),
        ),
    )


def downgrade() -> None:
    op.drop_table("commit_ai_line_files")
