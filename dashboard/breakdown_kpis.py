"""Headline figures of the Adoption, Delivery and Quality pages and of Copilot usage, as
shown (:class:`dashboard.components.Kpi`; the Overview's and Cost & ROI's:
:mod:`dashboard.kpis`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from aimetrics.figures.delivery import CycleComparison
from aimetrics.format import (
    MISSING,
    delta_hours,
    delta_number,
    delta_points,
    delta_rate,
    format_estimate,
    format_hours,
    format_interval,
    format_rate,
    format_share,
)
from aimetrics.metrics.change import NOT_ENOUGH, Change
from aimetrics.metrics.like_for_like import MIN_PRS_EACH
from aimetrics.metrics.stats import Comparison, Estimate
from dashboard.components import AI_LABEL, NO_MARKER_LABEL, Kpi
from dashboard.kpis import change_help, changed, idle_kpi

# --- the Adoption, Delivery and Quality pages ---------------------------------------------


def _row(frame: pl.DataFrame) -> dict[str, object]:
    return frame.row(0, named=True) if frame.height else {}


def _points(change: Change) -> tuple[str | None, str]:
    return changed(change, delta_points)


def _share_kpi(
    label: str, value: str, change: Change, n: str, help_: str, color: str = "normal"
) -> Kpi:
    delta, arrow = _points(change)
    return Kpi(
        label, value, delta, color if arrow == "auto" else "off", n,
        f"{help_} {change_help(change, format_share)}", delta_arrow=arrow,
    )  # fmt: skip


WITHOUT_MARKERS_HELP = (
    "AI users whose work in the period carries no AI marker. Copilot completions and chat "
    "leave no marker on a commit or PR; their use is counted from the Copilot usage "
    "reports, seat activity and vendor usage. Counted in the AI users."
)


def adoption_kpis(
    headline: pl.DataFrame,
    agents: pl.DataFrame,
    changes: Mapping[str, Change],
    seats: pl.DataFrame,
    currency: str,
    as_of: dt.date,
) -> list[Kpi]:
    """AI users (the adoption rate), AI use without markers, AI-assisted shares of PRs,
    commits and lines, AI-reviewed share, agent PR share and merge rate, idle seats: each
    with its change vs the previous period (AI use without markers: none, a count)."""
    h = _row(headline)

    def get(name: str) -> int:
        return int(h.get(name) or 0)  # type: ignore[call-overload]

    def share(name: str) -> str:
        return format_share(h.get(name))  # type: ignore[arg-type]

    agent = _row(agents.filter(pl.col("author") == "agent"))
    return [
        _share_kpi(
            "AI users", share("adoption_rate"), changes["adoption_rate"],
            f"{get('ai_users'):,} of {get('active_contributors'):,} active engineers",
            "Active engineers (a merged PR or default-branch commit in the period) with "
            "evidence of AI use in the period / all active engineers. Evidence: an AI marker "
            "on their work, a day of Copilot use in the Copilot usage reports, a seat's last "
            "activity, or vendor usage naming them. A seat held without activity is not use.",
        ),
        Kpi(
            "Without markers", f"{get('ai_users_without_markers'):,}", None, "off",
            f"of {get('ai_users'):,} AI users; {get('marked_contributors'):,} with markers",
            WITHOUT_MARKERS_HELP,
        ),
        _share_kpi(
            "AI-assisted PR share", share("ai_share"), changes["ai_share"],
            f"{get('ai_prs'):,} of {get('merged_prs'):,} merged PRs",
            "Merged PRs with an AI marker (authored or assisted) / all merged PRs.",
        ),
        _share_kpi(
            "AI commit share", share("ai_commit_share"), changes["ai_commit_share"],
            f"{get('ai_commits'):,} of {get('commits'):,} default-branch commits",
            "Default-branch commits with an AI marker / all default-branch commits "
            "(non-AI bots and excluded people left out).",
        ),
        _share_kpi(
            "Marked-PR line share", share("marked_pr_line_share"),
            changes["marked_pr_line_share"],
            f"{get('ai_lines'):,} of {get('lines'):,} lines of merged PRs",
            "Additions + deletions of AI-assisted merged PRs / of all merged PRs.",
        ),
        _share_kpi(
            "AI-reviewed PR share", share("ai_reviewed_share"), changes["ai_reviewed_share"],
            f"{get('ai_reviewed_prs'):,} of {get('merged_prs'):,} merged PRs",
            "Merged PRs with at least one review by an AI reviewer (Copilot, CodeRabbit, ...).",
        ),
        _share_kpi(
            "Agent-authored PR share", share("agent_share"), changes["agent_share"],
            f"{get('agent_prs'):,} of {get('merged_prs'):,} merged PRs",
            "Merged PRs an AI agent authored (it opened the PR, or wrote every commit) / all "
            "merged PRs.",
        ),
        _share_kpi(
            "Agent PR merge rate",
            format_share(agent.get("merge_rate")),  # type: ignore[arg-type]
            changes["agent_merge_rate"],
            f"{int(agent.get('merged') or 0):,} merged, "  # type: ignore[call-overload]
            f"{int(agent.get('closed_unmerged') or 0):,} closed unmerged",  # type: ignore[call-overload]
            "PRs an AI agent authored: merged / (merged + closed without merging) in the period.",
        ),
        idle_kpi(seats, currency, as_of, changes["idle_monthly_cost"]),
    ]  # fmt: skip


def _stage(stages: pl.DataFrame, comparison: str, stage: str = "cycle") -> dict[str, object]:
    return _row(stages.filter((pl.col("comparison") == comparison) & (pl.col("stage") == stage)))


def _hours_kpi(label: str, row: dict[str, object], change: Change) -> Kpi:
    delta, arrow = changed(change, delta_hours)
    return Kpi(
        label,
        format_hours(row.get("median")),  # type: ignore[arg-type]
        delta,
        "inverse" if arrow == "auto" else "off",
        f"{int(row.get('n') or 0):,} PRs · p90 {format_hours(row.get('p90'))}",  # type: ignore[arg-type,call-overload]
        "First commit (authored) to merge, merged PRs of the period. "
        + change_help(change, format_hours),
        delta_arrow=arrow,
    )


def _ratio_kpi(
    label: str, c: Comparison | None, change: Change, n: str, help_: str, arrow: bool = True
) -> Kpi:
    """A ratio of medians AI-assisted / no marker with its interval and its change."""
    ok = c is not None and c.ratio.ok and c.ratio.value is not None
    delta, delta_arrow = changed(change, lambda cur, prev: f"{cur - prev:+.2f}×")
    if not ok:
        n = c.ratio.note if c is not None else "no merged PR with a timeline"
    return Kpi(
        label,
        f"{c.ratio.value:.2f}×" if ok else NOT_ENOUGH,  # type: ignore[union-attr]
        delta,
        "inverse" if arrow and delta_arrow == "auto" else "off",
        n,
        help_ + " " + change_help(change, lambda v: MISSING if v is None else f"{v:.2f}×"),
        format_interval(c.ratio, ".2f", "×") if ok else "",  # type: ignore[union-attr]
        delta_arrow=delta_arrow,
    )


def delivery_kpis(
    throughput: pl.DataFrame,
    stages: pl.DataFrame,
    cycle: CycleComparison,
    changes: Mapping[str, Change],
) -> list[Kpi]:
    """Throughput, median cycle time AI-assisted and no marker, and their ratio within
    engineer (the headline) and pooled (descriptive), each with its CI and its change vs
    the previous period."""
    t = _row(throughput)
    ai, no = _stage(stages, AI_LABEL), _stage(stages, NO_MARKER_LABEL)
    rate_delta, rate_arrow = changed(changes["throughput"], delta_rate)
    w, p = cycle.within, cycle.pooled
    return [
        Kpi(
            "PRs per engineer-week",
            format_rate(t.get("throughput")),  # type: ignore[arg-type]
            rate_delta, "normal" if rate_arrow == "auto" else "off",
            f"{int(t.get('merged_prs') or 0):,} PRs · "  # type: ignore[call-overload]
            f"{int(t.get('active_engineers') or 0):,} active engineers",  # type: ignore[call-overload]
            "Merged PRs / active engineers / weeks in the period. "
            + change_help(changes["throughput"], format_rate),
            delta_arrow=rate_arrow,
        ),
        _hours_kpi(f"Median cycle time, {AI_LABEL}", ai, changes["cycle_ai"]),
        _hours_kpi(f"Median cycle time, {NO_MARKER_LABEL}", no, changes["cycle_no_marker"]),
        _ratio_kpi(
            "Cycle time, AI ÷ no marker, same engineers",
            w,
            changes["cycle_within"],
            f"{w.ai_engineers:,} engineers, their own PRs compared" if w is not None else "",
            f"Each engineer's AI-assisted PRs against their own no-marker PRs (engineers with "
            f"{MIN_PRS_EACH}+ of each): the ratio of median cycle times relative to each "
            "engineer's own, with a bootstrap interval that resamples engineers (below 1: "
            "AI-assisted PRs are faster).",
        ),
        _ratio_kpi(
            "Cycle time ratio, pooled, unadjusted (descriptive)",
            p,
            changes["cycle_ratio"],
            f"{p.ai_prs:,} AI-assisted / {p.no_marker_prs:,} PRs" if p is not None else "",
            "All AI-assisted PRs' median cycle time / all no-marker PRs', with a bootstrap "
            "interval that resamples engineers. Descriptive: it mixes who uses AI (teams with "
            "their own review habits, task sizes) with what AI does.",
            arrow=False,
        ),
    ]  # fmt: skip


POOLED_NOTE = (
    "Pooled, unadjusted (descriptive): all AI-assisted PRs against all no-marker PRs, so it "
    "mixes who uses AI (teams, tasks) with what AI does."
)


def quality_kpis(
    summary: pl.DataFrame, revert: Estimate, unreviewed: Estimate, changes: Mapping[str, Change]
) -> list[Kpi]:
    """Revert rate, unreviewed merges, PR size and changes requested: AI-assisted, with the
    no-marker figure (and the difference with its interval) beneath, and the change of the
    AI-assisted figure vs the previous period."""
    ai = _row(summary.filter(pl.col("comparison") == AI_LABEL))
    no = _row(summary.filter(pl.col("comparison") == NO_MARKER_LABEL))

    def n(row: dict[str, object], column: str = "merged_prs") -> str:
        return f"{int(row.get(column) or 0):,}"  # type: ignore[call-overload]

    def share_of(row: dict[str, object], column: str) -> str:
        return format_share(row.get(column))  # type: ignore[arg-type]

    def lines(value: object) -> str:
        return MISSING if value is None else f"{value:,.0f}"

    size = changes["median_lines"]
    size_delta, size_arrow = changed(size, lambda c, p: f"{c - p:+,.0f} lines")
    return [
        _share_kpi(
            "Revert rate, AI-assisted", share_of(ai, "revert_rate"), changes["revert_rate"],
            f"{n(ai)} PRs · {NO_MARKER_LABEL}: {share_of(no, 'revert_rate')} of {n(no)} · "
            f"pooled difference {format_estimate(revert, ' pp')}",
            "Merged PRs that a later revert references / merged PRs. The difference "
            "(AI-assisted minus no marker) has a bootstrap interval that resamples authors. "
            + POOLED_NOTE,
            "inverse",
        ),
        _share_kpi(
            "No human review, AI-assisted", share_of(ai, "unreviewed_share"),
            changes["unreviewed_share"],
            f"{n(ai)} PRs · {NO_MARKER_LABEL}: {share_of(no, 'unreviewed_share')} · "
            f"pooled difference {format_estimate(unreviewed, ' pp')}",
            "Merged PRs without a review by a human other than the author before the merge "
            "(bots and AI reviewers do not count). " + POOLED_NOTE,
            "inverse",
        ),
        Kpi(
            "Median PR size, AI-assisted",
            f"{lines(ai.get('median_lines'))} lines",
            size_delta, "off", f"{NO_MARKER_LABEL}: {lines(no.get('median_lines'))} lines",
            "Median additions + deletions of merged PRs. "
            + change_help(size, lambda v: f"{lines(v)} lines"),
            delta_arrow=size_arrow,
        ),
        _share_kpi(
            "Changes requested, AI-assisted", share_of(ai, "rounds_share"),
            changes["rounds_share"],
            f"{n(ai, 'reviewed_prs')} reviewed PRs · {NO_MARKER_LABEL}: "
            f"{share_of(no, 'rounds_share')} of {n(no, 'reviewed_prs')}",
            "Human-reviewed merged PRs with at least one CHANGES_REQUESTED review by a human.",
            "off",
        ),
    ]  # fmt: skip


# --- Copilot usage (the Adoption page) ---------------------------------------------------


def copilot_kpis(figures: pl.DataFrame, changes: Mapping[str, Change]) -> list[Kpi]:
    """Active and engaged users, acceptance rate, lines accepted: each vs the previous period."""
    row = _row(figures)

    def count(name: str, decimals: int = 0) -> str:
        value = row.get(name)
        return MISSING if value is None else f"{value:,.{decimals}f}"

    def kpi(label: str, name: str, decimals: int, n: str, help_: str) -> Kpi:
        fmt = f",.{decimals}f"
        delta, arrow = changed(changes[name], lambda c, p: delta_number(c, p, decimals))
        return Kpi(
            label, count(name, decimals), delta, "normal" if arrow == "auto" else "off", n,
            f"{help_} " + change_help(
                changes[name], lambda v: MISSING if v is None else f"{v:{fmt}}"
            ),
            delta_arrow=arrow,
        )  # fmt: skip

    days = f"{int(row.get('days') or 0):,} reported days"  # type: ignore[call-overload]
    rate_delta, rate_arrow = _points(changes["acceptance_rate"])
    return [
        kpi("Copilot active users per day", "active_users", 1, days,
            "Users with Copilot activity on a day (GitHub's usage report), averaged over the "
            "period's reported days."),
        kpi("Copilot engaged users per day", "engaged_users", 1, days,
            "Of the active users, those who sent a prompt or accepted a suggestion that day "
            "(from the per-user report), averaged over the reported days."),
        Kpi(
            "Copilot acceptance rate",
            format_share(row.get("acceptance_rate")),  # type: ignore[arg-type]
            rate_delta, "normal" if rate_arrow == "auto" else "off",
            f"{count('acceptances')} of {count('suggestions')} suggestions",
            "Accepted suggestions (apply, insert, copy) / code suggestions shown, in the "
            "period. " + change_help(changes["acceptance_rate"], format_share),
            delta_arrow=rate_arrow,
        ),
        kpi("Lines added from Copilot", "lines_accepted", 0,
            f"of {count('lines_suggested')} lines suggested",
            "Lines added in the editor from Copilot's suggestions and edits in the period."),
    ]  # fmt: skip
