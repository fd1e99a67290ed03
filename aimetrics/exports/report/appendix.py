"""The report's appendix (page 2 on): the headline figures that page 1 sums up, each with its
interval, change and sample, then spend and ROI, adoption, delivery and quality in full, the
method notes, sample sizes, privacy and where the report comes from (see
:mod:`aimetrics.exports.report.html`)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from aimetrics.exports.csv_tables import aimetrics_version
from aimetrics.exports.report import charts
from aimetrics.exports.report.ai_lines_block import ai_lines_block
from aimetrics.exports.report.cells import (
    count,
    day,
    esc,
    hours1,
    money_cells,
    pct,
    rate2,
    table,
)
from aimetrics.exports.report.document import Document, estimate_text, tiles
from aimetrics.exports.report.model import (
    INPUT_LABELS,
    MAX_PR_ROWS,
    Report,
    describe_selection,
)
from aimetrics.exports.report.onepager import MAX_PAGE1_TEAMS, team_section
from aimetrics.exports.report.value_cells import roi_cell, value_cells
from aimetrics.format import MISSING, STAGE_NAMES, format_money, format_period
from aimetrics.metrics.stats import Estimate
from aimetrics.vocabulary import NO_MARKER


def _headline(doc: Document, r: Report) -> None:
    f = r.figures
    currency, roi_currency = f.currency, f.money.roi.currency
    doc.add("<h2>Appendix A. Headline figures</h2>")
    doc.add(
        '<p class="note">Every headline figure with its interval, its change from the '
        f"{f.period.days} days before and the sample it rests on.</p>"
    )
    doc.add('<div class="summary">' + "".join(f"<p>{esc(s)}</p>" for s in r.summary) + "</div>")
    doc.add("<h3>Capacity, value and spend</h3>")
    hours = f.money.roi.hours_saved_per_ai_user_per_week
    doc.add(
        '<table class="roi"><thead><tr><th>Capacity gained (measured)</th>'
        "<th>Value of the capacity against the spend</th>"
        f"<th>Assumed: {hours:g} h saved per AI user per week</th></tr></thead><tbody><tr>"
        + value_cells(r, roi_currency)
        + "</tr></tbody></table>"
    )
    doc.add(
        tiles(
            r, ("spend", "run_rate", "cost_per_merged_pr", "idle_seats"), currency,
        )
    )  # fmt: skip
    if f.roi is not None:
        doc.chart(charts.balance_chart(f.roi.measured, f.roi.assumed))
    doc.add("<h3>Adoption and delivery</h3>")
    doc.add(tiles(r, ("ai_share", "adoption_rate", "throughput", "uplift"), currency))
    doc.add("<h3>Cycle time and quality guardrails</h3>")
    doc.add(tiles(r, ("cycle_ratio", "size_ratio", "revert_diff", "unreviewed_diff"), currency))


def appendix(doc: Document, r: Report) -> None:
    """Page 2 on: the headline figures, then spend and ROI, adoption, delivery, quality, the
    method notes, sample sizes, privacy and where the report comes from."""
    f = r.figures
    cur = f.currency
    money = money_cells(cur)
    doc.add('<section class="appendix">')
    if not r.withheld:
        _headline(doc, r)
        if f.team_actions.height > MAX_PAGE1_TEAMS:  # page 1 showed the largest spenders only
            doc.add("<h3>Every team</h3>")
            team_section(doc, r, limit=None)
        _appendix_figures(doc, r, money)
    doc.add("<h2>Method notes</h2><dl>")
    for term, text in r.notes:
        doc.add(f"<div><dt>{esc(term)}</dt><dd>{esc(text)}</dd></div>")
    doc.add("</dl>")
    if not r.withheld:
        doc.add("<h3>Sample sizes</h3>")
        doc.add(
            table(
                pl.DataFrame(list(r.samples), schema=["what", "n"], orient="row"),
                [("what", "", None), ("n", "", None)],
            )
        )
        if f.roi is not None:
            for m in (f.roi.measured, f.roi.assumed):
                doc.add(f"<h3>Assumptions: {esc(m.method)}</h3><ul>")
                doc.add("".join(f"<li>{esc(a)}</li>" for a in m.assumptions) + "</ul>")
    if r.privacy:
        doc.add("<h3>Privacy</h3>" + "".join(f'<p class="note">{esc(p)}</p>' for p in r.privacy))
    s = f.settings
    last = f.overview.last_collected
    doc.add(
        "<h3>About this report</h3>"
        + table(
            pl.DataFrame(
                [
                    ("Period", f"{format_period(f.period)} ({f.period.tz})"),
                    ("Filters", describe_selection(f.selection)),
                    # No store URL or file path: a report travels (e-mail, slides) and
                    # where the data lives is nobody's business outside the team.
                    ("Configuration", s.source_file.name if s.source_file else "built-in defaults"),
                    ("Data last collected", f"{last:%Y-%m-%d %H:%M} UTC" if last else MISSING),
                    ("Generated", f"{f.generated_at:%Y-%m-%d %H:%M} UTC"),
                    ("aimetrics", aimetrics_version()),
                ],
                schema=["what", "value"],
                orient="row",
            ),
            [("what", "", None), ("value", "", None)],
        )
    )
    doc.add("</section>")


def _appendix_figures(doc: Document, r: Report, money: Callable[[object], str]) -> None:
    f = r.figures
    cur, roi_cur = f.currency, f.money.roi.currency
    doc.add("<h2>Appendix B. Spend and ROI</h2>")
    if f.selection.repositories:
        doc.add(
            '<p class="note">Spend is not attributed to repositories: with a repository filter '
            "there is no spend, cost per PR or ROI.</p>"
        )
    elif not f.spend.by_month.is_empty():
        doc.chart(charts.spend_chart(f.spend.by_month, cur))
        doc.add(
            table(
                f.spend.by_month,
                [
                    ("tool_id", "AI tool", None),
                    ("month", "Month", lambda v: f"{v:%Y-%m}"),
                    ("component", "Component", None),
                    ("basis", "Basis", None),
                    ("amount", f"In the period ({cur})", money),
                    ("month_amount", f"Whole month ({cur})", money),
                ],
            )
        )
    if f.roi is not None:
        doc.add("<h3>ROI in percent (appendix)</h3>")
        doc.add(
            '<table class="roi"><thead><tr><th>ROI, measured uplift</th>'
            "<th>ROI, assumed time saved (an assumption)</th></tr></thead><tbody><tr>"
            + roi_cell(r, "measured", roi_cur)
            + roi_cell(r, "assumed", roi_cur)
            + "</tr></tbody></table>"
        )
        rows = []
        for label, attr, unit in (
            ("Hours gained", "hours", "count"),
            (f"Value ({roi_cur})", "value", "money"),
            ("ROI", "roi", "percent"),
            ("Payback", "payback_days", "days"),
        ):
            cells = []
            for m in (f.roi.measured, f.roi.assumed):
                est: Estimate = getattr(m, attr)
                if attr == "roi":
                    est = est.map(lambda v: v * 100.0)
                cells.append(estimate_text(est, unit, roi_cur))
            rows.append((label, *cells))
        doc.add(
            table(
                pl.DataFrame(rows, schema=["figure", "measured", "assumed"], orient="row"),
                [
                    ("figure", "", None),
                    ("measured", "Measured uplift", None),
                    ("assumed", "Assumed time saved", None),
                ],
            )
        )
        inputs = [
            (m.method, INPUT_LABELS.get(k, k), f"{v:,.2f}")
            for m in (f.roi.measured, f.roi.assumed)
            for k, v in m.inputs.items()
        ]
        doc.add(
            table(
                pl.DataFrame(inputs, schema=["method", "input", "value"], orient="row"),
                [("method", "Method", None), ("input", "Input", None), ("value", "Value", None)],
            )
        )
        doc.add(
            f'<p class="note">Spend in {esc(roi_cur)}: '
            f"{esc(format_money(f.roi.measured.spend, roi_cur))}"
            + (
                f"; left out for want of an exchange rate: "
                f"{esc(', '.join(f.roi.measured.other_currencies))}"
                if f.roi.measured.other_currencies
                else ""
            )
            + ".</p>"
        )
    doc.add("<h3>Seats and idle seats</h3>")
    doc.add(
        table(
            f.spend.seats,
            [
                ("tool_id", "AI tool", None),
                ("assigned", "Assigned", count),
                ("active", "Used (30 days)", count),
                ("idle", "Idle", count),
                ("utilization", "Utilization", pct),
                ("idle_monthly_cost", f"Idle seats' monthly cost ({cur})", money),
            ],
            "No seat assignments are recorded for this selection.",
        )
    )

    a = f.adoption["team"]
    doc.add("<h2>Appendix C. Adoption</h2>")
    if f.overview.trend["merged_prs"].sum():
        other = NO_MARKER if not f.selection.tools else "no marker or other tools"
        doc.chart(charts.weekly_chart(f.overview.trend, other, f.period))
    doc.add("<h3>By AI tool</h3>")
    doc.add(
        table(
            a.tools,
            [
                ("tool", "AI tool", None),
                ("prs", "AI-assisted PRs", count),
                ("merged_prs", "All merged PRs", count),
                ("share", "Share", pct),
            ],
            "No AI-assisted merged PRs in this period.",
        )
    )
    doc.add("<h3>By team</h3>")
    doc.add(
        table(
            a.by_group,
            [
                ("group", "Team", None),
                ("active_contributors", "Active engineers", count),
                ("ai_users", "AI users", count),
                ("ai_users_without_markers", "Without markers", count),
                ("adoption_rate", "Adoption", pct),
                ("merged_prs", "Merged PRs", count),
                ("ai_share", "AI-assisted share", pct),
                ("ai_commit_share", "AI commit share", pct),
            ],
        )
    )
    doc.add("<h3>Adoption cohorts</h3>")
    doc.add(
        table(
            a.cohorts,
            [
                ("cohort", "Cohort", None),
                ("engineers", "Engineers", count),
                ("prs", "Merged PRs", count),
                ("ai_prs", "AI-assisted PRs", count),
            ],
            "No engineer merged a PR in this period.",
        )
    )
    doc.add(
        '<p class="note">none: no AI-assisted merged PR; light: under half of them; heavy: '
        "half or more. PR counts of cohorts under the privacy threshold are not shown.</p>"
    )
    doc.add(ai_lines_block(f))

    d = f.delivery["team"]
    doc.add("<h2>Appendix D. Delivery</h2>")
    doc.add(
        table(
            d.by_group,
            [
                ("group", "Team", None),
                ("merged_prs", "Merged PRs", count),
                ("ai_prs", "AI-assisted", count),
                ("active_engineers", "Active engineers", count),
                ("throughput", "PRs per engineer-week", rate2),
            ],
        )
    )
    if not d.stages.is_empty():
        doc.chart(charts.stage_chart(d.stages))
        doc.add(
            table(
                d.stages,
                [
                    ("comparison", "AI marker", None),
                    ("stage", "Stage", lambda v: STAGE_NAMES.get(str(v), str(v))),
                    ("n", "PRs", count),
                    ("people", "Engineers", count),
                    ("median", "Median (h)", hours1),
                    ("p75", "p75 (h)", hours1),
                    ("p90", "p90 (h)", hours1),
                ],
            )
        )
    if not f.selection.repositories and not f.teams.map.is_empty():
        doc.add("<h3>Spend and measured change per team</h3>")
        doc.add(
            table(
                f.teams.map,
                [
                    ("group", "Team", None),
                    ("engineers", "Engineers", count),
                    ("spend", f"Spend ({cur})", money),
                    ("spend_per_engineer", f"Per engineer ({cur})", money),
                    ("uplift", "Throughput change (%)", hours1),
                    ("uplift_low", "CI low", hours1),
                    ("uplift_high", "CI high", hours1),
                    ("status", "Status", None),
                ],
            )
        )

    q = f.quality["team"]
    doc.add("<h2>Appendix E. Quality guardrails</h2>")
    doc.add(
        table(
            q.summary,
            [
                ("comparison", "AI marker", None),
                ("merged_prs", "Merged PRs", count),
                ("people", "Engineers", count),
                ("revert_rate", "Reverted", pct),
                ("median_lines", "Median size (lines)", count),
                ("unreviewed_share", "No human review", pct),
                ("rounds_share", "Changes requested", pct),
            ],
        )
    )
    doc.add(
        f'<p class="note">AI-assisted minus no marker, pooled over all authors (descriptive): '
        f"revert rate "
        f"{esc(estimate_text(q.revert_diff, 'pp'))}; merged without a human review "
        f"{esc(estimate_text(q.unreviewed_diff, 'pp'))}. Follow-up fixes are not measured: "
        "the store does not keep the files each PR changed.</p>"
    )
    if not q.reverted.is_empty():
        doc.add("<h3>Reverted pull requests</h3>")
        doc.add(
            table(
                q.reverted.head(MAX_PR_ROWS),
                [
                    ("merged_at", "Merged", day),
                    ("reverted_at", "Reverted", day),
                    ("repository", "Repository", None),
                    ("title", "Title", None),
                    ("comparison", "AI marker", None),
                    ("url", "PR", None),
                ],
            )
        )
        if q.reverted.height > MAX_PR_ROWS:
            doc.add(
                f'<p class="note">{q.reverted.height - MAX_PR_ROWS} more in '
                "reverted-prs.csv (aimetrics export csv).</p>"
            )
