"""The Overview's team map: what each team spends per engineer, and what it measurably
gets (the throughput change of its adopters, by the uplift's own estimator). Formulas:
docs/metrics.md ("Overview")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from aimetrics.metrics.adoption import (
    counted_merged_in,
)
from aimetrics.metrics.cost.lines import in_currency, stable_sum
from aimetrics.metrics.cost.spend import per_unit
from aimetrics.metrics.cost.teams import team_spend
from aimetrics.metrics.overview import CostInputs, selected_lines
from aimetrics.metrics.period import Period
from aimetrics.metrics.stats import (
    keyed_weights,
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
    panel: Panel | None = None,
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

    ``panel``: the engineers compared (:func:`~aimetrics.metrics.uplift.weekly_panel`),
    when the caller has it (the organization's under a team filter: a filter narrows who is
    treated, never who is compared); by default the one of ``merged`` and ``activity``.

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
    if panel is None:
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
