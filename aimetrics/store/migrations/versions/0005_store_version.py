"""store_version: a counter every write bumps, so readers re-read only after a change

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

"""

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from aimetrics.store.types import UtcDateTime

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "store_version",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_version")),
    )
    # The one row writers update (aimetrics.store.version): it exists from the start,
    # so a bump is always an UPDATE (no insert race between two writers).
    op.bulk_insert(
        table,
        [
            {
                "id": 1,
                "store_id": uuid.uuid4().hex,
                "version": 1,
                "updated_at": dt.datetime.now(dt.UTC),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("store_version")
