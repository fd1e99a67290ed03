"""How fresh the data is."""

from __future__ import annotations

import polars as pl


def last_collected(sync_state: pl.LazyFrame) -> pl.LazyFrame:
    """One row: ``last_collected``, the latest ``sync_state.finished_at`` (null if none)."""
    return sync_state.select(pl.col("finished_at").max().alias("last_collected"))
