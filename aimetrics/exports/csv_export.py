"""``aimetrics export csv``: the dashboard's tables as CSV files, with a manifest.

One file per table the dashboard shows (:func:`tables`), with the metric functions'
own columns and full-precision values (shares as fractions, hours as hours, times in
UTC, lists joined with "; "), so a spreadsheet gets the figures, not their rounding.
Privacy is the dashboard's: groups under ``privacy.min_group_size`` are folded into
"Other (small groups)" or left out, small AI / no-marker cells are dropped, a
selection of 1 .. min_group_size − 1 engineers withholds its Adoption, Delivery and
Quality tables (header only), and per-person rows are written only with
``privacy.show_individuals``. ``manifest.json`` says what was exported and left out.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from aimetrics.exports.ai_lines_tables import ai_line_tables
from aimetrics.exports.copilot_phase_tables import copilot_phase_tables
from aimetrics.exports.csv_tables import (
    HISTORY,
    NO_REPO_SPEND,
    SELECTION,
    SPEND,
    STORE,
    Table,
    comparison_rows,
    copilot_tables,
    dose_rows,
    estimate_rows,
    flat,
    roi_frames,
    run_rate_row,
    uplift_rows,
)
from aimetrics.exports.evidence_tables import evidence_tables
from aimetrics.exports.manifest import manifest
from aimetrics.figures.compute import BREAKDOWNS, Figures
from aimetrics.figures.copilot import CopilotUsageData
from aimetrics.metrics.like_for_like import MIN_PRS_EACH, POOLED, WITHIN_ENGINEER
from aimetrics.metrics.privacy import individual_rows

MANIFEST = "manifest.json"  # written by aimetrics.exports.manifest.manifest


def tables(f: Figures, copilot: CopilotUsageData | None = None) -> list[Table]:
    """Every table of the export, page by page in the dashboard's order (with ``copilot``,
    the Seats & usage page's Copilot usage tables: :func:`copilot_tables`)."""
    out: list[Table] = []
    repo_filter = bool(f.selection.repositories)

    def add(name: str, frame: pl.DataFrame, description: str, scope: str, page: str) -> None:
        withheld = ""
        if f.withheld and page != "data":  # the dashboard shows nothing else for it
            withheld = (
                f"the selection has {f.people} active engineer(s), fewer than "
                f"privacy.min_group_size = {f.view.min_group_size}"
            )
        elif scope == SPEND and repo_filter:
            withheld = NO_REPO_SPEND
        out.append(
            Table(name, frame.clear() if withheld else frame, description, scope, page, withheld)
        )

    o, sp, team = f.overview, f.spend, f.adoption["team"]
    u = o.uncertainty
    add(
        "overview-kpis",
        sp.figures,
        "Headline figures, this period and the one before: merged PRs, AI-assisted share, "
        "active engineers, throughput (PRs per engineer-week), spend (spend_billed: from "
        "invoices or billing exports; spend_estimated: seat plans from configuration, seats "
        "priced by plan, unbilled usage; they add up to spend) and cost per merged PR ('end' "
        "is exclusive; spend and cost are empty under a repository filter).",
        SELECTION,
        "overview",
    )
    add(
        "kpi-intervals",
        estimate_rows(
            [
                ("ai_share", u.ai_share),
                ("ai_share_change", u.ai_share_change),
                ("throughput", u.throughput),
                ("throughput_change", u.throughput_change),
            ]
        ),
        "Engineer-bootstrap intervals of the AI-assisted share and throughput and of their "
        "change from the previous period.",
        SELECTION,
        "overview",
    )
    add(
        "weekly-trend",
        o.trend,
        "Per week of the year up to the period's end: merged PRs, AI-assisted share, active "
        "engineers, throughput (full weeks).",
        SELECTION,
        "overview",
    )
    add(
        "rollouts",
        o.rollouts,
        "When each AI tool was rolled out (its first seat).",
        SELECTION,
        "overview",
    )
    add(
        "team-map",
        f.teams.map,
        "Per team: engineers, merged PRs, AI spend per engineer and per merged PR, and the "
        "measured throughput change (percent, with its interval) of its engineers.",
        SELECTION,
        "overview",
    )

    add(
        "team-actions",
        f.team_actions,
        "Per team, sorted by AI spend: engineers, AI users, AI-assisted share, spend per "
        "engineer a month, idle seats and their monthly cost, the measured throughput change "
        "(percent, the team map's) and the within-engineer cycle-time ratio (the Delivery "
        "page's under the team's filter), each with its interval or the reason it is missing.",
        SELECTION,
        "overview",
    )
    add(
        "adoption-summary",
        team.headline,
        "Active engineers; AI users (evidence of AI use in the period: markers, Copilot "
        "usage reports, seat activity, vendor usage), of them without AI markers, engineers "
        "with AI markers; adoption_rate = ai_users / active_contributors; AI-assisted shares "
        "of merged PRs, commits and changed lines (marked_pr_line_share: every line of a "
        "marked PR; the AI-written share is ai-written-summary's).",
        SELECTION,
        "adoption",
    )
    for by in BREAKDOWNS:
        a = f.adoption[by]
        add(
            f"adoption-by-{by}",
            a.by_group,
            f"The adoption figures per {by}: an engineer active in the {by} counts as an AI "
            f"user there when they are one in the period (evidence is per person, not per {by})"
            f"; without markers: no AI marker on their work in the {by}.",
            SELECTION,
            "adoption",
        )
        add(
            f"adoption-by-{by}-monthly",
            a.trend,
            f"AI-assisted share of merged PRs per {by} and month.",
            SELECTION,
            "adoption",
        )
    add(
        "adoption-by-tool",
        team.tools,
        "AI-assisted merged PRs per tool (primary tool) and their share of all merged PRs.",
        SELECTION,
        "adoption",
    )
    add("adoption-by-tool-weekly", team.tools_weekly, "The same per week.", SELECTION, "adoption")
    add(
        "adoption-cohorts",
        team.cohorts,
        "Engineers by the share of their merged PRs that are AI-assisted (none, light, heavy);"
        " PR counts of cohorts under privacy.min_group_size left empty.",
        SELECTION,
        "adoption",
    )
    add(
        "agent-outcomes",
        team.agents,
        "PRs opened, merged and closed unmerged by who wrote them (agent, AI-assisted, no "
        "marker), and the merge rate.",
        SELECTION,
        "adoption",
    )
    add(
        "seats-over-time",
        team.seats_weekly,
        "Seats assigned per tool, first day of each week.",
        SELECTION,
        "adoption",
    )
    for row in ai_line_tables(f):
        add(*row)
    if copilot is not None:
        out += copilot_tables(copilot)
    if f.copilot_phases is not None:  # copilot-adoption-phases.csv (exports/copilot_phase_tables)
        out += copilot_phase_tables(f.copilot_phases, f.view.min_group_size)

    d, q = f.delivery["team"], f.quality["team"]
    add(
        "throughput",
        d.throughput,
        "Merged PRs per active engineer per week.",
        SELECTION,
        "delivery",
    )
    add(
        "delivery-weekly",
        d.weekly,
        "Merged PRs per week, AI-assisted and not.",
        SELECTION,
        "delivery",
    )
    add(
        "cycle-time-stages",
        d.stages,
        "Cycle time and its stages in hours (p10 … p90), AI-assisted vs no marker.",
        SELECTION,
        "delivery",
    )
    add(
        "timeline-coverage",
        d.coverage,
        "Merged PRs with a known timeline, git-only ones, and those of them with a cycle time.",
        SELECTION,
        "delivery",
    )
    for by in BREAKDOWNS:
        add(
            f"throughput-by-{by}",
            f.delivery[by].by_group,
            f"Throughput per {by}.",
            SELECTION,
            "delivery",
        )
        add(
            f"cycle-time-by-{by}",
            f.delivery[by].stages_by_group,
            f"Cycle time and its stages per {by}.",
            SELECTION,
            "delivery",
        )
    add(
        "merged-prs",
        d.prs,
        "The merged PRs behind the figures (hours per stage), each with its GitHub link.",
        SELECTION,
        "delivery",
    )

    add(
        "quality-summary",
        q.summary,
        "Revert rate, median size, merged without human review, review rounds: AI-assisted "
        "vs no marker.",
        SELECTION,
        "quality",
    )
    for by in BREAKDOWNS:
        add(
            f"quality-by-{by}",
            f.quality[by].by_group,
            f"The quality figures per {by}.",
            SELECTION,
            "quality",
        )
    add(
        "pr-size-distribution",
        q.sizes,
        "Share of merged PRs per size bucket.",
        SELECTION,
        "quality",
    )
    add(
        "review-rounds",
        q.rounds,
        "Changes requested per human-reviewed PR (0, 1, 2, 3+).",
        SELECTION,
        "quality",
    )
    add(
        "reverted-prs",
        q.reverted,
        "Merged PRs a later revert references, with links.",
        SELECTION,
        "quality",
    )
    cycle_measure = "cycle time ratio, AI-assisted / no marker"
    ratios = [
        (cycle_measure, WITHIN_ENGINEER, "current", o.cycle.within),
        (cycle_measure, WITHIN_ENGINEER, "previous", o.cycle_previous.within),
        (cycle_measure, POOLED, "current", o.cycle.pooled),
        (cycle_measure, POOLED, "previous", o.cycle_previous.pooled),
        (
            "PR size ratio (lines), AI-assisted / no marker",
            WITHIN_ENGINEER,
            "current",
            o.cycle.size,
        ),
    ]
    add(
        "comparisons",
        pl.concat(
            [
                comparison_rows(ratios),
                estimate_rows(
                    [
                        ("revert rate difference, AI-assisted - no marker (pp)", q.revert_diff),
                        (
                            "merged without human review difference, AI-assisted - no marker (pp)",
                            q.unreviewed_diff,
                        ),
                    ]
                ).with_columns(pl.lit(POOLED).alias("design"), pl.lit("current").alias("period")),
            ],
            how="diagonal",
        ),
        "AI-assisted vs no marker with the engineer-bootstrap interval, or 'not enough data' "
        "(status) with the reason (note). design 'within engineer': each engineer's AI-assisted "
        f"PRs against their own no-marker PRs (engineers with {MIN_PRS_EACH}+ of each, counted in "
        "ai_engineers), the headline; 'pooled': everyone's PRs together, descriptive only (it "
        "mixes who uses AI with what AI does).",
        SELECTION,
        "quality",
    )

    add(
        "spend-by-tool-month",
        sp.by_month,
        f"AI spend in {f.currency} per tool, whole calendar month, component and the basis "
        "it was taken from (billed, api_seats, seat_plan, estimate): amount (the part on the "
        "period's days; the rows add up to the period's spend), month_amount (the whole "
        "month) and partial (the month reaches outside the period).",
        SPEND,
        "cost",
    )
    add(
        "run-rate",
        run_rate_row(sp.run_rate),
        f"Monthly run rate in {sp.run_rate.currency} on as_of (the period's last day): the "
        "seats held that day at their monthly price (seats_monthly) plus the usage charges "
        "of the 30 days up to it (usage_30_days); of the selected tools, for the whole "
        "organization (not split by team).",
        "the selected tools, the whole organization",
        "cost",
    )
    add(
        "seat-utilization",
        sp.seats,
        "Per tool on the period's last day: seats assigned, used in the last 30 days, idle, "
        "utilization, and the idle seats' monthly cost (what could be reclaimed).",
        SELECTION,
        "cost",
    )
    add(
        "idle-seat-holders",
        individual_rows(sp.idle, f.view.show_individuals),
        "Seats to reclaim: each idle seat (a tool that reports use per holder, no use in 30 "
        "days, not new) with its holder, team, last day of use seen, days idle and monthly "
        "cost (per-person rows: written only with privacy.show_individuals).",
        SELECTION,
        "cost",
    )
    add(
        "budgets",
        f.budgets,
        "Each configured budget (budgets:) for the month of the last day with data: spend to "
        "date, daily run rate, month-end forecast, gap (budget - forecast) and status.",
        STORE,
        "cost",
    )
    roi, inputs, assumptions = roi_frames(f)
    add(
        "roi",
        roi,
        f"Value of AI in {f.money.roi.currency}, both methods, this period and the one before: "
        "capacity_engineer_equivalents (measured: extra PRs / (baseline PRs per "
        "engineer-week x weeks), capacity, not headcount), value_per_spend (value per unit "
        "of spend; its low end is the conservative claim), hours, value, ROI ((value - "
        "spend) / spend) and payback days, each with its interval or 'not enough data'.",
        SPEND,
        "cost",
    )
    add("roi-inputs", inputs, "The inputs each ROI method used.", SPEND, "cost")
    add("roi-assumptions", assumptions, "Each method's assumptions in plain words.", SPEND, "cost")
    add(
        "uplift",
        uplift_rows(f),
        "Measured throughput uplift: the adopters' merged PRs after adoption / what their "
        "own baseline predicts when moved like not-yet-adopted colleagues' (stacked "
        "difference-in-differences). adoption_basis 'preferred' is the headline (adoption "
        "dated by the seat, else the first evidence of use, else the first AI change); the "
        "other rows date adoption by that basis alone (the sensitivity). A team filter "
        "narrows who is treated, never who is compared; a tool filter changes nothing here.",
        HISTORY,
        "cost",
    )
    add(
        "tool-shares",
        f.tool_shares.weights,
        "Each tool's share of the measured value in the period: the AI-user weeks of the "
        "selection's active people per tool (an engineer using k tools in a week gives 1/k "
        "to each; evidence without a tool is 'unspecified'); weights sum to 1. Under a tool "
        "filter the measured value is the organization's times the selected tools' weight.",
        SPEND,
        "cost",
    )
    add(
        "dose-response",
        dose_rows(f.measured.dose),
        "Correlational, not a causal dose: the adopters' throughput change (observed / "
        "expected merged PRs, the uplift's own terms) by intensity of AI use (share of their "
        "effect window's weeks with evidence of use), with an engineer bootstrap interval; "
        "bins with too few adopters folded into a neighbour, 'not enough data' if still few.",
        HISTORY,
        "cost",
    )

    data = f.data
    add("freshness", data.freshness, "When each source was last collected.", STORE, "data")
    add("sync-state", data.sync, "Every collected scope.", STORE, "data")
    add(
        "coverage-by-repository",
        data.coverage,
        "Merged PRs and commits with and without an AI marker per repository.",
        SELECTION,
        "data",
    )
    add(
        "coverage-by-tool",
        data.tools,
        "Merged PRs and commits each tool marked.",
        SELECTION,
        "data",
    )
    add(
        "tagged-changes",
        data.tags,
        "Every AI marker in the period: rule, confidence and matched text (people's names "
        "and e-mails masked unless privacy.show_individuals).",
        SELECTION,
        "data",
    )
    add(
        "unresolved-identities",
        data.unresolved,
        "Commit e-mails no person resolves to (rows only with privacy.show_individuals).",
        STORE,
        "data",
    )
    out += evidence_tables(f)  # ai-evidence.csv, marker-coverage.csv (exports/evidence_tables.py)
    return out


def write_csv_export(
    f: Figures, out: Path, copilot: CopilotUsageData | None = None
) -> dict[str, object]:
    """Write every table of :func:`tables` into directory ``out`` and ``manifest.json``;
    returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    written = tables(f, copilot)
    for t in written:
        flat(t.frame).write_csv(out / f"{t.name}.csv")
    info = manifest(f, written)
    (out / MANIFEST).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return info
