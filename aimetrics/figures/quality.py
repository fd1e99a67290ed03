"""The Quality page's figures: reverts, reviews, sizes and review rounds."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimetrics.figures.delivery import NEWEST_FIRST
from aimetrics.figures.facts import Facts
from aimetrics.figures.folds import PrivacyNote, breakdown_note, compared
from aimetrics.figures.selection import first_row, previous_hidden, selection_people
from aimetrics.figures.view import View, previous_view
from aimetrics.metrics.change import Change, row_change
from aimetrics.metrics.quality import (
    compare_rates,
    quality_summary,
    rounds_distribution,
    size_distribution,
)
from aimetrics.metrics.stats import Estimate
from aimetrics.vocabulary import AI_GROUP

REVERTED_COLUMNS = (
    "merged_at", "reverted_at", "repository", "number", "title", "comparison", "ai_tool", "url",
)  # fmt: skip


@dataclass(frozen=True)
class QualityData:
    summary: pl.DataFrame  # quality_summary (org)
    by_group: pl.DataFrame  # quality_summary per group
    sizes: pl.DataFrame  # size_distribution (org)
    rounds: pl.DataFrame  # rounds_distribution (org)
    reverted: pl.DataFrame  # the reverted PRs (REVERTED_COLUMNS)
    revert_diff: Estimate  # revert rate, AI-assisted minus no marker (pp)
    unreviewed_diff: Estimate  # merged without a human review, AI minus no marker (pp)
    people: int
    privacy: PrivacyNote
    changes: dict[str, Change]  # QUALITY_CHANGES of the AI-assisted PRs vs the previous period


# Quality's headline figures (AI-assisted PRs): value column -> (sample column, unit).
QUALITY_CHANGES = {
    "revert_rate": ("merged_prs", "merged PRs"),
    "unreviewed_share": ("merged_prs", "merged PRs"),
    "median_lines": ("merged_prs", "merged PRs"),
    "rounds_share": ("reviewed_prs", "reviewed PRs"),
}


def quality(f: Facts, v: View, by: str) -> QualityData:
    """The Quality page's figures for the view, broken down ``by`` team or repository."""
    period = v.period
    org, org_note = compared(f, f.prs, v, "org")
    groups, note = compared(f, f.prs, v, by)
    lazy = org.lazy()
    summary = quality_summary(lazy, period).collect()
    before = previous_view(v)
    org_before, _ = compared(f, f.prs, before, "org")
    summary_before = quality_summary(org_before.lazy(), before.period).collect()
    hidden = previous_hidden(f, v)

    def ai(frame: pl.DataFrame) -> dict[str, object]:
        return first_row(frame.filter(pl.col("comparison") == AI_GROUP))

    changes = {
        value: row_change(
            ai(summary), ai(summary_before), value, sample, v.statistics.min_prs, unit, hidden
        )
        for value, (sample, unit) in QUALITY_CHANGES.items()
    }
    return QualityData(
        summary=summary,
        by_group=quality_summary(groups.lazy(), period).collect(),
        sizes=size_distribution(lazy, period).collect(),
        rounds=rounds_distribution(lazy, period).collect(),
        reverted=org.filter(pl.col("reverted_at").is_not_null())
        .sort(*NEWEST_FIRST, descending=[True, False, False])
        .select(REVERTED_COLUMNS),
        revert_diff=compare_rates(org, pl.col("reverted_at").is_not_null(), v.statistics),
        unreviewed_diff=compare_rates(org, pl.col("human_reviews").fill_null(0) == 0, v.statistics),
        people=selection_people(f, v),
        privacy=breakdown_note(org_note, note),
        changes=changes,
    )
