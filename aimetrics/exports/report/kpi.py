"""A headline figure of the report (:class:`Kpi`) and its words: interval and change."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimetrics.format import format_change, format_number
from aimetrics.metrics.stats import OK, Estimate


@dataclass(frozen=True)
class Kpi:
    """One headline figure: its value (with interval, or why there is none) and sample.

    ``unit``: ``money`` (whole), ``money2`` (cents), ``share`` (0..1), ``pp``
    (percentage points), ``percent`` (a change, +20 = +20 %), ``ratio`` (0.8×),
    ``rate`` (two decimals), ``hours``, ``days`` or ``count``.
    """

    key: str
    label: str
    unit: str
    value: float | None
    low: float | None = None
    high: float | None = None
    level: float | None = None
    previous: float | None = None
    status: str = OK
    note: str = ""  # why there is no figure ("not enough data": the reason)
    sample: str = ""  # what it rests on, in words

    @classmethod
    def of(cls, key: str, label: str, unit: str, est: Estimate, **kw: object) -> Kpi:
        """From an :class:`Estimate` (an interval only when it has one)."""
        if not est.ok:
            return cls(key, label, unit, None, status=est.status, note=est.note, **kw)  # type: ignore[arg-type]
        return cls(key, label, unit, est.value, est.low, est.high, est.level or None, **kw)  # type: ignore[arg-type]


# --- a headline figure in words -----------------------------------------------------------------


def kpi_interval(k: Kpi, currency: str = "USD") -> str:
    """``90% CI a to b`` of a headline figure ("" without an interval)."""
    if k.low is None or k.high is None or not k.level:
        return ""
    return (
        f"{k.level:.0%} CI {format_number(k.low, k.unit, currency)} to "
        f"{format_number(k.high, k.unit, currency)}"
    )


def kpi_change(k: Kpi, currency: str = "USD") -> str:
    """The change of a headline figure from the previous period, as the dashboard shows it."""
    return format_change(k.value, k.previous, k.unit, currency)


def _row(frame: pl.DataFrame, **where: str) -> dict[str, object]:
    rows = frame
    for column, value in where.items():
        rows = rows.filter(pl.col(column) == value)
    return rows.row(0, named=True) if rows.height else {}


def _num(row: dict[str, object], column: str) -> float | None:
    value = row.get(column)
    return None if value is None else float(value)  # type: ignore[arg-type]


def _int(row: dict[str, object], column: str) -> int:
    return int(row.get(column) or 0)  # type: ignore[call-overload]
