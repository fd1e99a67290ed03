"""The CSV export's parts: the :class:`Table` a file is written from, what a table's rows
depend on, and the rows of estimates, comparisons, ROI, the uplift and Copilot usage
(see :mod:`aimetrics.exports.csv_export`)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import polars as pl

from aimetrics.figures.compute import Figures
from aimetrics.figures.copilot import CopilotUsageData
from aimetrics.figures.measured import PREFERRED
from aimetrics.metrics.cost.basis import RunRate
from aimetrics.metrics.like_for_like import DoseBin
from aimetrics.metrics.roi import MEASURED, Roi, RoiFigures, value_per_spend
from aimetrics.metrics.stats import Comparison, Estimate
from aimetrics.metrics.uplift import Uplift

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


def comparison_rows(items: list[tuple[str, str, str, Comparison | None]]) -> pl.DataFrame:
    """AI-assisted vs no marker, one row per ``(measure, design, period, comparison)``: the
    ratio of medians with its interval, each side's median and sample. ``design``:
    ``within engineer`` (each engineer's PRs against their own; ``ai_engineers`` =
    ``no_marker_engineers`` = the engineers who count) or ``pooled`` (everyone's PRs:
    descriptive, it mixes who uses AI with what AI does)."""
    frames = []
    for measure, design, period, c in items:
        if c is None:
            continue
        frames.append(
            estimate_rows([(measure, c.ratio)]).select(
                "measure",
                pl.lit(design).alias("design"),
                pl.lit(period).alias("period"),
                pl.exclude("measure"),
                pl.lit(c.ai_median, pl.Float64).alias("ai_median"),
                pl.lit(c.no_marker_median, pl.Float64).alias("no_marker_median"),
                pl.lit(c.ai_prs, pl.Int64).alias("ai_prs"),
                pl.lit(c.no_marker_prs, pl.Int64).alias("no_marker_prs"),
                pl.lit(c.ai_engineers, pl.Int64).alias("ai_engineers"),
                pl.lit(c.no_marker_engineers, pl.Int64).alias("no_marker_engineers"),
            )
        )
    return pl.concat(frames) if frames else comparison_rows([("", "", "", _EMPTY)]).clear()


_EMPTY = Comparison("", None, None, Estimate.not_enough(0, 0, 0.0, ""), 0, 0, 0, 0)


CAPACITY = "capacity_engineer_equivalents"
VALUE_PER_SPEND = "value_per_spend"


def roi_rows(methods: tuple[RoiFigures, ...], roi: Roi | None = None) -> pl.DataFrame:
    """Both methods, capacity first: the measured method's engineer-equivalents (with
    ``roi``), each method's value per unit of spend, hours, value, ROI and payback, each with
    its interval. No change of ROI between periods (in points or otherwise)."""
    frames = []
    for m in methods:
        head: list[tuple[str, Estimate]] = []
        if roi is not None and m.method == MEASURED and roi.capacity is not None:
            head.append((CAPACITY, roi.capacity))
        frames.append(
            estimate_rows(
                [
                    *head,
                    (VALUE_PER_SPEND, value_per_spend(m.value, m.spend)),
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
        )
    return pl.concat(frames)


def run_rate_row(r: RunRate) -> pl.DataFrame:
    """The monthly run rate: seats held on ``as_of`` at their monthly price plus the usage
    of the 30 days up to it."""
    return pl.DataFrame(
        {
            "as_of": [r.as_of],
            "seats_monthly": [r.seats_monthly],
            "usage_30_days": [r.usage_30_days],
            "monthly": [r.monthly],
            "currency": [r.currency],
        },
        schema={
            "as_of": pl.Date,
            "seats_monthly": pl.Float64,
            "usage_30_days": pl.Float64,
            "monthly": pl.Float64,
            "currency": pl.String,
        },
    )


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


def uplift_rows(f: Figures) -> pl.DataFrame:
    """The measured throughput uplift (ratio) with what it rests on: the headline
    (``adoption_basis`` ``preferred``: seat, else first evidence, else first AI change),
    then the same estimate with adoption dated by each basis alone (the sensitivity)."""
    m = f.measured
    rows = [(PREFERRED, m.uplift), *m.by_basis.items()]
    return pl.concat(
        [uplift_row(u).select(pl.lit(b).alias("adoption_basis"), pl.all()) for b, u in rows]
    )


def dose_rows(bins: list[DoseBin]) -> pl.DataFrame:
    """The dose-response bins: intensity of AI use (share of effect-window weeks with
    evidence) against the adopters' change, with engineers and PRs; correlational."""
    frame = estimate_rows([("throughput change (ratio)", b.ratio) for b in bins])
    labels = pl.Series("intensity", [b.label for b in bins], pl.String)
    return frame.with_columns(labels).select("intensity", *ESTIMATE_COLUMNS)


def uplift_row(u: Uplift) -> pl.DataFrame:
    """One uplift (ratio) with what it rests on."""
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


def roi_frames(f: Figures) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """ROI of both methods, this period and the one before; their inputs; assumptions."""
    figures, inputs = [], []
    for label, roi in (("current", f.roi), ("previous", f.roi_previous)):
        if roi is None:
            continue
        methods = (roi.measured, roi.assumed)
        figures.append(roi_rows(methods, roi).select(pl.lit(label).alias("period"), pl.all()))
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
    """The Seats & usage page's Copilot usage tables
    (:func:`aimetrics.figures.copilot.copilot_usage`): no rows, with the reason, when the page
    shows none (no reports, filters, privacy)."""
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
