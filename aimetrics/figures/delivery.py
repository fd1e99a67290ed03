"""The Delivery page's figures: throughput, cycle time and its stages, the PR list, and the
AI-assisted vs no-marker comparison in its two designs (docs/metrics.md, "Like-for-like
comparisons"): within engineer (the headline) and pooled (descriptive)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from aimetrics.figures.facts import Facts
from aimetrics.figures.folds import PrivacyNote, breakdown_note, compared, fold_of
from aimetrics.figures.selection import (
    figure_columns,
    first_row,
    grouped,
    grouped_lazy,
    previous_hidden,
    selection_people,
)
from aimetrics.figures.view import View, previous_view
from aimetrics.metrics.adoption import pr_shares
from aimetrics.metrics.change import NOT_ENOUGH, Change, change, row_change
from aimetrics.metrics.delivery import (
    cycle_time_summary,
    throughput_by_group,
    timeline_coverage,
)
from aimetrics.metrics.like_for_like import (
    MIN_PRS_EACH,
    engineer_cycle_hours,
    size_ratio,
    within_engineer,
)
from aimetrics.metrics.stats import Comparison, Estimate, compare_medians
from aimetrics.vocabulary import AI_GROUP, NO_MARKER

NEWEST_FIRST = ("merged_at", "repository", "number")  # a stable order for PR lists


PR_TABLE_COLUMNS = (
    "merged_at", "repository", "number", "title", "comparison", "ai_tool", "lines",
    "coding", "pickup", "review", "merge", "cycle", "url",
)  # fmt: skip


@dataclass(frozen=True)
class CycleComparison:
    """AI-assisted vs no-marker PRs of the view: cycle time within engineer (the headline),
    the same pooled over everyone (descriptive: it mixes who uses AI with what AI does), and
    the PR-size ratio within engineer beside the headline. ``None``: no merged PR with a
    timeline (``size``: no merged PR by an engineer)."""

    within: Comparison | None
    pooled: Comparison | None
    size: Comparison | None


@dataclass(frozen=True)
class DeliveryData:
    throughput: pl.DataFrame  # throughput_by_group (org)
    by_group: pl.DataFrame  # throughput_by_group per group
    weekly: pl.DataFrame  # pr_shares per week
    stages: pl.DataFrame  # cycle_time_summary (org)
    stages_by_group: pl.DataFrame  # cycle_time_summary per group
    coverage: pl.DataFrame  # timeline_coverage (org)
    cycle: CycleComparison  # cycle time AI-assisted / no marker: within engineer, pooled
    prs: pl.DataFrame  # the merged PRs behind the figures (PR_TABLE_COLUMNS)
    people: int
    privacy: PrivacyNote
    # throughput, cycle_ai, cycle_no_marker, cycle_within, cycle_ratio (pooled)
    changes: dict[str, Change]


def org_cycle(f: Facts, v: View) -> tuple[pl.DataFrame, PrivacyNote, CycleComparison]:
    """The view's compared PRs (org), and their cycle time and size AI-assisted / no marker
    (:class:`CycleComparison`). Small cells are dropped before (:func:`compared`)."""
    rows, note = compared(f, f.prs, v, "org")
    rows_ai = rows.with_columns((pl.col("comparison") == AI_GROUP).alias("is_ai"))
    size = None if rows_ai.is_empty() else _private(size_ratio(rows_ai.lazy(), v.statistics), v)
    # Timed: a full timeline, or a cycle time only (merge commits recovered from git).
    timed = rows_ai.filter(pl.col("timeline") | pl.col("cycle").is_not_null())
    if timed.is_empty():
        return rows, note, CycleComparison(None, None, size)
    pooled = compare_medians(
        timed.with_columns(pl.col("author_key").fill_null("(deleted account)")),
        value="cycle",
        cluster="author_key",
        settings=v.statistics,
        metric="cycle time (hours), pooled",
    )
    within = within_engineer(
        engineer_cycle_hours(timed.lazy()),
        "cycle_hours",
        "cycle time (hours), within engineer",
        v.statistics,
        MIN_PRS_EACH,
    )
    return rows, note, CycleComparison(_private(within, v), pooled, size)


def _private(c: Comparison, v: View) -> Comparison:
    """A within-engineer comparison resting on fewer engineers than the privacy minimum is
    not shown (its engineers' own PRs would be all but named)."""
    if not c.ratio.ok or c.ai_engineers >= v.min_group_size:
        return c
    note = f"fewer than {v.min_group_size} engineers to compare (privacy), has {c.ai_engineers}"
    ratio = Estimate.not_enough(c.ai_engineers, c.ratio.prs, c.ratio.level, note)
    return replace(c, ai_median=None, no_marker_median=None, ratio=ratio)


def ratio_change(cur: Comparison | None, prev: Comparison | None, hidden: str = "") -> Change:
    """The change of a ratio of medians (:func:`compare_medians`) from the previous period:
    "not enough data" when either period's ratio is (too few PRs or authors)."""

    def value(c: Comparison | None) -> float | None:
        return c.ratio.value if c is not None and c.ratio.ok else None

    if hidden:
        return change(value(cur), None, hidden=hidden)
    for c, which in ((cur, "this"), (prev, "the previous")):
        if value(c) is None:
            why = "no merged PR with a timeline" if c is None else (c.ratio.note or "undefined")
            return Change(value(cur), value(prev), f"{NOT_ENOUGH}: {why} in {which} period")
    return Change(value(cur), value(prev))


def _stage_row(stages: pl.DataFrame, comparison: str, stage: str = "cycle") -> dict[str, object]:
    return first_row(
        stages.filter((pl.col("comparison") == comparison) & (pl.col("stage") == stage))
    )


def delivery(f: Facts, v: View, by: str) -> DeliveryData:
    """The Delivery page's figures for the view, broken down ``by`` team or repository."""
    period = v.period
    org, org_note, cycle = org_cycle(f, v)
    groups, note = compared(f, f.prs, v, by)
    fold = fold_of(f, v, by)
    activity = fold.apply(grouped_lazy(f.activity, v, by, "at"))
    prs = figure_columns(f.prs)
    prs_by = fold.apply(grouped_lazy(prs, v, by, "merged_at"))
    prs_org = grouped(prs, v, "org", "merged_at").lazy()
    act_org = grouped(f.activity, v, "org", "at").lazy()
    throughput = throughput_by_group(prs_org, act_org, period).collect()
    stages = cycle_time_summary(org.lazy(), period).collect()
    # The previous period: the same functions on the view of the period before.
    before = previous_view(v)
    hidden = previous_hidden(f, v)
    org_before, _, cycle_before = org_cycle(f, before)
    throughput_before = throughput_by_group(prs_org, act_org, before.period).collect()
    stages_before = cycle_time_summary(org_before.lazy(), before.period).collect()
    stats = v.statistics
    changes = {
        "throughput": row_change(
            first_row(throughput), first_row(throughput_before), "throughput", "active_engineers",
            stats.min_engineers, "active engineers", hidden,
        ),
        **{
            key: row_change(
                _stage_row(stages, group), _stage_row(stages_before, group), "median", "n",
                stats.min_prs, "merged PRs with a timeline", hidden,
            )
            for key, group in (("cycle_ai", AI_GROUP), ("cycle_no_marker", NO_MARKER))
        },
        "cycle_within": ratio_change(cycle.within, cycle_before.within, hidden),
        "cycle_ratio": ratio_change(cycle.pooled, cycle_before.pooled, hidden),
    }  # fmt: skip
    return DeliveryData(
        throughput=throughput,
        by_group=throughput_by_group(prs_by.lazy(), activity.lazy(), period).collect(),
        weekly=pr_shares(grouped(prs, v, "week", "merged_at").lazy(), period).collect(),
        stages=stages,
        stages_by_group=cycle_time_summary(groups.lazy(), period).collect(),
        coverage=timeline_coverage(prs_org, period).collect(),
        cycle=cycle,
        prs=org.sort(*NEWEST_FIRST, descending=[True, False, False]).select(PR_TABLE_COLUMNS),
        people=selection_people(f, v),
        privacy=breakdown_note(org_note, note),
        changes=changes,
    )


def cycle_comparison(f: Facts, v: View) -> tuple[CycleComparison, PrivacyNote]:
    """Cycle time and size, AI-assisted vs no marker, in both designs (as the Delivery page)."""
    _, note, comparison = org_cycle(f, v)
    return comparison, note
