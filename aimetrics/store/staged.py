"""Streaming writes: rows handed over in pieces while a collector still reads, one transaction.

``write_frames`` wants every frame at once. A collector reading a long stream
(``git log`` over a large history) can instead load its rows piece by piece as
they are parsed, so the database works while the source is still producing::

    with StagedWrite(engine) as w:
        w.write(s.repositories, repo_row, on_conflict="nothing")  # first: takes SQLite's lock
        fresh = not w.exists(s.commits, s.commits.c.repo_id == repo_id)
        for piece in pieces:
            w.load(s.commits, piece, direct=fresh)
        w.merge(s.commits)  # staged rows -> table, INSERT ... ON CONFLICT
        w.commit()
    # leaving the block without commit() (an exception, a kill) rolls everything back

``load`` bulk-loads a piece (ADBC) into a temporary staging table, merged into
its target by ``merge``. With ``direct=True`` (the caller knows none of its rows
is stored yet, e.g. a repository's first import) SQLite appends straight into the
target table and ``merge`` has nothing left to do; PostgreSQL always stages
(its binary COPY wants the column types exactly; the final ``INSERT ... SELECT``
casts). Either way nothing is visible to readers before ``commit``, and a write
that fails or a process that dies leaves the store as it was.

On SQLite the write lock is held from the first write to the commit: make the
first call a write (as above) so the transaction never has to upgrade a read
snapshot another writer has moved past.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from aimetrics.errors import StoreError
from aimetrics.store import adbc
from aimetrics.store.engine import StoreUrl
from aimetrics.store.version import commit_adbc
from aimetrics.store.write import conform

# SQLite's page cache for the writing connection (KiB; PRAGMA cache_size takes KiB when
# negative). SQLite's default (2 MiB) is smaller than the indexes a large load touches, which
# then go back and forth to the WAL; with 16 MiB they stay cached while the table's own pages,
# written once, spill to the WAL during the load rather than all at the commit.
SQLITE_CACHE_KIB = 16 * 1024

OnConflict = Literal["update", "nothing"] | Mapping[str, Callable[[Any, Any], Any]]


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    """SQLite has no datetime: epoch microseconds, as the schema declares."""
    return frame.with_columns(
        pl.col(name).dt.epoch("us")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    )


class StagedWrite:
    """One transaction on one ADBC connection, fed in pieces. See the module docstring."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.store = StoreUrl(engine.url)
        self.dialect = engine.dialect
        self._staged: set[str] = set()
        self._direct: set[str] = set()
        self._done = False
        self.counts: dict[str, int] = {}
        self._conn = adbc.connect(self.store)
        self._cur = self._conn.cursor()
        if self.store.is_sqlite:
            try:
                self._run(lambda: self._cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}"))
            except StoreError:
                self.close()
                raise

    # --- reading and running statements inside the transaction -------------------------

    def exists(self, table: sa.Table, where: sa.ColumnElement[bool]) -> bool:
        """Whether ``table`` has a row matching ``where`` (as this transaction sees it)."""
        stmt = sa.select(sa.literal(1)).select_from(table).where(where).limit(1)
        return bool(self.fetch(stmt).height)

    def fetch(self, stmt: sa.Executable) -> pl.DataFrame:
        def run() -> pl.DataFrame:
            adbc.execute(self._cur, self.engine, stmt)
            frame = pl.from_arrow(self._cur.fetch_arrow_table())
            assert isinstance(frame, pl.DataFrame)
            return frame

        return self._run(run)

    def execute(self, stmt: sa.Executable) -> None:
        """Run a statement built from Core constructs (values bound as parameters)."""
        self._run(lambda: adbc.execute(self._cur, self.engine, stmt))

    def loaded(self, table: sa.Table) -> sa.TableClause | sa.Table:
        """Where the rows loaded for ``table`` are now: its staging table, or the table itself
        when they were appended directly (to adjust them before ``merge``)."""
        if table.name in self._direct:
            return table
        return sa.table(self.stage_name(table), *(sa.column(c.name) for c in table.columns))

    @staticmethod
    def stage_name(table: sa.Table) -> str:
        return f"_stage_{table.name}"

    # --- loading ------------------------------------------------------------------------

    def load(self, table: sa.Table, frame: pl.DataFrame, *, direct: bool = False) -> None:
        """Bulk-load rows for ``table``: into its staging table, or (``direct``, SQLite) into
        the table itself. ``direct`` promises that no row conflicts with a stored one."""
        data = conform(table, frame)
        self.counts[table.name] = self.counts.get(table.name, 0) + data.height
        if data.is_empty():
            return
        direct = direct and self.store.is_sqlite
        if table.name in (self._staged if direct else self._direct):
            raise ValueError(f"{table.name}: rows loaded both directly and staged")
        if self.store.is_sqlite:
            data = _for_sqlite(data)
        arrow = data.to_arrow()
        if direct:
            self._direct.add(table.name)
            self._run(lambda: self._cur.adbc_ingest(table.name, arrow, mode="append"))
        else:
            self._staged.add(table.name)
            name = self.stage_name(table)
            self._run(
                lambda: self._cur.adbc_ingest(name, arrow, mode="create_append", temporary=True)
            )

    def discard(self, table: sa.Table, where: sa.ColumnElement[bool]) -> None:
        """Forget the rows loaded for ``table`` so far: drop its staging table, and delete the
        rows appended directly that match ``where`` (a direct load promised that nothing
        matching it was stored before, so ``where`` reaches only this transaction's rows)."""
        name = self.stage_name(table)
        if table.name in self._staged:
            self._run(lambda: self._cur.execute(f"DROP TABLE {name}"))
            self._staged.discard(table.name)
        if table.name in self._direct:
            self.execute(sa.delete(table).where(where))
            self._direct.discard(table.name)
        self.counts[table.name] = 0

    def load_temp(self, name: str, frame: pl.DataFrame) -> None:
        """Bulk-load ``frame`` as it is into the temporary table ``name`` (created on first use,
        gone with the connection), e.g. keys for an ``UPDATE ... WHERE key IN (SELECT ...)``."""
        arrow = frame.to_arrow()
        self._run(lambda: self._cur.adbc_ingest(name, arrow, mode="create_append", temporary=True))

    def merge(self, table: sa.Table, on_conflict: OnConflict = "update") -> None:
        """Move the staged rows of ``table`` into it: ``INSERT ... SELECT ... ON CONFLICT``.

        ``on_conflict``: ``"update"`` overwrites the stored row, ``"nothing"`` keeps it, or
        a mapping ``column -> f(stored, excluded)`` of SQL expressions sets only those
        columns (e.g. ``{"flag": lambda old, new: old | new}``).
        """
        if table.name not in self._staged:
            return
        sql = self._upsert_sql(table, on_conflict)
        name = self.stage_name(table)

        def run() -> None:
            self._cur.execute(sql)
            self._cur.execute(f"DROP TABLE {name}")

        self._run(run)
        self._staged.discard(table.name)

    def write(
        self,
        table: sa.Table,
        frame: pl.DataFrame,
        on_conflict: OnConflict = "update",
        *,
        direct: bool = False,
    ) -> None:
        """``load`` then ``merge``: one frame, upserted."""
        self.load(table, frame, direct=direct)
        self.merge(table, on_conflict)

    def _upsert_sql(self, table: sa.Table, on_conflict: OnConflict) -> str:
        cols = [c.name for c in table.columns]
        stage = sa.table(self.stage_name(table), *(sa.column(c) for c in cols))
        pk = [c.name for c in table.primary_key.columns]
        insert_fn = postgresql.insert if self.dialect.name == "postgresql" else sqlite.insert
        # "WHERE true" keeps SQLite from reading ON CONFLICT as a join constraint.
        stmt = insert_fn(table).from_select(cols, sa.select(stage).where(sa.true()))
        if on_conflict == "update":
            updates: dict[str, Any] = {c: stmt.excluded[c] for c in cols if c not in pk}
        elif on_conflict == "nothing":
            updates = {}
        else:
            assert isinstance(on_conflict, Mapping)
            updates = {c: f(table.c[c], stmt.excluded[c]) for c, f in on_conflict.items()}
        stmt = (
            stmt.on_conflict_do_update(index_elements=pk, set_=updates)
            if updates
            else stmt.on_conflict_do_nothing(index_elements=pk)
        )
        return str(stmt.compile(dialect=self.dialect))

    # --- the end ------------------------------------------------------------------------

    def commit(self) -> None:
        """Commit everything (every staged table must have been merged)."""
        if self._staged:
            raise ValueError(f"staged rows never merged: {sorted(self._staged)}")

        def run() -> None:
            # Bumps the store version in this transaction (aimetrics.store.version).
            commit_adbc(self._conn, self._cur, self.engine)

        self._run(run)
        self._done = True

    def close(self) -> None:
        try:
            if not self._done:
                try:
                    self._cur.close()
                finally:
                    self._conn.rollback()
        finally:
            self._conn.close()

    def __enter__(self) -> StagedWrite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:
            if isinstance(exc, ValueError | StoreError):
                raise
            raise StoreError(
                f"writing to the store {self.store} failed: {_first_line(exc)}"
            ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
