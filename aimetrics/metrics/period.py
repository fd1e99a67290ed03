"""Reporting periods: calendar days in the reporting time zone, compared as UTC instants.

A period is the half-open range of calendar days ``[start, end)`` read in the
reporting time zone (``reporting.timezone``). Timestamps in the store are UTC,
so a period compares them with the UTC instants of local midnight at ``start``
and ``end``; day-valued data (seat plans, cost records) compares with the dates
themselves. See ``docs/metrics.md`` ("Periods and weeks").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from aimetrics.vocabulary import WEEKDAYS

DEFAULT_PERIOD_DAYS = 90


@dataclass(frozen=True)
class Period:
    """Calendar days ``[start, end)`` in time zone ``tz``."""

    start: date
    end: date  # exclusive
    tz: str = "UTC"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a period must end after it starts: {self.start} .. {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def weeks(self) -> float:
        return self.days / 7

    @property
    def start_utc(self) -> datetime:
        return _local_midnight_utc(self.start, self.tz)

    @property
    def end_utc(self) -> datetime:
        return _local_midnight_utc(self.end, self.tz)

    @property
    def last_day(self) -> date:
        """The last day inside the period (``end`` is exclusive)."""
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        """The period of equal length that ends where this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start, self.tz)

    def contains(self, column: str | pl.Expr) -> pl.Expr:
        """UTC timestamps inside the period: ``start_utc <= t < end_utc``."""
        col = pl.col(column) if isinstance(column, str) else column
        return (col >= pl.lit(self.start_utc)) & (col < pl.lit(self.end_utc))

    def contains_day(self, column: str | pl.Expr) -> pl.Expr:
        """Dates inside the period: ``start <= d < end``."""
        col = pl.col(column) if isinstance(column, str) else column
        return (col >= pl.lit(self.start)) & (col < pl.lit(self.end))

    @classmethod
    def ending_at(cls, latest: datetime | None, tz: str, days: int = DEFAULT_PERIOD_DAYS) -> Period:
        """The ``days`` days up to and including the local day of ``latest`` (today if None)."""
        moment = latest if latest is not None else datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        end = moment.astimezone(ZoneInfo(tz)).date() + timedelta(days=1)
        return cls(end - timedelta(days=days), end, tz)


def _local_midnight_utc(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local_date(column: str | pl.Expr, tz: str) -> pl.Expr:
    """The calendar day, in ``tz``, of a UTC timestamp column."""
    col = pl.col(column) if isinstance(column, str) else column
    return col.dt.convert_time_zone(tz).dt.date()


def week_start(day: pl.Expr, week_start_day: str = "monday") -> pl.Expr:
    """The first day of the week containing ``day`` (a Date expression)."""
    first = WEEKDAYS.index(week_start_day.lower()) + 1  # ISO weekday: Monday = 1
    back = (day.dt.weekday() - first) % 7
    return day - pl.duration(days=back)


def week_of(day: date, week_start_day: str = "monday") -> date:
    """Python twin of :func:`week_start` for a single date."""
    first = WEEKDAYS.index(week_start_day.lower())
    return day - timedelta(days=(day.weekday() - first) % 7)


def days_in(start: date, unit: str) -> int:
    """The days of the calendar ``unit`` ("week" or "month") that begins on ``start``."""
    if unit == "week":
        return 7
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - start.replace(day=1)).days


def _day(value: date | str) -> date:
    """A bucket's first day, as a date or as a table shows it ("2025-01-06", "2025-01")."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(value if len(value) >= 10 else f"{value[:7]}-01")


def partial_days(starts: list[date] | list[str], unit: str, period: Period) -> list[int | None]:
    """Per week or month beginning on each of ``starts``: the number of its days inside
    ``period`` when the period covers only part of it, else None (a whole one).

    A chart draws a partial week or month apart (dotted, lighter, with its days in the
    tooltip): a sum over four days is not a week's, and a share over a two-day stub is
    noisier than the others (docs/dashboard.md "Partial weeks and months")."""
    out: list[int | None] = []
    for first in starts:
        start = _day(first)
        length = days_in(start, unit)
        stop = start + timedelta(days=length)
        inside = (min(stop, period.end) - max(start, period.start)).days
        out.append(inside if 0 < inside < length else None)  # None: whole, or not in it
    return out
