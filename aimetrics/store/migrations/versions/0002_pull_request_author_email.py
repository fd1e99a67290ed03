"""pull_requests.author_email: the author of a PR recovered from git

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column: SQLite adds it in place, no table copy (PRs already stored keep
    # null until `aimetrics collect git --full` reads them again).
    op.add_column("pull_requests", sa.Column("author_email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pull_requests") as batch_op:
        batch_op.drop_column("author_email")
