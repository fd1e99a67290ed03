"""How much of the spend is billed and how much estimated, and the monthly run rate.

A spend figure that is mostly a configured seat-plan estimate must say so: every line of
:func:`aimetrics.metrics.cost.lines.spend_lines` has a ``basis``; ``billed`` lines come from
an invoice or a billing export, every other basis is an estimate (``api_seats``: seats a
vendor's API lists, priced by the configured plan; ``seat_plan``: the configured plan's
seats; ``estimate``: usage a vendor reported but did not bill). Formulas: docs/metrics.md
("Billed and estimated spend", "Monthly run rate").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from aimetrics.metrics.cost.lines import (
    API_SEAT_SOURCES,
    SEAT_DAYS_PER_MONTH,
    in_currency,
    spend_lines,
    stable_sum,
)
from aimetrics.metrics.period import Period

BILLED = "billed"
RUN_RATE_USAGE_DAYS = 30  # the last complete 30 days of usage


def billed_and_estimated(
    lines: pl.LazyFrame, currency: str, rates: Mapping[str, float] | None = None
) -> pl.LazyFrame:
    """One row: ``spend``, ``spend_billed``, ``spend_estimated`` (in ``currency``; lines in a
    currency without a rate are left out, as :func:`~aimetrics.metrics.cost.spend.spend_total`
    names them) and ``spend_estimated_seats`` / ``spend_estimated_usage`` (the estimate's
    two parts). ``spend_billed + spend_estimated = spend``."""
    billed = pl.col("basis") == BILLED
    amount = pl.col("amount")
    return in_currency(lines, currency, rates).select(
        stable_sum(amount).alias("spend"),
        stable_sum(amount.filter(billed)).alias("spend_billed"),
        stable_sum(amount.filter(~billed)).alias("spend_estimated"),
        stable_sum(amount.filter(~billed & (pl.col("component") == "seats"))).alias(
            "spend_estimated_seats"
        ),
        stable_sum(amount.filter(~billed & (pl.col("component") == "usage"))).alias(
            "spend_estimated_usage"
        ),
    )


@dataclass(frozen=True)
class RunRate:
    """What the AI tools cost per month at today's seats and the last month's usage."""

    as_of: date  # the last complete day
    seats_monthly: float  # seats held on ``as_of`` at their monthly price
    usage_30_days: float  # usage charges of the 30 days up to ``as_of``
    currency: str

    @property
    def monthly(self) -> float:
        return self.seats_monthly + self.usage_30_days


def run_rate(
    seat_plans: pl.LazyFrame,
    cost_records: pl.LazyFrame,
    as_of: date,
    currency: str,
    rates: Mapping[str, float] | None = None,
    seat_assignments: pl.LazyFrame | None = None,
    api_sources: tuple[str, ...] = API_SEAT_SOURCES,
) -> RunRate:
    """The monthly run rate on ``as_of`` (the last complete day of data).

    Seats: the seat lines of ``as_of`` alone (the same precedence as the spend: an
    invoice over API seats over configured plans), a day's amount times the days of an
    average month (365/12). Usage: the usage lines of the 30 days ending with ``as_of``.
    """

    def total(period: Period, component: str) -> float:
        lines = spend_lines(seat_plans, cost_records, period, seat_assignments, api_sources)
        frame = in_currency(lines.filter(pl.col("component") == component), currency, rates)
        return float(frame.select(stable_sum(pl.col("amount"))).collect().item())

    day = Period(as_of, as_of + timedelta(days=1))
    usage = Period(as_of - timedelta(days=RUN_RATE_USAGE_DAYS - 1), as_of + timedelta(days=1))
    return RunRate(
        as_of=as_of,
        seats_monthly=total(day, "seats") * SEAT_DAYS_PER_MONTH,
        usage_30_days=total(usage, "usage"),
        currency=currency,
    )


def month_span(period: Period) -> Period:
    """The calendar months ``period`` touches, whole: from the first day of its first month
    to the first day after its last month."""
    first = period.start.replace(day=1)
    last = period.last_day.replace(day=1)
    after = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return Period(first, after, period.tz)


def whole_months(lines_by_month: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Monthly bars drawn whole: ``lines_by_month`` (spend lines of :func:`month_span`, *not*
    cut to the period) with ``in_period`` (the part of each month's
    amount on days inside the period) and ``partial`` (the month reaches outside it), so a
    four-day December is never drawn as if it were the month's bill."""
    start = pl.max_horizontal("day", pl.lit(period.start))
    stop = pl.min_horizontal(pl.col("day") + pl.duration(days=pl.col("days")), pl.lit(period.end))
    kept = (stop - start).dt.total_days().clip(lower_bound=0).cast(pl.Float64)
    month_end = pl.col("month").dt.offset_by("1mo")
    return (
        lines_by_month.with_columns((pl.col("amount") * kept / pl.col("days")).alias("_in"))
        .group_by("tool_id", "month", "currency")
        .agg(
            stable_sum(pl.col("amount")).alias("amount"),
            stable_sum(pl.col("_in")).alias("in_period"),
        )
        .with_columns(
            ((pl.col("month") < pl.lit(period.start)) | (month_end > pl.lit(period.end))).alias(
                "partial"
            )
        )
        .sort("month", "tool_id")
    )
