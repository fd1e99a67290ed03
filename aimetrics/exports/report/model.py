"""What the leadership report says: its headline figures, sentences, method notes and sample
sizes, as data (:class:`Report`), built from the figures the dashboard shows.

- :func:`build_report` computes a :class:`Report` from the store, as
  :mod:`aimetrics.figures.compute` does for the CSV export, so every number in it is the
  dashboard's for the same filters; :func:`report_from_figures` does it from figures
  already computed.
- :mod:`aimetrics.exports.report.html` lays a report out as one self-contained HTML
  document, :mod:`aimetrics.exports.pdf` prints that document with headless
  Chromium. Numbers are written by :mod:`aimetrics.format`, the dashboard's formatter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from aimetrics.exports.report.kpi import Kpi, _int, _num, _row
from aimetrics.exports.report.notes import method_notes
from aimetrics.exports.report.summary import ai_users, summary
from aimetrics.exports.report.verdict import verdict, verdict_figures
from aimetrics.figures import value as value_text
from aimetrics.figures.compute import Figures, load_figures
from aimetrics.format import format_number
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import MEASURED, RoiFigures
from aimetrics.metrics.stats import NOT_ENOUGH_DATA, Comparison, Estimate
from aimetrics.settings import Settings
from aimetrics.vocabulary import tool_name

INPUT_LABELS = {
    "post_adoption_prs": "merged PRs of adopters after their adoption, in the period",
    "hours_per_week": "working hours per engineer-week (roi.hours_per_week)",
    "uplift_ratio": "measured uplift (ratio)",
    "baseline_prs_per_week": "adopters' merged PRs per week before adoption",
    "extra_prs": "extra merged PRs attributed to AI",
    "ai_users": "AI users in the period (evidence of AI use)",
    "weeks": "weeks in the period",
    "hours_saved_per_ai_user_per_week": "hours saved per AI user per week (assumed)",
}
MAX_PR_ROWS = 25  # reverted PRs listed in the appendix (all of them are in the CSV export)
REPORTED = ("team",)  # the breakdowns the report shows (compute_figures' ``breakdowns``)


# --- the report as data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """The report, ready to lay out: headline figures, sentences, notes, the figures."""

    figures: Figures
    title: str
    kpis: dict[str, Kpi]  # the headline figures by key (the appendix's tiles)
    verdict: tuple[str, ...]  # page 1's three sentences: adoption, effect, value (verdict.py)
    summary: tuple[str, ...]  # every headline figure in plain words (the appendix)
    notes: tuple[tuple[str, str], ...]  # method notes: (term, definition)
    samples: tuple[tuple[str, str], ...]  # sample sizes: (what, how many)
    privacy: tuple[str, ...]  # what privacy left out
    withheld: str  # why no figure is shown ("" when they are)

    @property
    def period(self) -> Period:
        return self.figures.period


def build_report(
    engine: sa.Engine,
    settings: Settings,
    period: Period,
    selection: Selection | None = None,
    *,
    now: dt.datetime | None = None,
) -> Report:
    """The report of ``period`` and ``selection`` (all when None), read from the store."""
    figures = load_figures(engine, settings, period, selection, now=now, breakdowns=REPORTED)
    return report_from_figures(figures)


def _comparison_kpi(
    key: str, label: str, c: Comparison | None, previous: Comparison | None, within: bool = False
) -> Kpi:
    """A ratio AI-assisted ÷ no marker; ``within``: of the same engineers (the sample names the
    engineers who count), else pooled over everyone."""
    if c is None:
        return Kpi(
            key,
            label,
            "ratio",
            None,
            status=NOT_ENOUGH_DATA,
            note="no merged PR with a known timeline",
        )
    hours = "cycle" in c.metric  # else a PR size, in lines

    def median(x: float | None) -> str:
        return format_number(x, "hours") if hours else f"{format_number(x, 'count')} lines"

    if within:
        sample = (
            f"{c.ai_engineers} engineers, their own PRs compared: median "
            f"{median(c.ai_median)} AI-assisted ({c.ai_prs:,} PRs) vs "
            f"{median(c.no_marker_median)} no marker ({c.no_marker_prs:,} PRs)"
        )
    else:
        sample = (
            f"median {median(c.ai_median)} AI-assisted ({c.ai_prs:,} PRs, "
            f"{c.ai_engineers} engineers) vs {median(c.no_marker_median)} no "
            f"marker ({c.no_marker_prs:,} PRs, {c.no_marker_engineers} engineers)"
        )
    before = previous.ratio.value if previous is not None and previous.ratio.ok else None
    return Kpi.of(key, label, "ratio", c.ratio, sample=sample, previous=before)


def _roi_kpis(prefix: str, m: RoiFigures | None) -> list[Kpi]:
    if m is None:
        note = "spend is not attributed to repositories, and a repository filter is set"
        return [
            Kpi(f"{prefix}_roi", "ROI", "percent", None, status="not available", note=note),
            Kpi(f"{prefix}_value", "Value", "money", None, status="not available", note=note),
            Kpi(f"{prefix}_payback", "Payback", "days", None, status="not available", note=note),
        ]
    roi = m.roi.map(lambda r: r * 100.0)
    sample = (
        f"uplift measured on {m.hours.engineers} engineers, {m.hours.prs:,} PRs (all history)"
        if m.method == MEASURED
        else f"{m.hours.engineers} AI users"
    )
    # No previous figure: a change of an ROI (in points) is not shown anywhere.
    return [
        Kpi.of(f"{prefix}_roi", "ROI", "percent", roi, sample=sample),
        Kpi.of(f"{prefix}_value", "Value", "money", m.value),
        Kpi.of(f"{prefix}_payback", "Payback", "days", m.payback_days),
        Kpi.of(f"{prefix}_hours", "Hours", "count", m.hours),
    ]


def _kpis(f: Figures) -> dict[str, Kpi]:
    cur, prev = _row(f.spend.figures, period="current"), _row(f.spend.figures, period="previous")
    u, o = f.overview.uncertainty, f.overview
    head = _row(f.adoption["team"].headline)
    bases = ", ".join(cur.get("bases") or ()) or "none"  # type: ignore[call-overload]
    seats = f.spend.seats
    assigned, idle = int(seats["assigned"].sum() or 0), int(seats["idle"].sum() or 0)
    idle_cost = float(seats["idle_monthly_cost"].fill_null(0).sum() or 0) if idle else 0.0
    uplift = f.measured.uplift
    q = f.quality["team"]
    roi = f.roi
    billed, estimated = _num(cur, "spend_billed"), _num(cur, "spend_estimated")
    split = value_text.spend_split(billed, estimated, f.currency)
    rate = f.spend.run_rate
    kpis = [
        Kpi(
            "spend",
            "AI spend",
            "money",
            _num(cur, "spend"),
            previous=_num(prev, "spend"),
            sample=f"{split}; bases: {bases}" if split else f"bases: {bases}",
        ),
        Kpi("spend_billed", "AI spend billed", "money", billed),
        Kpi("spend_estimated", "AI spend estimated", "money", estimated),
        Kpi(
            "run_rate",
            "Monthly run rate",
            "money",
            rate.monthly,
            sample=f"seats on {rate.as_of:%Y-%m-%d} + the last 30 days' usage",
        ),
        Kpi(
            "cost_per_merged_pr",
            "AI cost per merged PR",
            "money2",
            _num(cur, "cost_per_merged_pr"),
            previous=_num(prev, "cost_per_merged_pr"),
            sample=f"{_int(cur, 'merged_prs'):,} merged PRs",
        ),
        Kpi(
            "idle_seats",
            "Idle seats to reclaim",
            "count",
            float(idle),
            sample=f"of {assigned:,} seats on {f.spend.as_of:%Y-%m-%d}",
        ),
        Kpi(
            "idle_monthly_cost",
            "Idle seats' monthly cost",
            "money",
            idle_cost,
            sample="what reclaiming them saves a month",
        ),
        Kpi(
            "ai_share",
            "AI-assisted share of merged PRs",
            "share",
            _num(cur, "ai_share"),
            u.ai_share.low,
            u.ai_share.high,
            u.ai_share.level if u.ai_share.ok else None,
            previous=_num(prev, "ai_share"),
            sample=f"{_int(cur, 'ai_prs'):,} of {_int(cur, 'merged_prs'):,} merged PRs",
        ),
        Kpi(
            "adoption_rate",
            "AI users",
            "share",
            _num(head, "adoption_rate"),
            sample="".join(ai_users(head)),
        ),
        Kpi(
            "throughput",
            "Merged PRs per engineer-week",
            "rate",
            _num(cur, "throughput"),
            u.throughput.low,
            u.throughput.high,
            u.throughput.level if u.throughput.ok else None,
            previous=_num(prev, "throughput"),
            sample=f"{_int(cur, 'merged_prs'):,} PRs, {_int(cur, 'active_engineers'):,} "
            "active engineers",
        ),
        Kpi.of(
            "uplift",
            "Measured throughput change after adopting AI",
            "percent",
            uplift.percent,
            sample=f"{uplift.treated_engineers} adopting vs {uplift.comparison_engineers} "
            "not-yet-adopted engineers",
        ),
        _comparison_kpi(
            "cycle_ratio",
            "Cycle time, AI-assisted ÷ no marker, same engineers",
            o.cycle.within,
            o.cycle_previous.within,
            within=True,
        ),
        _comparison_kpi(
            "cycle_ratio_pooled",
            "Cycle time, AI-assisted ÷ no marker, pooled, unadjusted (descriptive)",
            o.cycle.pooled,
            o.cycle_previous.pooled,
        ),
        _comparison_kpi(
            "size_ratio",
            "PR size, AI-assisted ÷ no marker, same engineers",
            o.cycle.size,
            None,
            within=True,
        ),
        Kpi.of(
            "revert_diff",
            "Revert rate, AI-assisted − no marker (pooled)",
            "pp",
            q.revert_diff,
            sample=f"{q.revert_diff.prs:,} PRs, {q.revert_diff.engineers} authors",
        ),
        Kpi.of(
            "unreviewed_diff",
            "Merged without human review, AI-assisted − no marker (pooled)",
            "pp",
            q.unreviewed_diff,
            sample=f"{q.unreviewed_diff.prs:,} PRs, {q.unreviewed_diff.engineers} authors",
        ),
        *_roi_kpis("measured", roi.measured if roi else None),
        *_roi_kpis("assumed", roi.assumed if roi else None),
        *_value_kpis(f),
    ]
    return {k.key: k for k in kpis}


def _value_kpis(f: Figures) -> list[Kpi]:
    """Capacity in engineer-equivalents and value per unit of spend (measured)."""
    if f.roi is None:
        note = "spend is not attributed to repositories, and a repository filter is set"
        return [Kpi(key, key, "rate", None, status="not available", note=note)
                for key in ("capacity", "value_per_spend")]  # fmt: skip
    capacity = f.roi.capacity or Estimate.not_enough(0, 0, 0.0, "not computed")
    return [
        Kpi.of(
            "capacity", "Capacity gained (engineer-equivalents)", "rate", capacity,
            sample=value_text.CAPACITY_NOT_HEADCOUNT,
        ),
        Kpi.of("value_per_spend", "Value per unit of AI spend", "ratio", f.roi.value_per_spend),
    ]  # fmt: skip


def _samples(f: Figures, k: dict[str, Kpi]) -> tuple[tuple[str, str], ...]:
    cur, prev = _row(f.spend.figures, period="current"), _row(f.spend.figures, period="previous")
    u = f.measured.uplift
    o = f.overview
    rows = [
        (
            "Merged PRs (this period / before)",
            f"{_int(cur, 'merged_prs'):,} / {_int(prev, 'merged_prs'):,}",
        ),
        ("AI-assisted merged PRs", f"{_int(cur, 'ai_prs'):,} / {_int(prev, 'ai_prs'):,}"),
        (
            "Active engineers",
            f"{_int(cur, 'active_engineers'):,} / {_int(prev, 'active_engineers'):,}",
        ),
        (
            "Measured uplift: adopting / comparison engineers, cohorts",
            f"{u.treated_engineers} / {u.comparison_engineers}, {u.cohorts}",
        ),
        (
            "Measured uplift: adopters' PRs after adoption, observed / expected",
            f"{u.observed_prs:,.0f} / {u.expected_prs:,.1f}",
        ),
    ]
    for label, c in (("within engineer", o.cycle.within), ("pooled", o.cycle.pooled)):
        if c is not None:
            rows.append(
                (
                    f"Cycle time, {label}: PRs (engineers), AI-assisted / no marker",
                    f"{c.ai_prs:,} ({c.ai_engineers}) / {c.no_marker_prs:,} "
                    f"({c.no_marker_engineers})",
                )
            )
    if f.roi is not None:
        a = f.roi.assumed
        rows.append(("ROI, assumed: AI users", f"{a.inputs.get('ai_users', 0):,.0f}"))
        m = f.roi.measured
        rows.append(
            ("ROI, measured: PRs after adoption", f"{m.inputs.get('post_adoption_prs', 0):,.0f}")
        )
    return tuple(rows)


def describe_selection(selection: Selection) -> str:
    parts = []
    if selection.teams:
        parts.append("teams " + ", ".join(selection.teams))
    if selection.repositories:
        parts.append("repositories " + ", ".join(selection.repositories))
    if selection.tools:
        parts.append("AI tools " + ", ".join(tool_name(t) for t in selection.tools))
    return "; ".join(parts) if parts else "the whole organization"


def report_from_figures(f: Figures) -> Report:
    """The :class:`Report` of figures already computed
    (:func:`aimetrics.figures.compute.compute_figures`)."""
    withheld = ""
    if f.withheld:
        withheld = (
            f"This selection has {f.people} active engineer(s), fewer than the privacy "
            f"threshold (privacy.min_group_size = {f.view.min_group_size}): its figures are not "
            "shown. Widen the teams or repositories."
        )
    kpis = _kpis(f)
    notes = [
        f.overview.privacy,
        f.teams.privacy,
        f.adoption["team"].privacy,
        f.delivery["team"].privacy,
        f.quality["team"].privacy,
    ]
    privacy = tuple(dict.fromkeys(n.text() for n in notes if n.any))
    return Report(
        figures=f,
        title="AI adoption and ROI",
        kpis=kpis,
        verdict=() if withheld else verdict(verdict_figures(f)),
        summary=() if withheld else summary(f, kpis),
        notes=method_notes(f),
        samples=_samples(f, kpis),
        privacy=privacy,
        withheld=withheld,
    )
