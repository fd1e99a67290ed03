"""The store: schema, migrations, idempotent bulk writes and typed reads."""

from aimetrics.store.engine import create_store_engine, resolve_db_url
from aimetrics.store.migrate import check_current, upgrade
from aimetrics.store.read import Snapshot, read_table
from aimetrics.store.write import Replace, write_frames

__all__ = [
    "Replace",
    "Snapshot",
    "check_current",
    "create_store_engine",
    "read_table",
    "resolve_db_url",
    "upgrade",
    "write_frames",
]
