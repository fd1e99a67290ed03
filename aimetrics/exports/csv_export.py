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
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import polars as pl

from aimetrics.exports.figures import BREAKDOWNS, Figures
from aimetrics.metrics.facts import CopilotUsageData, PrivacyNote
from aimetrics.metrics.privacy import individual_rows
from aimetrics.metrics.roi import RoiFigures
from aimetrics.metrics.stats import Comparison, Estimate

MANIFEST = "manifest.json"

# What each table's rows depend on besides the period (the manifest says it per file).
SELECTION = "the selection (teams, repositories, tools)"
SPEND = (
    "the selection's teams and tools (spend is not attributed to repositories: "
    "no rows under a repository filter)"
)
HISTORY = "the selection, over its whole history (not only the period)"
STORE = "the whole store"
NO_REPO_SPEND = "spend is not attributed to repositories, and a repository filter is set"

ESTIMATE_COLUMNS = {
    "measure": pl.String,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "level": pl.Float64,
    "status": pl.String,
    "note": pl.String,
    "engineers": pl.Int64,
    "prs": pl.Int64,
}


@dataclass(frozen=True)
class Table:
    """One CSV file: its name (without ``.csv``), rows, what it is and what it covers."""

    name: str
    frame: pl.DataFrame
    description: str
    scope: str
    section: str  # the dashboard page it comes from
    withheld: str = ""  # why its rows are not written (privacy), else ""


def aimetrics_version() -> str:
    try:
        return version("aimetrics")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def flat(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as written to CSV: list columns joined with "; " (as the dashboard's CSV)."""
    return frame.with_columns(
        pl.col(c).list.join("; ") for c, t in frame.schema.items() if isinstance(t, pl.List)
    )


def estimate_rows(items: list[tuple[str, Estimate]]) -> pl.DataFrame:
    """Estimates as rows: value with its interval, or ``not enough data`` and the reason."""
    rows = [
        {
            "measure": measure,
            "value": est.value,
            "low": est.low,
            "high": est.high,
            "level": est.level,
            "status": est.status,
            "note": est.note,
            "engineers": est.engineers,
            "prs": est.prs,
        }
        for measure, est in items
    ]
    return pl.DataFrame(rows, schema=ESTIMATE_COLUMNS)


def comparison_rows(items: list[tuple[str, Comparison | None]]) -> pl.DataFrame:
    """Ratios of medians (AI-assisted / no marker) with each side's median and sample."""
    frames = []
    for measure, c in items:
        if c is None:
            continue
        frames.append(
            estimate_rows([(measure, c.ratio)]).with_columns(
                pl.lit(c.ai_median, pl.Float64).alias("ai_median"),
                pl.lit(c.no_marker_median, pl.Float64).alias("no_marker_median"),
                pl.lit(c.ai_prs, pl.Int64).alias("ai_prs"),
                pl.lit(c.no_marker_prs, pl.Int64).alias("no_marker_prs"),
                pl.lit(c.ai_engineers, pl.Int64).alias("ai_engineers"),
                pl.lit(c.no_marker_engineers, pl.Int64).alias("no_marker_engineers"),
            )
        )
    return pl.concat(frames) if frames else comparison_rows([("", _EMPTY)]).clear()


_EMPTY = Comparison("", None, None, Estimate.not_enough(0, 0, 0.0, ""), 0, 0, 0, 0)


def roi_rows(methods: tuple[RoiFigures, ...]) -> pl.DataFrame:
    """Both ROI methods: hours, value, ROI and payback, each with its interval."""
    frames = [
        estimate_rows(
            [
                ("hours", m.hours),
                ("value", m.value),
                ("roi", m.roi),
                ("payback_days", m.payback_days),
            ]
        ).select(
            pl.lit(m.method).alias("method"),
            pl.all(),
            pl.lit(m.spend, pl.Float64).alias("spend"),
            pl.lit(m.currency).alias("currency"),
            pl.lit("; ".join(m.other_currencies)).alias("other_currencies"),
        )
        for m in methods
    ]
    return pl.concat(frames)


def roi_inputs(methods: tuple[RoiFigures, ...]) -> pl.DataFrame:
    rows = [(m.method, k, float(v)) for m in methods for k, v in m.inputs.items()]
    return pl.DataFrame(
        rows, schema={"method": pl.String, "input": pl.String, "value": pl.Float64}, orient="row"
    )


def roi_assumptions(methods: tuple[RoiFigures, ...]) -> pl.DataFrame:
    rows = [(m.method, i, a) for m in methods for i, a in enumerate(m.assumptions, 1)]
    return pl.DataFrame(
        rows, schema={"method": pl.String, "n": pl.Int64, "assumption": pl.String}, orient="row"
    )


def uplift_row(f: Figures) -> pl.DataFrame:
    """The measured throughput uplift (ratio) with what it rests on."""
    u = f.measured.uplift
    return estimate_rows([("throughput uplift (ratio)", u.estimate)]).with_columns(
        pl.lit(u.treated_engineers, pl.Int64).alias("adopting_engineers"),
        pl.lit(u.comparison_engineers, pl.Int64).alias("comparison_engineers"),
        pl.lit(u.cohorts, pl.Int64).alias("cohorts"),
        *(
            pl.lit(n, pl.Int64).alias(f"basis_{b.lower().replace(' ', '_')}")
            for b, n in u.basis.items()
        ),
        pl.lit(u.observed_prs, pl.Float64).alias("observed_prs"),
        pl.lit(u.expected_prs, pl.Float64).alias("expected_prs"),
        pl.lit(u.baseline_rate, pl.Float64).alias("baseline_prs_per_engineer_week"),
        pl.lit(u.pre_weeks, pl.Int64).alias("baseline_weeks"),
        pl.lit(u.post_weeks, pl.Int64).alias("effect_weeks"),
    )


def _roi_frames(f: Figures) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """ROI of both methods, this period and the one before; their inputs; assumptions."""
    figures, inputs = [], []
    for label, roi in (("current", f.roi), ("previous", f.roi_previous)):
        if roi is None:
            continue
        methods = (roi.measured, roi.assumed)
        figures.append(roi_rows(methods).select(pl.lit(label).alias("period"), pl.all()))
        inputs.append(roi_inputs(methods).select(pl.lit(label).alias("period"), pl.all()))
    if f.roi is None:  # the schema, no rows
        empty = _EMPTY_ROI
        return (
            roi_rows(empty).select(pl.lit("").alias("period"), pl.all()).clear(),
            roi_inputs(empty).select(pl.lit("").alias("period"), pl.all()).clear(),
            roi_assumptions(empty).clear(),
        )
    return (
        pl.concat(figures),
        pl.concat(inputs),
        roi_assumptions((f.roi.measured, f.roi.assumed)),
    )


_NONE = Estimate.not_enough(0, 0, 0.0, "")
_EMPTY_ROI = (RoiFigures("", (), _NONE, _NONE, _NONE, _NONE, 0.0, ""),)


def copilot_tables(usage: CopilotUsageData) -> list[Table]:
    """The Adoption page's Copilot usage tables (:func:`aimetrics.metrics.facts.copilot_usage`):
    no rows, with the reason, when the page shows none (no reports, filters, privacy)."""
    withheld = usage.status
    scope = (
        "the selected teams' members (per-user reports)" if usage.users_only else "the organization"
    )
    items = [
        ("copilot-usage-summary", usage.figures,
         "Copilot usage in the period: reported days, active and engaged users per day (mean), "
         "suggestions, acceptances, acceptance rate, lines suggested and accepted, prompts."),
        ("copilot-usage-weekly", usage.weekly, "The same per week (weeks clipped to the period)."),
        ("copilot-usage-by-editor", usage.by_editor,
         "Per editor: users, suggestions, acceptances, acceptance rate and lines (groups under "
         "privacy.min_group_size users folded)."),
        ("copilot-usage-by-feature", usage.by_feature, "The same per Copilot feature."),
        ("copilot-usage-by-language", usage.by_language, "The same per language."),
        ("copilot-usage-by-user", usage.users,
         "Per user (only with privacy.show_individuals): days active and the same figures."),
    ]  # fmt: skip
    return [
        Table(name, frame.clear() if withheld else frame, text, scope, "adoption", withheld)
        for name, frame, text in items
    ]


def tables(f: Figures, copilot: CopilotUsageData | None = None) -> list[Table]:
    """Every table of the export, page by page in the dashboard's order (with ``copilot``,
    the Adoption page's Copilot usage tables: :func:`copilot_tables`)."""
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
        "active engineers, throughput (PRs per engineer-week), spend and cost per merged "
        "PR ('end' is exclusive; spend and cost are empty under a repository filter).",
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
        "adoption-summary",
        team.headline,
        "Engineers using AI; AI-assisted shares of merged PRs, commits and changed lines.",
        SELECTION,
        "adoption",
    )
    for by in BREAKDOWNS:
        a = f.adoption[by]
        add(
            f"adoption-by-{by}",
            a.by_group,
            f"The adoption figures per {by}.",
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
    if copilot is not None:
        out += copilot_tables(copilot)

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
    add(
        "comparisons",
        pl.concat(
            [
                comparison_rows(
                    [
                        ("cycle time ratio, AI-assisted / no marker", o.cycle),
                        ("cycle time ratio, previous period", o.cycle_previous),
                    ]
                ),
                estimate_rows(
                    [
                        ("revert rate difference, AI-assisted - no marker (pp)", q.revert_diff),
                        (
                            "merged without human review difference, AI-assisted - no marker (pp)",
                            q.unreviewed_diff,
                        ),
                    ]
                ),
            ],
            how="diagonal",
        ),
        "AI-assisted vs no marker with the engineer-bootstrap interval, or 'not enough data' "
        "(status) with the reason (note).",
        SELECTION,
        "quality",
    )

    add(
        "spend-by-tool-month",
        sp.by_month,
        f"AI spend in {f.currency} per tool, month, component and the basis it was taken "
        "from (billed, api_seats, seat_plan, estimate).",
        SPEND,
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
        "idle-seats",
        individual_rows(sp.idle, f.view.show_individuals),
        "Each idle seat with its monthly cost (per-person rows: written only with "
        "privacy.show_individuals).",
        SELECTION,
        "cost",
    )
    roi, inputs, assumptions = _roi_frames(f)
    add(
        "roi",
        roi,
        f"ROI in {f.money.roi.currency}, both methods, this period and the one before: hours, "
        "value, ROI ((value - spend) / spend) and payback days, each with its interval or "
        "'not enough data'.",
        SPEND,
        "cost",
    )
    add("roi-inputs", inputs, "The inputs each ROI method used.", SPEND, "cost")
    add("roi-assumptions", assumptions, "Each method's assumptions in plain words.", SPEND, "cost")
    add(
        "uplift",
        uplift_row(f),
        "Measured throughput uplift: the adopters' merged PRs after adoption / what their "
        "own baseline predicts when moved like not-yet-adopted colleagues' (stacked "
        "difference-in-differences).",
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
    return out


def _privacy(f: Figures) -> dict[str, object]:
    """What privacy left out, per page and breakdown (as the dashboard's notes say it)."""
    notes: dict[str, PrivacyNote] = {
        "overview cycle time": f.overview.privacy,
        "team map": f.teams.privacy,
        **{f"adoption by {by}": f.adoption[by].privacy for by in BREAKDOWNS},
        **{f"delivery by {by}": f.delivery[by].privacy for by in BREAKDOWNS},
        **{f"quality by {by}": f.quality[by].privacy for by in BREAKDOWNS},
        "data by repository": f.data.privacy,
    }
    return {
        "min_group_size": f.view.min_group_size,
        "show_individuals": f.view.show_individuals,
        "selection_engineers": f.people,
        "selection_withheld": f.withheld,
        "left_out": {
            name: {
                "folded": list(n.folded),
                "other_hidden": n.other_hidden,
                "hidden_cells": list(n.hidden_cells),
                "note": n.text(),
            }
            for name, n in notes.items()
            if n.any
        },
    }


def manifest(f: Figures, written: list[Table]) -> dict[str, object]:
    """What the export holds: period, filters, settings, privacy, and each file."""
    p, sel, settings = f.period, f.selection, f.settings
    prev = p.previous()
    return {
        "aimetrics_version": aimetrics_version(),
        "generated_at": f.generated_at.isoformat().replace("+00:00", "Z"),
        "store": f.store,
        "config": str(settings.source_file) if settings.source_file else None,
        "period": {
            "from": p.start.isoformat(),
            "to": p.last_day.isoformat(),
            "days": p.days,
            "timezone": p.tz,
        },
        "previous_period": {"from": prev.start.isoformat(), "to": prev.last_day.isoformat()},
        "filters": {
            "teams": list(sel.teams),
            "repositories": list(sel.repositories),
            "tools": list(sel.tools),
        },
        "settings": {
            "tagging.min_confidence": settings.tagging.min_confidence,
            "reporting.currency": settings.reporting.currency,
            "reporting.week_start": settings.reporting.week_start,
            "roi": settings.roi.model_dump(mode="json"),
            "statistics": settings.statistics.model_dump(mode="json"),
        },
        "privacy": _privacy(f),
        "files": [
            {
                "name": f"{t.name}.csv",
                "rows": t.frame.height,
                "columns": t.frame.columns,
                "page": t.section,
                "covers": t.scope,
                "description": t.description,
                **({"withheld": t.withheld} if t.withheld else {}),
            }
            for t in written
        ],
    }


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
