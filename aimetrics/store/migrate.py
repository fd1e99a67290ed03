"""Versioned migrations (Alembic), run programmatically.

The schema version is Alembic's revision recorded in ``alembic_version``.
Collectors and ``demo`` upgrade as they start; the dashboard only checks, since
several replicas may run and none of them should race to alter the schema.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from aimetrics.errors import SchemaOutdated

_SCRIPT_LOCATION = str(Path(__file__).parent / "migrations")


def _config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", _SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine) -> tuple[str | None, str]:
    """Bring the store to the newest schema; return (before, after) revisions."""
    before = current_revision(engine)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")
    return before, head_revision()


def check_current(engine: sa.Engine) -> None:
    """Raise SchemaOutdated unless the store is at this version's schema."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaOutdated(
            "the store has no aimetrics schema yet: run `aimetrics migrate` "
            "(or `aimetrics demo` to load the demo organization)"
        )
    raise SchemaOutdated(
        f"the store's schema ({current}) is not this version's ({head}): run `aimetrics migrate`"
    )
