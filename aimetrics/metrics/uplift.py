"""Measured uplift: how much more engineers merge after adopting AI, against their own baseline.

Throughput (:func:`throughput_uplift`) is a stacked difference-in-differences on
a ratio scale: for each adoption cohort, the cohort's merged PRs after adoption
are compared with what its own pre-adoption count predicts, moved by the change
that not-yet-adopted colleagues show over the same calendar weeks. Cycle time
(:func:`cycle_time_uplift`) compares medians of AI-assisted and no-marker PRs of
the same engineers. Both carry a 90% engineer (cluster) bootstrap interval from
:mod:`aimetrics.metrics.stats`. Formulas and assumptions: docs/metrics.md
("Uplift and ROI").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from aimetrics.metrics.evidence import MARKER
from aimetrics.metrics.people import person_keys
from aimetrics.metrics.period import local_date, week_start
from aimetrics.metrics.stats import (
    OK,
    Estimate,
    estimate,
    keyed_weights,
    resampled_sums,
)
from aimetrics.settings import StatisticsSettings
from aimetrics.vocabulary import FIRST_SEEN_SEAT_SOURCES

SEAT = "seat"
FIRST_AI_CHANGE = "first AI change"
FIRST_EVIDENCE = "first evidence"  # first day of evidence of use other than a marker
ADOPTION_BASES = (SEAT, FIRST_EVIDENCE, FIRST_AI_CHANGE)  # in order of preference
PRE_WEEKS = 12  # baseline window before each cohort's adoption
POST_WEEKS = 12  # effect window from each cohort's adoption on
NEVER = 1 << 40  # week index of engineers who never adopted
EDGE_WEEKS = 4  # seen this close to the data's first (last) week: there from start (to end)
# Adoption dated by a first AI-marked PR comes after the true start: the weeks in between are
# weeks *without* a marked PR, so fewer PRs than usual. Kept in the baseline (or in a comparison
# engineer's windows) they would lower it and raise the estimate. They are left out of every
# window instead. The lag has a long tail (engineers with few PRs), hence 8 weeks: on git-only
# histories with 60% of AI PRs marked (benchmarks/git_only_selfcheck.py, 50 seeds, r = 1.2) the
# mean estimate was 1.236 with no allowance, 1.223 with 3 weeks, 1.221 with 6, 1.208 with 8
# (1.208 dated by the true start), for intervals 0.259 -> 0.294 wide.
MARKER_LAG_WEEKS = 8

ADOPTION_SCHEMA = {"person_key": pl.String(), "adopted_on": pl.Date(), "basis": pl.String()}


def adoption_dates(
    merged: pl.LazyFrame,
    seat_assignments: pl.LazyFrame | None = None,
    directory: pl.LazyFrame | None = None,
    tz: str = "UTC",
    evidence: pl.LazyFrame | None = None,
    bases: tuple[str, ...] = ADOPTION_BASES,
) -> pl.LazyFrame:
    """Each engineer's AI adoption date and what it is based on.

    Columns ``person_key``, ``adopted_on`` (a day), ``basis``:

    - ``seat``: the person's first ``seat_assignments.assigned_on`` of any tool
      (decided by whoever hands out seats, so independent of the person's output), except
      a left-censored one: a seat of a source without assignment dates
      (:data:`~aimetrics.vocabulary.FIRST_SEEN_SEAT_SOURCES`, Cursor's members) held when
      that source was first collected, whose real assignment may be any day before;
    - else ``first AI change``: the local day of the first AI-assisted PR they
      authored (``by_engineer``) with a tool whose seats are *not* in
      ``seat_assignments``, or whose seat they hold left-censored. A tool with
      seat data and no seat for the person is not theirs: a Copilot suggestion
      applied from a review, or a ``copilot/`` branch name, is no adoption.

    Between the two, when ``evidence`` (:func:`aimetrics.metrics.evidence.evidence`) is
    given, ``first evidence``: the person's first day of evidence other than a marker
    (Copilot usage, seat activity, vendor usage), unless it is the first day that source has
    any data at all: reports begin on a fixed date and keep a year, so use on their first day
    may have begun long before (left-censored).

    ``bases``: the bases allowed, in order of preference (one alone gives the estimate
    under that basis, for the sensitivity table). Seat logins and e-mails resolve to people
    through ``directory`` (:func:`aimetrics.metrics.people.person_directory`) when given.
    """
    seats = (
        seat_assignments
        if seat_assignments is not None
        else pl.LazyFrame(schema={"tool_id": pl.String, "login": pl.String, "assigned_on": pl.Date})
    )
    if "source" not in seats.collect_schema().names():
        seats = seats.with_columns(pl.lit(None, dtype=pl.String).alias("source"))
    censored = pl.col("source").is_in(list(FIRST_SEEN_SEAT_SOURCES)).fill_null(False) & (
        pl.col("assigned_on") == pl.col("assigned_on").min().over("tool_id", "source")
    )
    seats = person_keys(seats, "login", directory).select(
        "tool_id", "person_key", "assigned_on", censored.alias("_censored")
    )
    # Collected on purpose: a handful of tool ids, used as a literal list in the filter.
    seat_tools = seats.select("tool_id").unique().collect()["tool_id"].implode()
    ai = merged.filter(pl.col("by_engineer") & pl.col("is_ai"))
    censored_pairs = seats.filter(pl.col("_censored")).select("person_key", "tool_id").unique()
    own_tool = ai.join(
        censored_pairs.select(
            pl.col("person_key").alias("author_key"), pl.col("tool_id").alias("ai_tool")
        ),
        on=["author_key", "ai_tool"],
        how="semi",
    )
    first_ai = (
        pl.concat([ai.filter(~pl.col("ai_tool").is_in(seat_tools).fill_null(False)), own_tool])
        .group_by(pl.col("author_key").alias("person_key"))
        .agg(local_date(pl.col("merged_at").min(), tz).alias("adopted_on"))
        .with_columns(pl.lit(FIRST_AI_CHANGE).alias("basis"))
    )
    # A later seat of a tool whose seat the person held when first collected dates nothing.
    by_seat = (
        seats.join(censored_pairs, on=["person_key", "tool_id"], how="anti")
        .group_by("person_key")
        .agg(pl.col("assigned_on").min().alias("adopted_on"))
        .with_columns(pl.lit(SEAT).alias("basis"))
    )
    candidates = {SEAT: by_seat, FIRST_AI_CHANGE: first_ai}
    if evidence is not None:
        candidates[FIRST_EVIDENCE] = _first_evidence(evidence)
    chosen: list[pl.LazyFrame] = []
    for basis in (b for b in ADOPTION_BASES if b in bases and b in candidates):
        rows = candidates[basis].select(pl.col(c).cast(t) for c, t in ADOPTION_SCHEMA.items())
        for earlier in chosen:
            rows = rows.join(earlier, on="person_key", how="anti")
        chosen.append(rows)
    if not chosen:
        return pl.LazyFrame(schema=ADOPTION_SCHEMA)
    return pl.concat(chosen).sort("person_key")


def _first_evidence(evidence: pl.LazyFrame) -> pl.LazyFrame:
    """Each person's first day of non-marker evidence, left out when it is the first day its
    source has data at all (left-censored: the use may have begun before)."""
    other = evidence.filter(pl.col("source") != MARKER)
    source_start = other.group_by("source").agg(pl.col("day").min().alias("_start"))
    return (
        other.group_by("person_key", "source")
        .agg(pl.col("day").min().alias("adopted_on"))
        .join(source_start, on="source")
        .filter(pl.col("adopted_on") > pl.col("_start"))
        .group_by("person_key")
        .agg(pl.col("adopted_on").min())
        .with_columns(pl.lit(FIRST_EVIDENCE).alias("basis"))
    )


@dataclass(frozen=True, eq=False)
class Panel:
    """Merged PRs per engineer and week, with each engineer's presence and adoption."""

    keys: list[str]
    first_week: dt.date | None  # the date of week index 0
    counts: np.ndarray  # (engineers, weeks) merged PRs they authored
    first: np.ndarray  # first week with any activity
    last: np.ndarray  # last week with any activity
    pre_end: np.ndarray  # first week touched by adoption (NEVER: not adopted)
    post_start: np.ndarray  # first full week after adoption
    basis: np.ndarray  # one of ADOPTION_BASES | None


def weekly_panel(
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    adoption: pl.LazyFrame,
    tz: str = "UTC",
    week_start_day: str = "monday",
    marker_lag_weeks: int = MARKER_LAG_WEEKS,
) -> Panel:
    """Collect the engineer x week panel :func:`throughput_uplift` works on.

    Engineers are the people in ``activity``; a counted merged PR counts for its
    author, when the author is one of them, in the week (``week_start_day``, time
    zone ``tz``) it merged. That includes PRs an engineer opened with work an AI
    agent wrote (Claude Code on the web: ``is_agent``), which ``by_engineer``
    leaves out: that work is precisely what adoption may add. The weeks run from
    the first to the last week with such a PR; an engineer's ``first``/``last``
    week is that of their own first/last merged PR (commits are no evidence of
    presence: a merge commit's author is whoever pressed the button).
    The week containing the adoption day is the last one the adoption can touch;
    the first week starting on or after that day is the first post-adoption week
    (they are the same week when adoption falls on a week's first day). An adoption dated
    by a first AI change (an outcome: a marked PR, which unmarked AI work may precede)
    touches the ``marker_lag_weeks`` weeks before it too: they belong to no window.
    """

    def week(ts: str) -> pl.Expr:
        return week_start(local_date(ts, tz), week_start_day)

    engineers = activity.select("person_key").unique()
    # Collected here on purpose: one row per engineer-week, reused for every cohort.
    cells = (
        merged.filter(pl.col("counted"))
        .group_by(pl.col("author_key").alias("person_key"), week("merged_at").alias("week"))
        .agg(pl.len().alias("prs"))
        .join(engineers, on="person_key", how="semi")
        .collect()
    )
    if cells.is_empty():
        empty = np.zeros(0, dtype=np.int64)
        return Panel([], None, np.zeros((0, 0)), empty, empty, empty, empty, np.array([]))
    w0 = cells["week"].min()
    assert isinstance(w0, dt.date)
    n_weeks = (cells["week"].max() - w0).days // 7 + 1  # type: ignore[operator]

    def index(day: pl.Expr) -> pl.Expr:
        return (day - pl.lit(w0)).dt.total_days() // 7

    cells = cells.with_columns(index(pl.col("week")).alias("w"))
    seen = (
        cells.group_by("person_key")
        .agg(pl.col("w").min().alias("first"), pl.col("w").max().alias("last"))
        .join(adoption.collect(), on="person_key", how="left")
        .sort("person_key")
        .with_row_index("_row")
    )
    adopted = pl.col("adopted_on")
    # The baseline ends before the marker lag (MARKER_LAG_WEEKS) when a marked PR dated it.
    lag = pl.when(pl.col("basis") == FIRST_AI_CHANGE).then(marker_lag_weeks * 7).otherwise(0)
    marks = seen.select(
        index(week_start(adopted - pl.duration(days=lag), week_start_day))
        .fill_null(NEVER)
        .alias("pre_end"),
        index(week_start(adopted + pl.duration(days=6), week_start_day))
        .fill_null(NEVER)
        .alias("post_start"),
    )
    cells = cells.join(seen.select("person_key", "_row"), on="person_key")
    counts = np.zeros((seen.height, n_weeks), dtype=np.float64)
    counts[cells["_row"].to_numpy(), cells["w"].to_numpy()] = cells["prs"].to_numpy()
    return Panel(
        keys=seen["person_key"].to_list(),
        first_week=w0,
        counts=counts,
        first=seen["first"].to_numpy(),
        last=seen["last"].to_numpy(),
        pre_end=marks["pre_end"].to_numpy(),
        post_start=marks["post_start"].to_numpy(),
        basis=seen["basis"].to_numpy(),
    )


@dataclass(frozen=True, eq=False)
class Uplift:
    """Measured throughput uplift: the ratio (1.2 = +20%) with its CI and what it rests on."""

    estimate: Estimate  # ratio of observed to expected merged PRs after adoption
    treated_engineers: int
    comparison_engineers: int
    cohorts: int
    basis: dict[str, int]  # adopters by basis of their adoption date
    observed_prs: float  # treated engineers' PRs in their post-adoption windows
    expected_prs: float  # what those would have been without adoption
    baseline_rate: float | None  # treated engineers' merged PRs per engineer-week before
    replicates: np.ndarray = field(repr=False)  # bootstrap replicates of the ratio
    baseline_replicates: np.ndarray = field(repr=False)  # ... and of the baseline rate
    pre_weeks: int = PRE_WEEKS
    post_weeks: int = POST_WEEKS

    @property
    def percent(self) -> Estimate:
        """The uplift as a multiplicative change in percent (+20 for a ratio of 1.2)."""
        return self.estimate.percent_change()


def panel_keys(panel: Panel, rows: np.ndarray) -> list[str]:
    """The keys of the panel's engineers at ``rows`` (indexes), for :func:`keyed_weights`."""
    return [panel.keys[i] for i in rows]


def _present(panel: Panel, a: int, b: int, n_weeks: int) -> np.ndarray:
    """Engineers on the team through weeks ``[a, b)``, read from their PRs outside them.

    A merged PR before ``a`` (or within the data's first ``EDGE_WEEKS`` weeks:
    there from the start) and one from ``b`` on (or within the last
    ``EDGE_WEEKS`` weeks: still there). Never from the windows' own counts,
    which would select engineer-weeks by their outcome.
    """
    since_start = (panel.first < a) | (panel.first < EDGE_WEEKS)
    until_end = (panel.last >= b) | (panel.last >= n_weeks - EDGE_WEEKS)
    return since_start & until_end


def stacked_design(panel: Panel, pre_weeks: int, post_weeks: int) -> tuple[np.ndarray, ...]:
    """Per engineer and cohort: window sums of treated and comparison engineers.

    Returns (aggregates (engineers x 5·cohorts), treated mask, comparison mask,
    PRs used per engineer, each engineer-week once). Columns per cohort: treated
    post, treated pre, comparison post, comparison pre, treated pre weeks.
    """
    n, n_weeks = panel.counts.shape
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(panel.counts, axis=1)], axis=1)
    adopters = panel.pre_end < NEVER
    pairs = np.unique(np.stack([panel.pre_end[adopters], panel.post_start[adopters]]), axis=1)
    columns: list[np.ndarray] = []
    treated_any = np.zeros(n, dtype=bool)
    control_any = np.zeros(n, dtype=bool)
    used = np.zeros((n, n_weeks), dtype=bool)
    for pre_end, post_start in pairs.T:
        a, b = max(int(pre_end) - pre_weeks, 0), min(int(post_start) + post_weeks, n_weeks)
        if a >= pre_end or post_start >= b:
            continue
        present = _present(panel, a, b, n_weeks)
        treated = present & (panel.pre_end == pre_end) & (panel.post_start == post_start)
        control = present & (panel.pre_end >= b)
        if not treated.any() or not control.any():
            continue
        pre = cum[:, pre_end] - cum[:, a]
        post = cum[:, b] - cum[:, post_start]
        columns += [
            treated * post,
            treated * pre,
            control * post,
            control * pre,
            treated * float(pre_end - a),
        ]
        treated_any |= treated
        control_any |= control
        rows = treated | control
        used[rows, a:pre_end] = True
        used[rows, post_start:b] = True
    aggregates = np.stack(columns, axis=1) if columns else np.zeros((n, 0))
    used_prs = (panel.counts * used).sum(axis=1)
    return aggregates, treated_any, control_any, used_prs


def _ratio(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Observed/expected ratio, observed, expected and baseline rate from summed columns.

    ``sums``: (replicates, 5·cohorts). A cohort without a baseline (no treated or
    no comparison PRs before adoption, in this resample) is left out.
    """
    s = sums.reshape(sums.shape[0], -1, 5)
    t1, t0, c1, c0, weeks = (s[..., i] for i in range(5))
    valid = (t0 > 0) & (c0 > 0)
    expected = np.where(valid, t0 * c1 / np.where(valid, c0, 1.0), 0.0).sum(axis=1)
    observed = np.where(valid, t1, 0.0).sum(axis=1)
    base_prs = np.where(valid, t0, 0.0).sum(axis=1)
    base_weeks = np.where(valid, weeks, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
        baseline = np.where(base_weeks > 0, base_prs / base_weeks, np.nan)
    return ratio, observed, expected, baseline


def throughput_uplift(
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    adoption: pl.LazyFrame,
    *,
    settings: StatisticsSettings | None = None,
    tz: str = "UTC",
    week_start_day: str = "monday",
    pre_weeks: int = PRE_WEEKS,
    post_weeks: int = POST_WEEKS,
    marker_lag_weeks: int = MARKER_LAG_WEEKS,
) -> Uplift:
    """Throughput uplift of AI adoption: a stacked ratio-of-rates difference-in-differences.

    ``merged``/``activity``: :func:`aimetrics.metrics.overview.select_work`'s frames;
    ``adoption``: :func:`adoption_dates`. For each cohort (engineers adopting in
    the same week) the baseline is up to ``pre_weeks`` weeks before adoption and
    the effect window up to ``post_weeks`` weeks from it; the comparison group is
    every engineer not adopted by the end of that window (not yet, or never),
    over the same weeks. An engineer enters a cohort's stack only with a merged
    PR before its baseline starts and another after its window ends (so joiners
    and leavers do not read as a change in rate). The estimate is

        sum over cohorts of treated PRs after
        / sum over cohorts of treated PRs before x (comparison after / comparison before)

    An adopter dated by a first AI change (no seat) has a baseline that ends
    ``marker_lag_weeks`` earlier (:data:`MARKER_LAG_WEEKS`): the weeks between may be
    adopted weeks without a marker, fewer PRs than usual by selection.

    with a percentile CI from ``statistics.bootstrap_samples`` resamples of the
    engineers taking part (all their window sums at once). "Not enough data" below
    ``statistics.min_engineers`` treated or comparison engineers.
    """
    cfg = settings or StatisticsSettings()
    panel = weekly_panel(merged, activity, adoption, tz, week_start_day, marker_lag_weeks)
    aggregates, treated, control, used_prs = stacked_design(panel, pre_weeks, post_weeks)
    rows = np.flatnonzero(treated | control)
    x = aggregates[rows]
    enough = min(int(treated.sum()), int(control.sum())) >= cfg.min_engineers and x.shape[1] > 0
    replicate_sums = (
        resampled_sums(keyed_weights(panel_keys(panel, rows), cfg.bootstrap_samples, cfg.seed), x)
        if enough
        else None
    )
    return uplift_result(
        x, treated, control, used_prs[rows].sum(), panel, replicate_sums, cfg,
        pre_weeks, post_weeks,
    )  # fmt: skip


def uplift_result(
    x: np.ndarray,
    treated: np.ndarray,
    control: np.ndarray,
    prs: int,
    panel: Panel,
    replicate_sums: np.ndarray | None,
    cfg: StatisticsSettings,
    pre_weeks: int,
    post_weeks: int,
) -> Uplift:
    """The :class:`Uplift` of a stacked design: ``x`` holds, per engineer taking part, the
    five window sums of each cohort (:func:`stacked_design`); ``treated``/``control`` mark
    the panel's engineers; ``replicate_sums`` are the bootstrap replicates of ``x``'s
    column sums, or None for "not enough data". One place turns sums into the estimate,
    for the organization (:func:`throughput_uplift`) and for any group of it."""
    n_treated, n_control = int(treated.sum()), int(control.sum())
    basis_values = panel.basis[treated] if panel.basis.size else np.array([])
    basis = {b: int((basis_values == b).sum()) for b in ADOPTION_BASES}
    point, observed, expected, baseline = _ratio(x.sum(axis=0, keepdims=True))
    level, engineers, prs = cfg.confidence_level, x.shape[0], int(prs)
    if replicate_sums is None:
        result: Estimate = Estimate.not_enough(
            engineers,
            prs,
            level,
            f"needs at least {cfg.min_engineers} adopting and {cfg.min_engineers} "
            f"comparison engineers (has {n_treated} and {n_control})",
        )
        boot, base_boot = np.zeros(0), np.zeros(0)
    else:
        boot, _, _, base_boot = _ratio(replicate_sums)
        result = estimate(float(point[0]), boot, engineers=engineers, prs=prs, level=level)
    ok = result.status == OK
    has_cohorts = x.shape[1] > 0
    return Uplift(
        estimate=result,
        treated_engineers=n_treated,
        comparison_engineers=n_control,
        cohorts=x.shape[1] // 5,
        basis=basis,
        observed_prs=float(observed[0]) if has_cohorts else 0.0,
        expected_prs=float(expected[0]) if has_cohorts else 0.0,
        baseline_rate=float(baseline[0]) if ok and np.isfinite(baseline[0]) else None,
        replicates=boot,
        baseline_replicates=base_boot,
        pre_weeks=pre_weeks,
        post_weeks=post_weeks,
    )
