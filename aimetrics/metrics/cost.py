"""AI spend: what the AI tools cost, per tool and month, with nothing counted twice.

Definitions and formulas: ``docs/metrics.md`` ("Cost"). In short:

- **Spend lines** (:func:`spend_lines`) come from three kinds of source: seat
  plans (the configuration's, or the store's ``seat_plans``) prorated by day;
  seats collected from an API (``seat_assignments`` of source ``github``) priced
  by their plan; and cost records (imported billing and cost exports).
- Each line is a **seats** charge (a seat licence) or a **usage** charge.
- For a tool, calendar month and component one **basis** is used: for seats,
  billed records > API seats priced by plan > seat plans > estimated records;
  for usage, billed records > estimated records. Two exports of one vendor that
  describe the same charges (two *feeds*, e.g. GitHub's usage report and its
  AI-credit report) are not added: the larger is used.
- Every line and figure says its basis; money is converted into the reporting
  currency with ``reporting.exchange_rates`` and never mixed silently.

Everything here is a pure function of LazyFrames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import polars as pl

from aimetrics.metrics.adoption import ai_share_of_merged_prs, counted_merged_in
from aimetrics.metrics.delivery import active_engineers
from aimetrics.metrics.period import Period, local_date
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from aimetrics.vocabulary import SEAT_UNITS

if TYPE_CHECKING:
    from aimetrics.settings import AiTool

# A seat-month is a twelfth of a year: price per seat per day = monthly price * 12 / 365.
SEAT_DAYS_PER_MONTH = 365 / 12

API_SEAT_SOURCES: tuple[str, ...] = ("github",)
"""``seat_assignments.source`` values that are seats collected from a vendor's API."""

IDLE_WINDOW_DAYS = 30

SEAT_RANK = {"billed": 0, "api_seats": 1, "seat_plan": 2, "estimate": 3}
USAGE_RANK = {"billed": 0, "estimate": 1}

SPEND_SCHEMA = {
    "origin": pl.String(),  # seat_plan | api_seats | cost_record
    "source": pl.String(),
    "tool_id": pl.String(),
    "currency": pl.String(),
    "amount": pl.Float64(),
}

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
_SEAT_PLAN_SCHEMA = table_schema(s.seat_plans)
_MEMBERSHIP_SCHEMA = {
    "team_slug": pl.String(),
    "person_key": pl.String(),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
}


# --- the configuration's seat plans as store frames -----------------------------------


def stable_sum(values: pl.Expr) -> pl.Expr:
    """The sum of float ``values`` added in sorted order (0 when there are none).

    Rows come out of joins and group-bys in any order (polars' streaming engine; the
    store's backends return rows in different orders), and a float sum in another order
    differs in the last digits: sorted first, the same amounts give the same total on
    every run and every backend. (A running sum: polars drops a sort before ``sum()``.)
    """
    return values.sort().cum_sum().last().fill_null(0.0)


def config_seat_plans(tools: Sequence[AiTool]) -> pl.DataFrame:
    """``ai_tools[].plans`` as ``seat_plans`` rows (source ``config``), one per seat count.

    A plan's seat changes give the count from each change's date to the next (or
    the plan's ``end``); a plan without changes has ``len(holders)`` seats from
    its ``start``.
    """
    rows = []
    for tool in tools:
        for plan in tool.plans:
            changes = [(c.valid_from, c.count) for c in plan.seats]
            if not changes and plan.holders and plan.start:
                changes = [(plan.start, len(plan.holders))]
            for i, (first, count) in enumerate(changes):
                stop = changes[i + 1][0] if i + 1 < len(changes) else plan.end
                if plan.end is not None and stop is not None:
                    stop = min(stop, plan.end)
                if stop is not None and stop <= first:
                    continue
                rows.append(
                    {
                        "tool_id": tool.id,
                        "plan": plan.name,
                        "valid_from": first,
                        "valid_to": stop,
                        "seats": count,
                        "price_per_seat_month": float(plan.price_per_seat_month),
                        "currency": plan.currency,
                        "source": "config",
                    }
                )
    return pl.DataFrame(rows, schema=_SEAT_PLAN_SCHEMA)


def config_seat_holders(tools: Sequence[AiTool]) -> pl.DataFrame:
    """``ai_tools[].plans[].holders`` as ``seat_assignments`` rows (source ``config``)."""
    rows = []
    for tool in tools:
        for plan in tool.plans:
            first = plan.start or (plan.seats[0].valid_from if plan.seats else None)
            if first is None:
                continue
            rows.extend(
                {
                    "tool_id": tool.id,
                    "login": login,
                    "assigned_on": first,
                    "revoked_on": plan.end,
                    "plan": plan.name,
                    "last_activity_at": None,
                    "source": "config",
                }
                for login in plan.holders
            )
    return pl.DataFrame(rows, schema=_SEAT_ASSIGNMENT_SCHEMA)


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


def _choose(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Per tool, month and component the best basis; per source one feed (the larger)."""
    rank = (
        pl.when(pl.col("component") == "seats")
        .then(pl.col("basis").replace_strict(SEAT_RANK, default=9, return_dtype=pl.Int64))
        .otherwise(pl.col("basis").replace_strict(USAGE_RANK, default=9, return_dtype=pl.Int64))
    )
    cell = ["tool_id", "month", "component"]
    best = lines.with_columns(rank.alias("_rank")).filter(
        pl.col("_rank") == pl.col("_rank").min().over(cell)
    )
    group = [*cell, "basis", "source"]
    feeds = (
        best.group_by([*group, "feed"])
        .agg(stable_sum(pl.col("amount")).alias("_total"))
        .group_by(group)
        .agg(pl.col("feed").sort_by(["_total", "feed"], descending=[True, False]).first())
    )
    return best.join(feeds, on=[*group, "feed"], how="semi").drop("_rank")


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

    The basis is chosen per tool, calendar month and component over the whole
    month (a month's invoice wins over its seat estimate even on days of the
    month outside the period), then the lines are cut to the period. Amounts are
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


# --- the Overview's figures (kept for its callers) ------------------------------------


def seat_plan_spend(seat_plans: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Each plan row's cost in ``period``: seats x price x 12/365 per seat-day.

    A plan row is valid on ``[valid_from, valid_to)`` (open when ``valid_to`` is
    null); only its days inside the period count. Columns: the plan's
    ``tool_id``, ``plan``, ``source``, ``currency``, ``valid_from``, ``days``,
    ``seat_days``, ``amount``. (Before precedence: see :func:`spend_lines`.)
    """
    start, end = pl.lit(period.start), pl.lit(period.end)
    first = pl.max_horizontal(pl.col("valid_from"), start)
    stop = pl.min_horizontal(pl.col("valid_to").fill_null(end), end)
    return (
        seat_plans.with_columns(
            (stop - first).dt.total_days().clip(lower_bound=0).cast(pl.Int64).alias("days")
        )
        .filter(pl.col("days") > 0)
        .with_columns((pl.col("seats") * pl.col("days")).cast(pl.Int64).alias("seat_days"))
        .with_columns(
            (
                pl.col("seat_days").cast(pl.Float64)
                * pl.col("price_per_seat_month")
                / SEAT_DAYS_PER_MONTH
            ).alias("amount")
        )
        .select(
            "tool_id", "plan", "source", "currency", "valid_from", "days", "seat_days", "amount"
        )
    )


def cost_record_spend(cost_records: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Cost records whose ``day`` is in ``period`` (net ``amount``, not gross)."""
    return cost_records.filter(period.contains_day("day"))


def ai_spend(
    seat_plans: pl.LazyFrame,
    cost_records: pl.LazyFrame,
    period: Period,
    seat_assignments: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Spend in ``period`` by origin, source, tool and currency (sorted), with precedence.

    ``origin``: ``seat_plan``, ``api_seats`` or ``cost_record`` (billed or
    estimated records). The lines are :func:`spend_lines`', so nothing is
    counted twice.
    """
    origin = (
        pl.when(pl.col("basis").is_in(["billed", "estimate"]))
        .then(pl.lit("cost_record"))
        .otherwise(pl.col("basis"))
    )
    keys = ["origin", "source", "tool_id", "currency"]
    return (
        spend_lines(seat_plans, cost_records, period, seat_assignments)
        .with_columns(origin.alias("origin"))
        .group_by(keys)
        .agg(stable_sum(pl.col("amount")))
        .sort(keys)
        .select(pl.col(c).cast(t) for c, t in SPEND_SCHEMA.items())
    )


def spend_total(
    spend: pl.LazyFrame, currency: str, rates: Mapping[str, float] | None = None
) -> pl.LazyFrame:
    """One row: ``spend`` in ``currency`` and ``other_currencies`` left out of it.

    An amount in another currency is converted when ``rates`` has its rate
    (``reporting.exchange_rates``: units of ``currency`` per unit of the other);
    without a rate it is never added in silently: its currency is named in
    ``other_currencies`` (sorted) so the caller can say so.
    """
    factors = {currency: 1.0, **{c: float(r) for c, r in (rates or {}).items()}}
    factor = pl.col("currency").replace_strict(factors, default=None, return_dtype=pl.Float64)
    return spend.select(
        stable_sum(pl.col("amount") * factor).cast(pl.Float64).alias("spend"),
        pl.lit(currency).alias("currency"),
        pl.col("currency")
        .filter(factor.is_null())
        .unique()
        .sort()
        .implode()
        .alias("other_currencies"),
    )


def cost_per_merged_pr(spend: pl.Expr, merged_prs: pl.Expr) -> pl.Expr:
    """AI spend / merged PRs, null when nothing was merged."""
    return pl.when(merged_prs > 0).then(spend / merged_prs).otherwise(None).cast(pl.Float64)


def per_unit(spend: pl.Expr, count: pl.Expr) -> pl.Expr:
    """``spend / count``, null when ``count`` is zero (spend per engineer, per AI PR, ...)."""
    return pl.when(count > 0).then(spend / count).otherwise(None).cast(pl.Float64)


def cost_summary(
    lines: pl.LazyFrame,
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    period: Period,
    currency: str,
    rates: Mapping[str, float] | None = None,
) -> pl.LazyFrame:
    """One row: spend, gross value, the bases used, and spend per active engineer, per
    merged PR and per AI-assisted merged PR in ``period``.

    ``lines``: :func:`spend_lines` of the period; ``merged``/``activity``:
    :mod:`aimetrics.metrics.work`'s frames. ``other_currencies`` names amounts
    left out for want of an exchange rate.
    """
    converted = in_currency(lines, currency, rates)
    spend = converted.select(
        stable_sum(pl.col("amount")).cast(pl.Float64).alias("spend"),
        stable_sum(pl.col("gross_amount")).cast(pl.Float64).alias("gross_amount"),
        pl.lit(currency).alias("currency"),
        pl.col("basis").unique().sort().implode().alias("bases"),
    )
    left_out = spend_total(lines, currency, rates).select("other_currencies")
    return pl.concat(
        [
            spend,
            left_out,
            ai_share_of_merged_prs(merged, period).select("merged_prs", "ai_prs"),
            active_engineers(activity, period),
        ],
        how="horizontal",
    ).with_columns(
        per_unit(pl.col("spend"), pl.col("active_engineers")).alias("spend_per_active_engineer"),
        per_unit(pl.col("spend"), pl.col("merged_prs")).alias("cost_per_merged_pr"),
        per_unit(pl.col("spend"), pl.col("ai_prs")).alias("cost_per_ai_merged_pr"),
    )


# --- people, teams and seats ------------------------------------------------------------


def person_keys(
    frame: pl.LazyFrame, column: str, directory: pl.LazyFrame | None = None
) -> pl.LazyFrame:
    """``person_key`` for the login or e-mail in ``column``: the person it resolves to in
    ``directory`` (:func:`aimetrics.metrics.people.person_directory`), else itself
    lower-cased, so it matches ``merged.author_key``."""
    value = pl.col(column).str.strip_chars().str.to_lowercase()
    if directory is None:
        return frame.with_columns(value.alias("person_key"))
    lookup = directory.select(
        pl.col("kind").alias("_kind"),
        pl.col("value").alias("_value"),
        pl.col("person_key").alias("_person"),
    )
    kind = pl.when(value.str.contains("@")).then(pl.lit("email")).otherwise(pl.lit("login"))
    return (
        frame.with_columns(value.alias("_value"), kind.alias("_kind"))
        .join(lookup, on=["_kind", "_value"], how="left")
        .with_columns(pl.coalesce("_person", "_value").alias("person_key"))
        .drop("_kind", "_value", "_person")
    )


def membership_keys(team_memberships: pl.LazyFrame, people: pl.LazyFrame) -> pl.LazyFrame:
    """``team_memberships`` keyed by ``person_key`` (the person's lower-cased login, else
    ``person:<id>``, as :func:`~aimetrics.metrics.people.person_directory` keys people)."""
    keys = people.select(
        pl.col("id").alias("person_id"),
        pl.coalesce(pl.col("login").str.to_lowercase(), pl.format("person:{}", pl.col("id"))).alias(
            "person_key"
        ),
    )
    return team_memberships.join(keys, on="person_id", how="inner").select(
        pl.col(c).cast(t) for c, t in _MEMBERSHIP_SCHEMA.items()
    )


def with_teams(frame: pl.LazyFrame, memberships: pl.LazyFrame, day: str = "day") -> pl.LazyFrame:
    """Each row once per team its ``person_key`` belonged to on ``day``, with ``weight``
    ``1/k`` (k teams that day); a row whose person had no team: ``team_slug`` null,
    weight 1. Money times weight is never counted twice; counts use each team."""
    rows = frame.with_row_index("_row")
    member = memberships.select(
        "person_key",
        pl.col("team_slug").alias("_team"),
        pl.col("valid_from").alias("_from"),
        pl.col("valid_to").alias("_to"),
    )
    matched = (
        rows.join(member, on="person_key", how="inner")
        .filter(
            (pl.col("_from") <= pl.col(day))
            & (pl.col("_to").is_null() | (pl.col(day) < pl.col("_to")))
        )
        .with_columns((1.0 / pl.len().over("_row")).alias("weight"))
        .drop("_from", "_to")
    )
    alone = rows.join(matched.select("_row"), on="_row", how="anti").with_columns(
        pl.lit(None, dtype=pl.String).alias("_team"), pl.lit(1.0).alias("weight")
    )
    return (
        pl.concat([matched, alone], how="diagonal_relaxed")
        .rename({"_team": "team_slug"})
        .drop("_row")
    )


def _ai_active(merged: pl.LazyFrame, memberships: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """AI-active engineers per tool, month and team: authors of AI-assisted counted merged
    PRs in the period, in their team(s) on the merge day (no team: ``team_slug`` null)."""
    prs = (
        counted_merged_in(merged, period)
        .filter(pl.col("is_ai") & pl.col("by_engineer"))
        .select(
            pl.col("author_key").alias("person_key"),
            pl.col("ai_tool").alias("tool_id"),
            local_date("merged_at", period.tz).alias("day"),
        )
        .with_columns(pl.col("day").dt.truncate("1mo").alias("month"))
    )
    return with_teams(prs, memberships)


def _allocation_weights(
    needed: pl.LazyFrame,
    memberships: pl.LazyFrame,
    merged: pl.LazyFrame,
    seat_assignments: pl.LazyFrame,
    period: Period,
    directory: pl.LazyFrame | None,
) -> pl.LazyFrame:
    """Per tool, month and component to allocate: each team's share (summing to 1) and how.

    Seats: the holders' seat-days by team; else, as usage: the team's AI-active
    engineers with that tool that month; else with any tool that month.
    """
    keys = ["tool_id", "month", "component"]
    holders = _daily(
        _lines(
            _month_segments(
                person_keys(seat_assignments, "login", directory),
                "assigned_on",
                "revoked_on",
                period.start,
                period.end,
            ),
            login=pl.col("person_key"),
            amount=pl.lit(0.0),
        )
    ).rename({"login": "person_key"})
    by_holder = (
        with_teams(holders.select("tool_id", "month", "day", "person_key"), memberships)
        .group_by("tool_id", "month", "team_slug")
        .agg(stable_sum(pl.col("weight")).alias("_w"))
        .with_columns(
            pl.lit("seats").alias("component"),
            pl.lit(0).alias("_prio"),
            pl.lit("seat_holders").alias("allocation"),
        )
    )
    active = _ai_active(merged, memberships, period)
    by_tool = (
        active.group_by("tool_id", "month", "team_slug")
        .agg(pl.col("person_key").n_unique().cast(pl.Float64).alias("_w"))
        .join(needed, on=["tool_id", "month"], how="inner")
        .with_columns(pl.lit(1).alias("_prio"), pl.lit("ai_active_tool").alias("allocation"))
    )
    by_any = (
        active.group_by("month", "team_slug")
        .agg(pl.col("person_key").n_unique().cast(pl.Float64).alias("_w"))
        .join(needed, on="month", how="inner")
        .with_columns(pl.lit(2).alias("_prio"), pl.lit("ai_active_any_tool").alias("allocation"))
    )
    columns = [*keys, "team_slug", "_w", "_prio", "allocation"]
    candidates = pl.concat(
        [
            by_holder.join(needed, on=keys, how="semi").select(columns),
            by_tool.select(columns),
            by_any.select(columns),
        ],
        how="vertical_relaxed",
    )
    return (
        candidates.filter(pl.col("_prio") == pl.col("_prio").min().over(keys))
        .with_columns((pl.col("_w") / stable_sum(pl.col("_w")).over(keys)).alias("share"))
        .select(*keys, "team_slug", "share", "allocation")
    )


def team_spend(
    lines: pl.LazyFrame,
    memberships: pl.LazyFrame,
    merged: pl.LazyFrame,
    period: Period,
    seat_assignments: pl.LazyFrame | None = None,
    directory: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Spend per team (null: no team), tool, month, component, basis and ``allocation``.

    ``lines``: :func:`spend_lines` of ``period`` in one currency
    (:func:`in_currency`); ``memberships``: :func:`membership_keys`. A line goes
    to the team its source names (``source_team``); else to its seat holder's
    or user's team(s) on each of its days (``holder``/``user``; split equally
    between simultaneous teams); else it is shared out per tool and month by
    :func:`_allocation_weights` (``seat_holders``, ``ai_active_tool``,
    ``ai_active_any_tool``), or left ``unallocated``. Team totals add up to the
    spend.
    """
    seats = seat_assignments if seat_assignments is not None else _empty(_SEAT_ASSIGNMENT_SCHEMA)
    keys = ["team_slug", "tool_id", "month", "component", "basis", "allocation", "currency"]
    named = lines.filter(pl.col("team_slug").is_not_null()).with_columns(
        pl.lit("source_team").alias("allocation")
    )
    personal = with_teams(
        person_keys(
            _daily(lines.filter(pl.col("team_slug").is_null() & pl.col("login").is_not_null())),
            "login",
            directory,
        ).drop("team_slug"),
        memberships,
    ).with_columns(
        pl.col("amount") * pl.col("weight"),
        pl.when(pl.col("component") == "seats")
        .then(pl.lit("holder"))
        .otherwise(pl.lit("user"))
        .alias("allocation"),
    )
    rest = lines.filter(pl.col("team_slug").is_null() & pl.col("login").is_null())
    needed = rest.select("tool_id", "month", "component").unique()
    weights = _allocation_weights(needed, memberships, merged, seats, period, directory)
    shared = (
        rest.drop("team_slug")
        .join(weights, on=["tool_id", "month", "component"], how="left")
        .with_columns(
            (pl.col("amount") * pl.col("share").fill_null(1.0)).alias("amount"),
            pl.col("allocation").fill_null("unallocated"),
        )
    )
    return (
        pl.concat(
            [f.select(*keys, "amount") for f in (named, personal, shared)], how="vertical_relaxed"
        )
        .group_by(keys)
        .agg(stable_sum(pl.col("amount")))
        .sort(keys, nulls_last=True)
    )


def team_cost_kpis(
    spend_by_team: pl.LazyFrame,
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    memberships: pl.LazyFrame,
    period: Period,
) -> pl.LazyFrame:
    """Per team (null: no team): spend, active engineers, merged and AI-assisted merged PRs
    (by the team's members at the time of the work; a person in two teams counts in
    both), and spend per active engineer, per merged PR and per AI-assisted merged PR."""
    spend = spend_by_team.group_by("team_slug").agg(stable_sum(pl.col("amount")).alias("spend"))
    engineers = (
        with_teams(
            activity.filter(period.contains("at")).select(
                "person_key", local_date("at", period.tz).alias("day")
            ),
            memberships,
        )
        .group_by("team_slug")
        .agg(pl.col("person_key").n_unique().cast(pl.Int64).alias("active_engineers"))
    )
    prs = (
        with_teams(
            counted_merged_in(merged, period).select(
                "repo_id",
                "number",
                "is_ai",
                pl.col("author_key").alias("person_key"),
                local_date("merged_at", period.tz).alias("day"),
            ),
            memberships,
        )
        .group_by("team_slug")
        .agg(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("is_ai").sum().cast(pl.Int64).alias("ai_prs"),
        )
    )
    teams = pl.concat(
        [f.select("team_slug") for f in (spend, engineers, prs)], how="vertical"
    ).unique()
    return (
        teams.join(spend, on="team_slug", how="left", nulls_equal=True)
        .join(engineers, on="team_slug", how="left", nulls_equal=True)
        .join(prs, on="team_slug", how="left", nulls_equal=True)
        .with_columns(
            pl.col("spend").fill_null(0.0),
            pl.col("active_engineers", "merged_prs", "ai_prs").fill_null(0),
        )
        .with_columns(
            per_unit(pl.col("spend"), pl.col("active_engineers")).alias(
                "spend_per_active_engineer"
            ),
            per_unit(pl.col("spend"), pl.col("merged_prs")).alias("cost_per_merged_pr"),
            per_unit(pl.col("spend"), pl.col("ai_prs")).alias("cost_per_ai_merged_pr"),
        )
        .sort("team_slug", nulls_last=True)
    )


def idle_seats(
    seat_assignments: pl.LazyFrame,
    merged: pl.LazyFrame,
    as_of: date,
    directory: pl.LazyFrame | None = None,
    window_days: int = IDLE_WINDOW_DAYS,
    api_sources: Sequence[str] = API_SEAT_SOURCES,
) -> pl.LazyFrame:
    """Seats held on ``as_of``, each with ``idle``: no activity in the ``window_days`` days
    up to and including ``as_of`` (UTC).

    A seat is active when its ``last_activity_at`` (from the vendor) is on or after
    the window's start, or when its holder merged an AI-assisted PR tagged with the
    seat's tool in the window. One seat per tool and person (an API seat before a
    configured holder).
    """
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=UTC)
    start = end - timedelta(days=window_days)
    held = person_keys(
        seat_assignments.filter(
            (pl.col("assigned_on") <= as_of)
            & (pl.col("revoked_on").is_null() | (pl.col("revoked_on") > as_of))
        ),
        "login",
        directory,
    )
    held = (
        held.with_columns(pl.col("source").is_in(list(api_sources)).alias("_api"))
        .sort(
            ["tool_id", "person_key", "_api", "assigned_on"], descending=[False, False, True, False]
        )
        .unique(subset=["tool_id", "person_key"], keep="first", maintain_order=True)
    )
    work = (
        merged.filter(
            pl.col("counted")
            & pl.col("is_ai")
            & (pl.col("merged_at") >= start)
            & (pl.col("merged_at") < end)
            & pl.col("author_key").is_not_null()
            & pl.col("ai_tool").is_not_null()
        )
        .group_by(pl.col("author_key").alias("person_key"), pl.col("ai_tool").alias("tool_id"))
        .agg(pl.col("merged_at").max().alias("last_ai_work_at"))
    )
    used = (pl.col("last_activity_at") >= start).fill_null(False) | pl.col(
        "last_ai_work_at"
    ).is_not_null()
    return (
        held.join(work, on=["person_key", "tool_id"], how="left")
        .with_columns((~used).alias("idle"))
        .select(
            "tool_id",
            "login",
            "person_key",
            "plan",
            "source",
            "assigned_on",
            "last_activity_at",
            "last_ai_work_at",
            "idle",
        )
        .sort("tool_id", "login")
    )


def idle_seat_cost(seats: pl.LazyFrame, seat_plans: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """The idle ones of :func:`idle_seats`, each with what it costs per month: the price of
    its plan (matched as API seats are) valid on ``as_of``; null when no plan prices it."""
    prices = _plan_prices(seat_plans).filter(
        (pl.col("valid_from") <= as_of)
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") > as_of))
    )
    return (
        _match_plans(seats.filter(pl.col("idle")), seat_plans)
        .join(prices, on=["tool_id", "plan_key"], how="left")
        .sort("tool_id", "login", "valid_from", descending=[False, False, True], nulls_last=True)
        .unique(subset=["tool_id", "login"], keep="first", maintain_order=True)
        .select(
            "tool_id",
            "login",
            "person_key",
            "plan",
            "last_activity_at",
            pl.col("price_per_seat_month").alias("monthly_cost"),
            pl.col("plan_currency").alias("currency"),
        )
        .sort("tool_id", "login")
    )
