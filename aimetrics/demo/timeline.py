"""The demo's calendar: twelve months of Monday-based weeks, holidays and working hours.

All instants are int64 microseconds since the Unix epoch, UTC (numpy arrays),
turned into ``Datetime("us", "UTC")`` only when the frames are built.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np

US_PER_MINUTE = 60_000_000
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
US_PER_WEEK = 7 * US_PER_DAY

# Relative activity by weekday (Monday first): a strong weekend dip.
WEEKDAY_WEIGHTS = np.array([1.0, 1.05, 1.05, 1.0, 0.85, 0.08, 0.05])

_EPOCH = dt.date(1970, 1, 1)
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def date_to_us(day: dt.date) -> int:
    return (day - _EPOCH).days * US_PER_DAY


def us_to_dates(us: np.ndarray) -> np.ndarray:
    """Microsecond instants to numpy ``datetime64[D]`` days."""
    return (us // US_PER_DAY).astype("datetime64[D]")


def holiday_factor(day: dt.date) -> float:
    """How much of the usual activity happens on ``day`` (late-December dip, summer)."""
    md = (day.month, day.day)
    if md >= (12, 24) or md <= (1, 1):
        return 0.15
    if md >= (12, 18) or md <= (1, 4):
        return 0.6
    if (7, 15) <= md <= (8, 31):
        return 0.85
    return 1.0


@dataclass(frozen=True)
class Timeline:
    """The window ``[start, end_date]``: ``start`` is the first Monday 365 days back.

    ``cut_us``, when set, is the moment the demo is built: the calendar still runs to the
    end of ``end_date`` (same weeks and day weights), but nothing happens at or after it.
    """

    end_date: dt.date
    start: dt.date
    n_weeks: int
    cut_us: int | None = None

    @classmethod
    def ending(cls, end_date: dt.date) -> Timeline:
        start = end_date - dt.timedelta(days=365)
        start += dt.timedelta(days=(7 - start.weekday()) % 7)
        n_days = (end_date - start).days + 1
        return cls(end_date=end_date, start=start, n_weeks=-(-n_days // 7))

    @classmethod
    def ending_at(cls, moment: dt.datetime) -> Timeline:
        """The window ending at ``moment`` (aware), as a store collected at that instant."""
        cut = round((moment - _EPOCH_UTC) / dt.timedelta(microseconds=1))
        # The day holding the last instant before the cut (at exactly midnight: the day before).
        last_day = _EPOCH + dt.timedelta(days=(cut - 1) // US_PER_DAY)
        return dataclasses.replace(cls.ending(last_day), cut_us=cut)

    @property
    def start_us(self) -> int:
        return date_to_us(self.start)

    @property
    def end_us(self) -> int:
        """Exclusive end: the build moment, or midnight after ``end_date``."""
        return date_to_us(self.end_date) + US_PER_DAY if self.cut_us is None else self.cut_us

    @property
    def week_starts_us(self) -> np.ndarray:
        return self.start_us + np.arange(self.n_weeks, dtype=np.int64) * US_PER_WEEK

    def month_monday(self, month: float) -> dt.date:
        """The first Monday on or after ``month`` months into the window."""
        day = self.start + dt.timedelta(days=round(month * 365.25 / 12))
        return day + dt.timedelta(days=(7 - day.weekday()) % 7)

    def week_of(self, day: dt.date) -> int:
        return (day - self.start).days // 7

    def day_weights(self) -> np.ndarray:
        """(n_weeks, 7) relative activity of each day: weekday × holiday, 0 outside the window."""
        weights = np.zeros((self.n_weeks, 7))
        for w in range(self.n_weeks):
            for d in range(7):
                day = self.start + dt.timedelta(days=7 * w + d)
                if day <= self.end_date:
                    weights[w, d] = WEEKDAY_WEIGHTS[d] * holiday_factor(day)
        return weights

    def week_factors(self) -> np.ndarray:
        """Each week's activity relative to an ordinary full week (holidays, partial last week)."""
        return self.day_weights().sum(axis=1) / WEEKDAY_WEIGHTS.sum()


def sample_in_weeks(
    rng: np.random.Generator,
    timeline: Timeline,
    weeks: np.ndarray,
    tz_hours: np.ndarray,
    *,
    day_weights: np.ndarray | None = None,
) -> np.ndarray:
    """An instant inside each given week: a day by that week's day weights, a working hour.

    ``tz_hours`` is each event's UTC offset; local hours centre on 14:00 and the
    instant is clipped into its UTC day so it stays inside its week.
    """
    weights = timeline.day_weights() if day_weights is None else day_weights
    cum = np.cumsum(weights, axis=1)
    cum /= np.where(cum[:, -1:] > 0, cum[:, -1:], 1.0)
    u = rng.random(len(weeks))
    day = (u[:, None] > cum[weeks]).sum(axis=1).clip(0, 6)
    hour = np.clip(rng.normal(14.0, 2.6, len(weeks)) - tz_hours, 0.05, 23.95)
    return (
        timeline.start_us
        + weeks.astype(np.int64) * US_PER_WEEK
        + day.astype(np.int64) * US_PER_DAY
        + (hour * US_PER_HOUR).astype(np.int64)
    )


def lognormal_hours(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    """Durations in microseconds, log-normal with the given median (hours) and log-sd."""
    return (np.exp(rng.normal(np.log(median), sigma, n)) * US_PER_HOUR).astype(np.int64)
