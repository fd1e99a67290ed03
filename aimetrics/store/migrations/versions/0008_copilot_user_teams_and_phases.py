"""copilot_user_teams and copilot_adoption_phases: the Copilot user-teams report and the
users' AI adoption phases (issue 16)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "copilot_user_teams",
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("user_login", sa.String(length=255), nullable=False),
        sa.Column("team_slug", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint(
            "scope", "owner", "day", "user_id", "team_id", name=op.f("pk_copilot_user_teams")
        ),
    )
    op.create_table(
        "copilot_adoption_phases",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_login", sa.String(length=255), nullable=False),
        sa.Column("phase_number", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=50), nullable=True),
        sa.Column("version", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("day", "user_login", name=op.f("pk_copilot_adoption_phases")),
    )


def downgrade() -> None:
    op.drop_table("copilot_adoption_phases")
    op.drop_table("copilot_user_teams")
