"""Spend lines: every charge of every source as one row, and for each tool and component
the one basis that counts, per month for seats and per day for usage (see
:mod:`aimetrics.metrics.cost`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from aimetrics.metrics.period import Period
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from aimetrics.vocabulary import API_SEAT_SOURCES, SEAT_UNITS

if TYPE_CHECKING:
    pass

# A seat-month is a twelfth of a year: price per seat per day = monthly price * 12 / 365.
SEAT_DAYS_PER_MONTH = 365 / 12

SEAT_RANK = {"billed": 0, "api_seats": 1, "seat_plan": 2, "estimate": 3}
USAGE_RANK = {"billed": 0, "estimate": 1}

LINE_SCHEMA = {
    "tool_id": pl.String(),
    "month": pl.Date(),  # first day of the calendar month
    "day": pl.Date(),  # first day the line covers
    "days": pl.Int64(),  # days it covers from ``day`` (1 for a cost record)
    "component": pl.String(),  # seats | usage
    "basis": pl.String(),  # billed | api_seats | seat_plan | estimate
    "source": pl.String(),  # config | demo | github | github-billing | anthropic | ...
    "feed": pl.String(),  # the export a record came from (source:format), else the source
    "plan": pl.String(),
    "login": pl.String(),  # the seat holder, or the record's user
    "team_slug": pl.String(),  # the team the source names
    "currency": pl.String(),
    "amount": pl.Float64(),  # net: what is billed
    "gross_amount": pl.Float64(),  # list value before discounts and included quota
    "quantity": pl.Float64(),
    "unit": pl.String(),
}

_SEAT_ASSIGNMENT_SCHEMA = table_schema(s.seat_assignments)


def stable_sum(values: pl.Expr) -> pl.Expr:
    """The sum of float ``values`` added in sorted order (0 when there are none).

    Rows come out of joins and group-bys in any order (polars' streaming engine; the
    store's backends return rows in different orders), and a float sum in another order
    differs in the last digits: sorted first, the same amounts give the same total on
    every run and every backend. (A running sum: polars drops a sort before ``sum()``.)
    """
    return values.sort().cum_sum().last().fill_null(0.0)


# --- spend lines ----------------------------------------------------------------------


def _month_bounds(period: Period) -> tuple[date, date]:
    """The first day of the period's first month and of the month after its last."""
    first, last = period.start.replace(day=1), period.last_day.replace(day=1)
    after = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    return first, after


def _month_segments(frame: pl.LazyFrame, first: str, stop: str, lo: date, hi: date) -> pl.LazyFrame:
    """Rows valid on ``[first, stop)`` (``stop`` null: open), clipped to ``[lo, hi)`` and
    split at month boundaries: ``month``, ``day`` (segment start), ``_end``, ``days``."""
    return (
        frame.with_columns(
            pl.max_horizontal(pl.col(first), pl.lit(lo)).alias("_first"),
            pl.min_horizontal(pl.col(stop).fill_null(pl.lit(hi)), pl.lit(hi)).alias("_stop"),
        )
        .filter(pl.col("_stop") > pl.col("_first"))
        .with_columns(
            pl.date_ranges(
                pl.col("_first").dt.truncate("1mo"),
                (pl.col("_stop") - pl.duration(days=1)).dt.truncate("1mo"),
                interval="1mo",
            ).alias("month")
        )
        .explode("month")
        .with_columns(
            pl.max_horizontal("_first", "month").alias("day"),
            pl.min_horizontal("_stop", pl.col("month").dt.offset_by("1mo")).alias("_end"),
        )
        .with_columns((pl.col("_end") - pl.col("day")).dt.total_days().cast(pl.Int64).alias("days"))
        .drop("_first", "_stop")
    )


def _lines(frame: pl.LazyFrame, **exprs: pl.Expr | str) -> pl.LazyFrame:
    """``frame`` as :data:`LINE_SCHEMA` rows: columns from ``exprs``, else same-named, else null."""
    names = frame.collect_schema().names()
    out = []
    for name, dtype in LINE_SCHEMA.items():
        given = exprs.get(name)
        if isinstance(given, str):
            expr = pl.lit(given)
        elif given is not None:
            expr = given
        elif name in names:
            expr = pl.col(name)
        else:
            expr = pl.lit(None)
        out.append(expr.cast(dtype).alias(name))
    return frame.select(out)


def _seat_plan_lines(seat_plans: pl.LazyFrame, lo: date, hi: date) -> pl.LazyFrame:
    seat_days = pl.col("seats").cast(pl.Float64) * pl.col("days")
    amount = seat_days * pl.col("price_per_seat_month") / SEAT_DAYS_PER_MONTH
    return _lines(
        _month_segments(seat_plans, "valid_from", "valid_to", lo, hi),
        component="seats",
        basis="seat_plan",
        feed=pl.col("source"),
        amount=amount,
        gross_amount=amount,
        quantity=seat_days,
        unit="seat-days",
    )


def _plan_key(column: str = "plan") -> pl.Expr:
    return pl.col(column).str.strip_chars().str.to_lowercase()


def _plan_prices(seat_plans: pl.LazyFrame) -> pl.LazyFrame:
    """Each plan's price over time: ``tool_id``, ``plan_key``, ``valid_from``, ``valid_to``."""
    return (
        seat_plans.select(
            "tool_id",
            _plan_key().alias("plan_key"),
            "valid_from",
            "valid_to",
            "price_per_seat_month",
            pl.col("currency").alias("plan_currency"),
        )
        .sort("tool_id", "plan_key", "valid_from")
        .unique(subset=["tool_id", "plan_key", "valid_from"], keep="first", maintain_order=True)
    )


def _match_plans(seats: pl.LazyFrame, seat_plans: pl.LazyFrame) -> pl.LazyFrame:
    """``plan_key``: the seat's plan when the tool has a plan of that name (any case),
    else the tool's only plan name when it has exactly one, else null (unpriced)."""
    names = seat_plans.select("tool_id", _plan_key().alias("plan_key")).unique()
    only = (
        names.group_by("tool_id")
        .agg(pl.len().alias("_n"), pl.col("plan_key").first().alias("_only"))
        .filter(pl.col("_n") == 1)
        .select("tool_id", "_only")
    )
    return (
        seats.with_columns(_plan_key().alias("plan_key"))
        .join(
            names.with_columns(pl.lit(True).alias("_known")), on=["tool_id", "plan_key"], how="left"
        )
        .join(only, on="tool_id", how="left")
        .with_columns(
            pl.when(pl.col("_known")).then("plan_key").otherwise("_only").alias("plan_key")
        )
        .drop("_known", "_only")
    )


def _api_seat_lines(
    seat_assignments: pl.LazyFrame,
    seat_plans: pl.LazyFrame,
    lo: date,
    hi: date,
    sources: Sequence[str],
) -> pl.LazyFrame:
    seats = _match_plans(seat_assignments.filter(pl.col("source").is_in(list(sources))), seat_plans)
    priced = (
        _month_segments(seats, "assigned_on", "revoked_on", lo, hi)
        .join(_plan_prices(seat_plans), on=["tool_id", "plan_key"], how="inner")
        .with_columns(
            pl.max_horizontal("day", "valid_from").alias("_lo"),
            pl.min_horizontal("_end", pl.col("valid_to").fill_null(pl.col("_end"))).alias("_hi"),
        )
        .filter(pl.col("_hi") > pl.col("_lo"))
        .with_columns(
            pl.col("_lo").alias("day"),
            (pl.col("_hi") - pl.col("_lo")).dt.total_days().cast(pl.Int64).alias("days"),
        )
    )
    amount = pl.col("days").cast(pl.Float64) * pl.col("price_per_seat_month") / SEAT_DAYS_PER_MONTH
    return _lines(
        priced,
        component="seats",
        basis="api_seats",
        feed=pl.col("source"),
        currency=pl.col("plan_currency"),
        amount=amount,
        gross_amount=amount,
        quantity=pl.col("days").cast(pl.Float64),
        unit="seat-days",
    )


def _record_lines(cost_records: pl.LazyFrame, lo: date, hi: date) -> pl.LazyFrame:
    seat = pl.col("unit").str.to_lowercase().is_in(sorted(SEAT_UNITS)).fill_null(False)
    return _lines(
        cost_records.filter((pl.col("day") >= lo) & (pl.col("day") < hi)),
        month=pl.col("day").dt.truncate("1mo"),
        days=pl.lit(1),
        component=pl.when(seat).then(pl.lit("seats")).otherwise(pl.lit("usage")),
        basis=pl.when(pl.col("billed")).then(pl.lit("billed")).otherwise(pl.lit("estimate")),
        feed=pl.coalesce(pl.col("record_key").str.extract(r"^([^:]+:[^:]+):", 1), "source"),
        login=pl.col("user_login"),
    )


PERIOD_FEEDS = frozenset({"github-billing:credit-usage", "cursor:spend"})
"""Feeds whose record stands for a whole month or billing cycle, dated on its first day
(GitHub's premium-request / AI-credit usage JSON by ``timePeriod``; Cursor's ``/teams/spend``
snapshot): they compete with the other lines of their month, not of their day."""

API_FEEDS: tuple[str, ...] = ("cursor:spend-daily",)
"""Feeds that only the scheduled collectors write (a vendor's API, not a file import).
Where one vendor's API feed and a file's feed both have a day, the API's counts. (An API
report and a file of the same report build the same record keys, so they are one set of
rows: ``anthropic:cost-report``, ``openai:costs-*``.)"""

_DAILY = "\x00daily"  # the candidate standing for a source's day-level lines of a month


def _choose(lines: pl.LazyFrame) -> pl.LazyFrame:
    """The lines that count: for each tool and component one basis and, per source, one
    feed, decided per day for usage and per month for seats and :data:`PERIOD_FEEDS`.

    Basis (``SEAT_RANK``, ``USAGE_RANK``): a seat line competes with every line of its
    tool, month and component; a usage line of a day with the usage lines of that day and
    the period-dated usage lines of its month. Feed: of one source and basis, per day the
    API's feed (:data:`API_FEEDS`), else the larger of the day; then per month the source's
    day-level lines together against each period-dated feed, the larger.
    """
    rank = (
        pl.when(pl.col("component") == "seats")
        .then(pl.col("basis").replace_strict(SEAT_RANK, default=9, return_dtype=pl.Int64))
        .otherwise(pl.col("basis").replace_strict(USAGE_RANK, default=9, return_dtype=pl.Int64))
    )
    monthly = (pl.col("component") == "seats") | pl.col("feed").is_in(sorted(PERIOD_FEEDS))
    month = ["tool_id", "month", "component"]
    day = ["tool_id", "day", "component"]
    r = pl.col("_rank")
    # One feed's usage lines of different people are different spend, never the same spend
    # twice (Cursor's snapshots: one member's billed overage beside another's estimate, his
    # snapshot not saying what his plan includes): they compete with their feed's best basis,
    # all together. A feed's lines of no one (a file's invoice and its estimate) do not.
    slot = pl.when(pl.col("_monthly")).then(pl.col("month")).otherwise(pl.col("day"))
    personal = (pl.col("component") == "usage") & pl.col("login").is_not_null()
    best = (
        lines.with_columns(rank.alias("_rank"), monthly.alias("_monthly"))
        .with_columns(
            pl.when(personal)
            .then(r.min().over(["tool_id", slot, "component", "source", "feed", personal]))
            .otherwise(r)
            .alias("_rank")
        )
        .with_columns(
            r.min().over(month).alias("_all"),
            r.filter(pl.col("_monthly")).min().over(month).alias("_mb"),
            r.filter(~pl.col("_monthly")).min().over(day).alias("_db"),
        )
        .filter(
            pl.when(pl.col("_monthly"))
            .then(r == pl.col("_all"))
            .otherwise(r == pl.min_horizontal("_db", "_mb"))
        )
    )
    api = pl.col("feed").is_in(list(API_FEEDS))
    # Per source, basis and day, one feed of the day-level lines.
    per_day = [*day, "basis", "source"]
    daily = (
        best.filter(~pl.col("_monthly"))
        .group_by([*per_day, "feed"])
        .agg(stable_sum(pl.col("amount")).alias("_total"), api.first().alias("_api"))
        .group_by(per_day)
        .agg(
            pl.col("feed")
            .sort_by(["_api", "_total", "feed"], descending=[True, True, False])
            .first()
        )
    )
    best = pl.concat(
        [
            best.filter(pl.col("_monthly")),
            best.filter(~pl.col("_monthly")).join(daily, on=[*per_day, "feed"], how="semi"),
        ]
    ).with_columns(
        pl.when(pl.col("_monthly")).then(pl.col("feed")).otherwise(pl.lit(_DAILY)).alias("_cand")
    )
    # Per source, basis and month, one candidate: a period-dated feed or the day-level lines.
    per_month = [*month, "basis", "source"]
    winners = (
        best.group_by([*per_month, "_cand"])
        .agg(stable_sum(pl.col("amount")).alias("_total"), api.any().alias("_api"))
        .group_by(per_month)
        .agg(
            pl.col("_cand")
            .sort_by(["_api", "_total", "_cand"], descending=[True, True, False])
            .first()
        )
    )
    return best.join(winners, on=[*per_month, "_cand"], how="semi").drop(
        "_rank", "_monthly", "_all", "_mb", "_db", "_cand"
    )


def _clip(lines: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Lines cut to the period's days, amounts scaled by the share of days kept."""
    start = pl.max_horizontal("day", pl.lit(period.start))
    stop = pl.min_horizontal(pl.col("day") + pl.duration(days=pl.col("days")), pl.lit(period.end))
    kept = (stop - start).dt.total_days().cast(pl.Int64)
    share = pl.col("_kept").cast(pl.Float64) / pl.col("days")
    return (
        lines.with_columns(start.alias("_start"), kept.alias("_kept"))
        .filter(pl.col("_kept") > 0)
        .with_columns(
            (pl.col("amount") * share).alias("amount"),
            (pl.col("gross_amount") * share).alias("gross_amount"),
            (pl.col("quantity") * share).alias("quantity"),
        )
        .with_columns(pl.col("_start").alias("day"), pl.col("_kept").alias("days"))
        .drop("_start", "_kept")
    )


def _empty(schema: Mapping[str, pl.DataType]) -> pl.LazyFrame:
    return pl.LazyFrame(schema=dict(schema))


def spend_lines(
    seat_plans: pl.LazyFrame,
    cost_records: pl.LazyFrame,
    period: Period,
    seat_assignments: pl.LazyFrame | None = None,
    api_sources: Sequence[str] = API_SEAT_SOURCES,
) -> pl.LazyFrame:
    """Every charge counted in ``period`` (:data:`LINE_SCHEMA`), each with its ``basis``.

    The basis is chosen per tool and component (:func:`_choose`): for seats over the
    whole calendar month (a month's invoice wins over its seat estimate even on days
    of the month outside the period), for usage per day; then the lines are cut to
    the period. Amounts are
    in each line's own currency: see :func:`in_currency`.
    """
    seats = seat_assignments if seat_assignments is not None else _empty(_SEAT_ASSIGNMENT_SCHEMA)
    lo, hi = _month_bounds(period)
    lines = pl.concat(
        [
            _seat_plan_lines(seat_plans, lo, hi),
            _api_seat_lines(seats, seat_plans, lo, hi, api_sources),
            _record_lines(cost_records, lo, hi),
        ]
    )
    return _clip(_choose(lines), period).sort("tool_id", "day", "component", "basis", "feed")


def in_currency(
    lines: pl.LazyFrame, currency: str, rates: Mapping[str, float] | None = None
) -> pl.LazyFrame:
    """Lines with amounts converted into ``currency``; lines without a rate are left out.

    ``rates``: ``reporting.exchange_rates`` (units of ``currency`` per unit of the
    other). :func:`spend_total` on the same lines names what was left out.
    """
    factors = {currency: 1.0, **{c: float(r) for c, r in (rates or {}).items()}}
    factor = pl.col("currency").replace_strict(factors, default=None, return_dtype=pl.Float64)
    return (
        lines.with_columns(factor.alias("_factor"))
        .filter(pl.col("_factor").is_not_null())
        .with_columns(
            pl.col("amount") * pl.col("_factor"),
            pl.col("gross_amount") * pl.col("_factor"),
            pl.lit(currency).alias("currency"),
        )
        .drop("_factor")
    )


def spend_by_tool_month(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Spend per tool, month, component and basis (with the sources used), sorted."""
    keys = ["tool_id", "month", "component", "basis", "currency"]
    return (
        lines.group_by(keys)
        .agg(
            stable_sum(pl.col("amount")),
            stable_sum(pl.col("gross_amount")),
            pl.col("source").unique().sort().alias("sources"),
        )
        .sort(keys)
    )


def spend_by_day(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Spend per tool, day, component and basis: a seat line's amount spread evenly over
    its days (for charts over arbitrary periods). Sorted."""
    keys = ["tool_id", "day", "component", "basis", "currency"]
    return (
        _daily(lines)
        .group_by(keys)
        .agg(stable_sum(pl.col("amount")), stable_sum(pl.col("gross_amount")))
        .sort(keys)
    )


def _daily(lines: pl.LazyFrame) -> pl.LazyFrame:
    share = 1.0 / pl.col("days").cast(pl.Float64)
    return (
        lines.with_columns(
            pl.date_ranges(
                "day", pl.col("day") + pl.duration(days=pl.col("days") - 1), interval="1d"
            ).alias("_days"),
            pl.col("amount") * share,
            pl.col("gross_amount") * share,
            pl.col("quantity") * share,
        )
        .drop("day")
        .explode("_days")
        .rename({"_days": "day"})
        .with_columns(pl.lit(1, dtype=pl.Int64).alias("days"))
    )
