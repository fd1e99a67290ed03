"""The Overview's figures: headline KPIs for a period and the one before, their uncertainty,
weekly trends with the tools' roll-outs, and the team map (spend per engineer vs measured
throughput change). Formulas: docs/metrics.md ("Overview")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from aimetrics.metrics.adoption import (
    Selection,
    ai_share_of_merged_prs,
    counted_merged_in,
    select,
    share,
)
from aimetrics.metrics.cost.lines import in_currency, spend_lines, stable_sum
from aimetrics.metrics.cost.spend import cost_per_merged_pr, per_unit, spend_total
from aimetrics.metrics.cost.teams import team_spend
from aimetrics.metrics.delivery import active_engineers, per_engineer_week
from aimetrics.metrics.period import Period, local_date, week_of, week_start
from aimetrics.metrics.stats import (
    Estimate,
    bootstrap_weights,
    keyed_weights,
    percentile_interval,
    resampled_sums,
)
from aimetrics.metrics.uplift import (
    POST_WEEKS,
    PRE_WEEKS,
    Panel,
    Uplift,
    panel_keys,
    stacked_design,  # the estimator's own design: a group's figure is the same estimator's
    uplift_result,
    weekly_panel,
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

    ``prs``/``activity``: :func:`aimetrics.metrics.adoption.pr_facts` /
    :func:`~aimetrics.metrics.adoption.contributor_activity`. ``is_ai`` becomes
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
    (:func:`aimetrics.metrics.cost.seats.read_seats`); ``memberships`` (``team_slug``,
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
    spend = rows.select(
        (stable_sum(pl.col("amount")) if known else pl.lit(None)).cast(pl.Float64).alias("spend"),
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


# --- the team map: what each team spends per engineer, and what it measurably gets -----

TEAM_MAP_COLUMNS = (
    "group",
    "engineers",
    "merged_prs",
    "ai_prs",
    "spend",
    "spend_per_engineer",
    "cost_per_merged_pr",
    "cost_per_ai_merged_pr",
    "uplift",
    "uplift_low",
    "uplift_high",
    "adopters",
    "comparison_engineers",
    "status",
    "note",
)


def spend_by_team(
    costs: CostInputs,
    merged: pl.LazyFrame,
    period: Period,
    currency: str,
    rates: Mapping[str, float] | None = None,
    tools: tuple[str, ...] = (),
    no_team: str = "(no team)",
) -> pl.LazyFrame:
    """AI spend in ``period`` per team (``team_slug``; ``no_team`` for money that goes to
    nobody's team or stays unallocated), in ``currency``:
    :func:`~aimetrics.metrics.cost.teams.team_spend` over the lines of ``tools``.
    ``merged``: every counted merged PR (the weights)."""
    if costs.memberships is None:
        raise ValueError("spend per team needs the team memberships (CostInputs.memberships)")
    lines = in_currency(selected_lines(costs, period, tools), currency, rates)
    return (
        team_spend(
            lines, costs.memberships, merged, period, costs.seat_assignments, costs.directory
        )
        .group_by(pl.col("team_slug").fill_null(no_team))
        .agg(stable_sum(pl.col("amount")))
        .sort("team_slug")
    )


def group_uplift(
    panel: Panel,
    members: Sequence[str],
    settings: StatisticsSettings | None = None,
    pre_weeks: int = PRE_WEEKS,
    post_weeks: int = POST_WEEKS,
) -> Uplift:
    """:func:`~aimetrics.metrics.uplift.throughput_uplift` for the adopters among ``members``
    (a team), against every engineer of the panel not yet adopted in the same weeks.

    The same stacked design and bootstrap, with the treated side restricted to the
    group: other engineers' adoptions do not count as treated, but before they adopt
    they are comparison engineers like anyone else. (Within a team alone there is often
    no comparison: teams tend to adopt together.) Comparison engineers without a merged
    PR in the group's windows carry no information and are left out of the resampling.
    With every engineer as ``members`` it is ``throughput_uplift`` exactly.
    """
    return group_uplifts(panel, {"": members}, settings, pre_weeks, post_weeks)[""]


@dataclass(frozen=True)
class _Group:
    """A group's part of the stacked design (:func:`stacked_design`'s aggregates)."""

    members: np.ndarray  # engineers of the group (mask over the panel's engineers)
    keep: np.ndarray  # cohorts with a treated group member (mask over cohorts)
    treated: np.ndarray  # engineers treated in a kept cohort (group members only)
    control: np.ndarray  # engineers with comparison PRs in a kept cohort

    @property
    def rows(self) -> np.ndarray:
        return self.treated | self.control

    @property
    def cohorts(self) -> int:
        return int(self.keep.sum())

    def design(self, blocks: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The group's design on ``rows`` (engineers x kept cohorts x 5): the treated
        columns (post, pre, weeks) of its members only, everyone's comparison columns."""
        x = blocks[rows][:, self.keep, :]  # a copy: rows is an index array
        x[np.ix_(~self.members[rows], np.arange(x.shape[1]), [0, 1, 4])] = 0.0
        return x


def _group_design(treated_in: np.ndarray, control_in: np.ndarray, members: np.ndarray) -> _Group:
    keep = treated_in[members].any(axis=0)
    return _Group(
        members, keep, members & treated_in[:, keep].any(axis=1), control_in[:, keep].any(axis=1)
    )


def group_uplifts(
    panel: Panel,
    groups: Mapping[str, Sequence[str]],
    settings: StatisticsSettings | None = None,
    pre_weeks: int = PRE_WEEKS,
    post_weeks: int = POST_WEEKS,
) -> dict[str, Uplift]:
    """:func:`group_uplift` of every group (name -> members) on one panel.

    One design, and one bootstrap shared by all groups: each replicate draws the
    engineers taking part in any group's estimate, and every group's ratio is computed
    from the same draw (for a single group that is exactly its own engineers).

    The comparison columns of a cohort are the same for every group, so their
    replicate sums are computed once; a group's treated columns are non-zero on its
    members only, so theirs come from the members' rows (hundreds of teams at 1M PRs
    would otherwise make one dense engineers x (teams x cohorts) matrix). The sums are
    of whole PR and week counts, hence exact in any order.
    """
    cfg = settings or StatisticsSettings()
    aggregates, _, _, used_prs = stacked_design(panel, pre_weeks, post_weeks)
    n = aggregates.shape[0]
    blocks = aggregates.reshape(n, aggregates.shape[1] // 5, 5)
    treated_in = blocks[:, :, 4] > 0  # engineer x cohort: treated in that cohort
    control_in = (blocks[:, :, 2:4] != 0).any(axis=2)  # comparison PRs in that cohort
    keys = np.asarray(panel.keys, dtype=object)
    designs = {
        name: _group_design(treated_in, control_in, np.isin(keys, list(m)))
        for name, m in groups.items()
    }

    def enough(g: _Group) -> bool:
        return min(int(g.treated.sum()), int(g.control.sum())) >= cfg.min_engineers

    measured = [name for name, g in designs.items() if enough(g) and g.cohorts]
    union = np.zeros(n, dtype=bool)
    for name in measured:
        union |= designs[name].rows
    rows = np.flatnonzero(union)
    sums: dict[str, np.ndarray] = {}
    if measured:
        weights = keyed_weights(panel_keys(panel, rows), cfg.bootstrap_samples, cfg.seed)
        shared = resampled_sums(weights, aggregates[rows]).reshape(len(weights), -1, 5)
        position = np.full(n, -1)
        position[rows] = np.arange(len(rows))
        for name in measured:
            g = designs[name]
            own = np.flatnonzero(g.members & union)
            part = resampled_sums(weights[:, position[own]], aggregates[own])
            part = part.reshape(len(weights), -1, 5)[:, g.keep, :]
            out = shared[:, g.keep, :].copy()
            out[:, :, [0, 1, 4]] = part[:, :, [0, 1, 4]]
            sums[name] = out.reshape(len(weights), -1)
    return {
        name: _group_result(g, blocks, sums.get(name), used_prs, panel, cfg, pre_weeks, post_weeks)
        for name, g in designs.items()
    }


def _group_result(
    g: _Group,
    blocks: np.ndarray,
    replicate_sums: np.ndarray | None,
    used_prs: np.ndarray,
    panel: Panel,
    cfg: StatisticsSettings,
    pre_weeks: int,
    post_weeks: int,
) -> Uplift:
    rows = np.flatnonzero(g.rows)
    x = g.design(blocks, rows).reshape(len(rows), g.cohorts * 5)
    return uplift_result(
        x, g.treated, g.control, used_prs[rows].sum(), panel, replicate_sums, cfg,
        pre_weeks, post_weeks,
    )  # fmt: skip


def team_map(
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    spend: pl.LazyFrame | None,
    adoption: pl.LazyFrame,
    period: Period,
    *,
    settings: StatisticsSettings | None = None,
    tz: str = "UTC",
    week_start_day: str = "monday",
) -> pl.DataFrame:
    """Per ``group`` (a team, or the privacy fold): its size, AI spend per engineer, and the
    measured throughput change of its engineers after adopting AI.

    ``merged``/``activity``: the selection's work (:func:`select_work`) over the whole
    history, one row per group it belongs to (``group``; small groups already folded);
    ``spend``: ``group``, ``amount`` of ``period`` (None: spend unknown, e.g. under a
    repository filter); ``adoption``: :func:`aimetrics.metrics.uplift.adoption_dates`.

    - ``engineers``: distinct engineers active in the group in ``period``;
    - ``merged_prs``/``ai_prs``: the group's counted merged PRs in ``period``;
    - ``spend_per_engineer`` = spend / engineers; cost per (AI-assisted) merged PR;
    - ``uplift`` (percent, with ``uplift_low``/``uplift_high``): :func:`group_uplift` of
      the group's engineers (anyone with activity in it) against every engineer of the
      selection not yet adopted, over the whole history (ratio − 1); null with ``status``
      "not enough data" and the reason in ``note`` when there are too few engineers.

    Columns: :data:`TEAM_MAP_COLUMNS`; sorted by group.
    """
    in_period = activity.filter(period.contains("at"))
    people = in_period.group_by("group").agg(
        pl.col("person_key").n_unique().cast(pl.Int64).alias("engineers")
    )
    prs = (
        counted_merged_in(merged, period)
        .group_by("group")
        .agg(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("is_ai").sum().cast(pl.Int64).alias("ai_prs"),
        )
    )
    money = (
        spend.group_by("group").agg(stable_sum(pl.col("amount")).alias("spend"))
        if spend is not None
        else pl.LazyFrame(schema={"group": pl.String, "spend": pl.Float64})
    )
    # Collected here on purpose: one row per group, and the estimator runs per group below.
    table = (
        pl.concat([f.select("group") for f in (people, prs, money)])
        .unique()
        .join(people, on="group", how="left")
        .join(prs, on="group", how="left")
        .join(money, on="group", how="left")
        .with_columns(pl.col("engineers", "merged_prs", "ai_prs").fill_null(0))
        .with_columns(pl.col("spend").fill_null(0.0) if spend is not None else pl.col("spend"))
        .with_columns(
            per_unit(pl.col("spend"), pl.col("engineers")).alias("spend_per_engineer"),
            per_unit(pl.col("spend"), pl.col("merged_prs")).alias("cost_per_merged_pr"),
            per_unit(pl.col("spend"), pl.col("ai_prs")).alias("cost_per_ai_merged_pr"),
        )
        .sort("group")
        .collect()
    )
    # One panel of the whole selection (each PR and activity once), one estimate per group.
    panel = weekly_panel(
        merged.drop("group").unique(subset=["repo_id", "number"]),
        activity.drop("group").unique(),
        adoption,
        tz,
        week_start_day,
    )
    members = activity.group_by("group").agg(pl.col("person_key").unique()).collect()
    by_group = dict(zip(members["group"].to_list(), members["person_key"].to_list(), strict=True))
    names = table["group"].to_list()
    uplifts = group_uplifts(panel, {g: by_group.get(g) or [] for g in names}, settings)
    estimates = []
    for group in names:
        uplift = uplifts[group]
        pct = uplift.percent
        estimates.append(
            {
                "uplift": pct.value,
                "uplift_low": pct.low,
                "uplift_high": pct.high,
                "adopters": uplift.treated_engineers,
                "comparison_engineers": uplift.comparison_engineers,
                "status": pct.status,
                "note": pct.note,
            }
        )
    schema = {
        "uplift": pl.Float64, "uplift_low": pl.Float64, "uplift_high": pl.Float64,
        "adopters": pl.Int64, "comparison_engineers": pl.Int64, "status": pl.String,
        "note": pl.String,
    }  # fmt: skip
    return pl.concat(
        [table, pl.DataFrame(estimates, schema=schema, orient="row")], how="horizontal"
    ).select(TEAM_MAP_COLUMNS)
