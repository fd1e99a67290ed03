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
from alembic.script import ScriptDirectory

from aimetrics.errors import SchemaOutdated, StoreError
from aimetrics.store.adbc import fetch_frame
from aimetrics.store.version import bump_statement

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
    """The store's schema revision, or None for a store without the schema.

    Read through ADBC, like every read that may run beside other readers (see
    engine.py on the two SQLite libraries in one process)."""
    version = sa.table("alembic_version", sa.column("version_num"))
    try:
        frame = fetch_frame(engine, sa.select(version.c.version_num))
    except Exception as exc:  # no such table: an empty or foreign database
        if _is_missing_table(exc):
            return None
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot read the store {where}: {exc}") from None
    return frame["version_num"][0] if frame.height else None


def _is_missing_table(exc: Exception) -> bool:
    text = str(exc).lower()
    return "no such table" in text or "does not exist" in text


def upgrade(engine: sa.Engine) -> tuple[str | None, str]:
    """Bring the store to the newest schema; return (before, after) revisions."""
    before, head = current_revision(engine), head_revision()
    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")
        if before != head:
            # A new schema is a change readers must see (a cached reader of the old one would
            # miss the new tables' rows): bump in the migration's transaction. Not on a no-op
            # upgrade (every collector upgrades as it starts), which changes nothing.
            conn.execute(bump_statement(engine.dialect))
    return before, head


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
