"""The Overview's figures: headline KPIs for a period and the one before, their uncertainty,
weekly trends with the tools' roll-outs. The team map (spend per engineer vs measured
throughput change) is :mod:`aimetrics.metrics.team_map`. Formulas: docs/metrics.md
("Overview")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from aimetrics.metrics.adoption import (
    Selection,
    ai_share_of_merged_prs,
    counted_merged_in,
    select,
    share,
)
from aimetrics.metrics.cost.basis import BILLED
from aimetrics.metrics.cost.lines import in_currency, spend_lines, stable_sum
from aimetrics.metrics.cost.spend import cost_per_merged_pr, per_unit, spend_total
from aimetrics.metrics.cost.teams import team_spend
from aimetrics.metrics.delivery import active_engineers, per_engineer_week
from aimetrics.metrics.period import Period, local_date, week_of, week_start
from aimetrics.metrics.stats import (
    Estimate,
    bootstrap_weights,
    percentile_interval,
)
from aimetrics.settings import StatisticsSettings

KPI_COLUMNS = (
    "period",
    "start",
    "end",
    "days",
    "merged_prs",
    "ai_prs",
    "ai_share",
    "active_engineers",
    "throughput",
    "spend",
    "spend_billed",
    "spend_estimated",
    "currency",
    "other_currencies",
    "cost_per_merged_pr",
)
FIGURE_COLUMNS = (*KPI_COLUMNS, "cost_per_ai_merged_pr", "bases")
SPEND_KEYS = ("tool_id", "month", "component", "basis", "currency")


# --- the selection: which work and which money count ----------------------------------


def select_work(
    prs: pl.LazyFrame, activity: pl.LazyFrame, selection: Selection
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Merged PRs and engineer activity of ``selection``, ready for the metrics here.

    ``prs``/``activity``: :func:`aimetrics.metrics.work_facts.pr_facts` /
    :func:`~aimetrics.metrics.work_facts.contributor_activity`. ``is_ai`` becomes
    "AI-assisted with a selected tool" (``select``'s ``ai``), so a PR marked by
    another tool stays in the denominators and is not AI-assisted.
    """
    merged = select(prs.filter(pl.col("merged_at").is_not_null()), selection).with_columns(
        pl.col("ai").alias("is_ai")
    )
    return merged, select(activity, selection).with_columns(pl.col("ai").alias("is_ai"))


@dataclass(frozen=True)
class CostInputs:
    """Where AI spend comes from (see :func:`aimetrics.metrics.cost.lines.spend_lines`).

    ``seat_plans``/``seat_assignments``: the store's with the configuration's
    (:func:`aimetrics.figures.store_reads.read_seats`); ``memberships`` (``team_slug``,
    ``person_key``, ``valid_from``, ``valid_to``) and ``directory`` are needed
    only to attribute spend to teams.
    """

    seat_plans: pl.LazyFrame
    cost_records: pl.LazyFrame
    seat_assignments: pl.LazyFrame | None = None
    memberships: pl.LazyFrame | None = None
    directory: pl.LazyFrame | None = None


def selected_lines(costs: CostInputs, period: Period, tools: tuple[str, ...] = ()) -> pl.LazyFrame:
    """:func:`~aimetrics.metrics.cost.lines.spend_lines` of ``period``, of ``tools``
    (all when empty)."""
    lines = spend_lines(costs.seat_plans, costs.cost_records, period, costs.seat_assignments)
    return lines.filter(pl.col("tool_id").is_in(list(tools))) if tools else lines


def selected_spend(
    costs: CostInputs,
    merged: pl.LazyFrame,
    period: Period,
    currency: str,
    rates: Mapping[str, float] | None = None,
    selection: Selection = Selection(),  # noqa: B008 (frozen, never mutated)
) -> pl.LazyFrame:
    """AI spend of ``selection`` in ``period``, in ``currency``, per :data:`SPEND_KEYS`.

    The tool filter keeps those tools' lines; the team filter keeps the selected
    teams' part of every line as :func:`~aimetrics.metrics.cost.teams.team_spend`
    attributes it (``merged``: every counted merged PR, for its weights). Spend is
    not attributed to repositories: the repository filter does not apply here
    (:func:`overview_figures` leaves spend undefined under it). Lines in a currency
    without a rate are left out (see :func:`left_out_currencies`).
    """
    converted = in_currency(selected_lines(costs, period, selection.tools), currency, rates)
    if selection.teams:
        if costs.memberships is None:
            raise ValueError("spend per team needs the team memberships (CostInputs.memberships)")
        converted = team_spend(
            converted,
            costs.memberships,
            merged,
            period,
            costs.seat_assignments,
            costs.directory,
        ).filter(pl.col("team_slug").is_in(list(selection.teams)))
    return converted.group_by(SPEND_KEYS).agg(stable_sum(pl.col("amount"))).sort(SPEND_KEYS)


def left_out_currencies(
    costs: CostInputs,
    period: Period,
    currency: str,
    rates: Mapping[str, float] | None = None,
    tools: tuple[str, ...] = (),
) -> pl.LazyFrame:
    """One row: ``other_currencies``, the currencies of lines left out for want of a rate."""
    return spend_total(selected_lines(costs, period, tools), currency, rates).select(
        "other_currencies"
    )


def period_figures(
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    costs: CostInputs,
    period: Period,
    currency: str,
    label: str = "current",
    rates: Mapping[str, float] | None = None,
    selection: Selection = Selection(),  # noqa: B008 (frozen, never mutated)
    all_merged: pl.LazyFrame | None = None,
    spend_rows: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """One row of headline figures for ``period`` (columns: :data:`FIGURE_COLUMNS`).

    ``merged``/``activity``: the selection's work (:func:`select_work`). Spend is
    :func:`selected_spend` in ``currency`` (``all_merged``: every counted merged PR,
    for the team attribution; default ``merged``; ``spend_rows``: that result when
    the caller has it already); ``bases`` lists the bases it used. With a repository
    filter spend and the figures built on it are null: spend is not attributed to
    repositories.
    """
    header = pl.LazyFrame(
        {
            "period": [label],
            "start": [period.start],
            "end": [period.end],
            "days": [period.days],
        },
        schema={"period": pl.String, "start": pl.Date, "end": pl.Date, "days": pl.Int64},
    )
    everything = all_merged if all_merged is not None else merged
    rows = (
        spend_rows
        if spend_rows is not None
        else selected_spend(costs, everything, period, currency, rates, selection)
    )
    known = not selection.repositories

    def total(amount: pl.Expr) -> pl.Expr:
        return (stable_sum(amount) if known else pl.lit(None)).cast(pl.Float64)

    billed = pl.col("basis") == BILLED
    spend = rows.select(
        total(pl.col("amount")).alias("spend"),
        # What an invoice or billing export says, and the rest: an estimate (seat plans from
        # configuration, seats priced by plan, unbilled usage); they add up to ``spend``.
        total(pl.col("amount").filter(billed)).alias("spend_billed"),
        total(pl.col("amount").filter(~billed)).alias("spend_estimated"),
        pl.lit(currency).alias("currency"),
        pl.col("basis").unique().sort().implode().alias("bases"),
    )
    return (
        pl.concat(
            [
                header,
                ai_share_of_merged_prs(merged, period),
                active_engineers(activity, period),
                spend,
                left_out_currencies(costs, period, currency, rates, selection.tools),
            ],
            how="horizontal",
        )
        .with_columns(
            per_engineer_week(
                pl.col("merged_prs"), pl.col("active_engineers"), pl.lit(period.weeks)
            ).alias("throughput"),
            cost_per_merged_pr(pl.col("spend"), pl.col("merged_prs")).alias("cost_per_merged_pr"),
            per_unit(pl.col("spend"), pl.col("ai_prs")).alias("cost_per_ai_merged_pr"),
        )
        .select(FIGURE_COLUMNS)
    )


def overview_figures(
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    costs: CostInputs,
    period: Period,
    currency: str,
    rates: Mapping[str, float] | None = None,
    selection: Selection = Selection(),  # noqa: B008 (frozen, never mutated)
    all_merged: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Two rows of :func:`period_figures`, ``current`` (``period``) then ``previous``."""
    return pl.concat(
        [
            period_figures(
                merged, activity, costs, p, currency, label, rates, selection, all_merged
            )
            for p, label in ((period, "current"), (period.previous(), "previous"))
        ]
    )


# --- uncertainty of the headline figures ----------------------------------------------


@dataclass(frozen=True)
class KpiUncertainty:
    """Bootstrap intervals of the AI-assisted share and throughput, and of their change.

    Changes are current − previous (a share's in share units: 0.05 = 5 points).
    """

    ai_share: Estimate
    ai_share_change: Estimate
    throughput: Estimate
    throughput_change: Estimate


UNKNOWN_AUTHOR = "(unknown author)"


def _author_sums(merged: pl.LazyFrame, activity: pl.LazyFrame, period: Period, tag: str):  # type: ignore[no-untyped-def]
    prs = (
        counted_merged_in(merged, period)
        .group_by(pl.coalesce("author_key", pl.lit(UNKNOWN_AUTHOR)).alias("_who"))
        .agg(
            pl.len().cast(pl.Float64).alias(f"prs_{tag}"),
            pl.col("is_ai").sum().cast(pl.Float64).alias(f"ai_{tag}"),
        )
    )
    engineers = (
        activity.filter(period.contains("at"))
        .select(pl.col("person_key").alias("_who"))
        .unique()
        .with_columns(pl.lit(1.0).alias(f"eng_{tag}"))
    )
    return prs.join(engineers, on="_who", how="full", coalesce=True)


def kpi_uncertainty(
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    period: Period,
    settings: StatisticsSettings | None = None,
) -> KpiUncertainty:
    """``statistics.confidence_level`` intervals for the AI-assisted share and throughput of
    ``period``, and for their change from the previous period.

    A cluster bootstrap over people, as everywhere (:mod:`aimetrics.metrics.stats`):
    each replicate draws the PR authors and active engineers of both periods with
    replacement, keeping all of a drawn person's PRs and activity in both periods
    (an agent or a deleted account is one author). Share = AI-assisted / merged PRs;
    throughput = merged PRs / (active engineers × weeks). "Not enough data" below
    ``statistics.min_engineers`` people.
    """
    cfg = settings or StatisticsSettings()
    prev = period.previous()
    cols = [f"{k}_{t}" for t in ("cur", "prev") for k in ("prs", "ai", "eng")]
    # Collected here on purpose: the bootstrap runs on this small per-person matrix.
    table = (
        _author_sums(merged, activity, period, "cur")
        .join(_author_sums(merged, activity, prev, "prev"), on="_who", how="full", coalesce=True)
        .sort("_who")  # a fixed order: the same seed draws the same people
        .select(pl.col(c).fill_null(0.0) for c in cols)
        .collect()
    )
    x = table.to_numpy().astype(np.float64).reshape(-1, len(cols))
    n, level = x.shape[0], cfg.confidence_level
    point = x.sum(axis=0, keepdims=True)
    if n < max(cfg.min_engineers, 2):
        note = f"needs at least {max(cfg.min_engineers, 2)} people (has {n})"
        missing = Estimate.not_enough(n, int(point[0, 0]), level, note)
        return KpiUncertainty(missing, missing, missing, missing)
    sums = bootstrap_weights(n, cfg.bootstrap_samples, cfg.seed) @ x

    def figures(s: np.ndarray) -> tuple[np.ndarray, ...]:
        with np.errstate(divide="ignore", invalid="ignore"):
            share_c, share_p = s[:, 1] / s[:, 0], s[:, 4] / s[:, 3]
            thr_c = s[:, 0] / (s[:, 2] * period.weeks)
            thr_p = s[:, 3] / (s[:, 5] * prev.weeks)
        return share_c, share_c - share_p, thr_c, thr_c - thr_p

    prs = int(point[0, 0] + point[0, 3])

    def est(value: float, replicates: np.ndarray) -> Estimate:
        interval = percentile_interval(replicates, level)
        if interval is None or not np.isfinite(value):
            return Estimate.not_enough(n, prs, level, "undefined in most resamples")
        return Estimate(float(value), interval[0], interval[1], level, n, prs)

    return KpiUncertainty(
        *(est(float(v[0]), r) for v, r in zip(figures(point), figures(sums), strict=True))
    )


# --- trends -------------------------------------------------------------------------


def rollouts(seat_assignments: pl.LazyFrame, seat_plans: pl.LazyFrame) -> pl.LazyFrame:
    """When each AI tool was rolled out: its first seat.

    Per tool: ``rolled_out_on``, the earliest ``assigned_on`` of its seat
    assignments or ``valid_from`` of a seat plan row with seats, and ``basis``
    (``seat assignment`` or ``seat plan``, whichever came first). Sorted by day.
    """
    seats = seat_assignments.select(
        "tool_id", pl.col("assigned_on").alias("day"), pl.lit("seat assignment").alias("basis")
    )
    plans = seat_plans.filter(pl.col("seats") > 0).select(
        "tool_id", pl.col("valid_from").alias("day"), pl.lit("seat plan").alias("basis")
    )
    return (
        pl.concat([seats, plans])
        .drop_nulls("day")
        .sort("tool_id", "day", "basis")
        .group_by("tool_id")
        .agg(pl.col("day").first().alias("rolled_out_on"), pl.col("basis").first())
        .sort("rolled_out_on", "tool_id")
    )


def rollouts_in_weeks(rollouts: pl.DataFrame | None, weeks: list[date]) -> list[tuple[str, date]]:
    """(tool, day) of the roll-outs (:func:`rollouts`) on a day of the weeks a chart shows
    (``weeks``: their first days, in order), for the trend charts' dotted lines."""
    if rollouts is None or rollouts.is_empty() or not weeks:
        return []
    first, stop = weeks[0], weeks[-1] + timedelta(days=7)
    return [
        (tool, day)
        for tool, day in rollouts.select("tool_id", "rolled_out_on").iter_rows()
        if first <= day < stop
    ]


def weekly_trend(
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    period: Period,
    week_start_day: str = "monday",
) -> pl.LazyFrame:
    """Per week overlapping ``period``: merged PRs, AI-assisted share and throughput.

    Weeks start on ``week_start_day`` in the period's time zone and are clipped
    to the period: ``days`` is the number of their days inside it. Each week
    applies the period definitions to its own days (engineers active that
    week). Throughput is given for full weeks only (null for a partial first or
    last week): who is active depends on the window's length, so a two-day stub
    is not comparable with a week. Weeks without data have 0 PRs and null
    shares. Sorted by ``week_start``.
    """
    tz = period.tz

    def week_of_ts(column: str) -> pl.Expr:
        return week_start(local_date(column, tz), week_start_day).alias("week_start")

    prs = (
        counted_merged_in(merged, period)
        .group_by(week_of_ts("merged_at"))
        .agg(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("is_ai").sum().cast(pl.Int64).alias("ai_prs"),
        )
    )
    engineers = (
        activity.filter(period.contains("at"))
        .group_by(week_of_ts("at"))
        .agg(pl.col("person_key").n_unique().cast(pl.Int64).alias("active_engineers"))
    )
    first, last = week_of(period.start, week_start_day), week_of(period.last_day, week_start_day)
    weeks = pl.LazyFrame().select(pl.date_range(first, last, interval="1w").alias("week_start"))
    start, end = pl.lit(period.start), pl.lit(period.end)
    clipped_days = (
        pl.min_horizontal(pl.col("week_start") + pl.duration(days=7), end)
        - pl.max_horizontal(pl.col("week_start"), start)
    ).dt.total_days()
    return (
        weeks.join(prs, on="week_start", how="left")
        .join(engineers, on="week_start", how="left")
        .with_columns(
            clipped_days.cast(pl.Int64).alias("days"),
            pl.col("merged_prs", "ai_prs", "active_engineers").fill_null(0),
        )
        .with_columns(
            share(pl.col("ai_prs"), pl.col("merged_prs")).alias("ai_share"),
            pl.when(pl.col("days") == 7)
            .then(per_engineer_week(pl.col("merged_prs"), pl.col("active_engineers"), pl.lit(1)))
            .alias("throughput"),
        )
        .select(
            "week_start",
            "days",
            "merged_prs",
            "ai_prs",
            "ai_share",
            "active_engineers",
            "throughput",
        )
        .sort("week_start")
    )
