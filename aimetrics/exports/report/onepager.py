"""The report's page 1, what a VP reads in two minutes: the three-sentence verdict
(:mod:`aimetrics.exports.report.verdict`), the team action table with the teams that stand
out (the Overview's, :mod:`aimetrics.figures.team_actions`), and one trend chart. Every
other figure is in the appendix (:mod:`aimetrics.exports.report.appendix`)."""

from __future__ import annotations

import re

import polars as pl

from aimetrics.exports.csv_tables import aimetrics_version
from aimetrics.exports.report import charts
from aimetrics.exports.report.cells import count, esc, table
from aimetrics.exports.report.document import Document
from aimetrics.exports.report.model import Report, describe_selection
from aimetrics.figures.team_actions import action_table, standouts
from aimetrics.format import format_period

VERDICT_KEYS = ("adoption", "effect", "value")
# Teams on page 1 (the largest spenders); more would push the chart off the page. All of
# them are in the appendix and in team-actions.csv.
MAX_PAGE1_TEAMS = 8
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _sentence(text: str) -> str:
    """A standout sentence (markdown bold for the team, as on the Overview) as HTML."""
    return _BOLD.sub(r"<strong>\1</strong>", esc(text))


def team_section(doc: Document, r: Report, limit: int | None = MAX_PAGE1_TEAMS) -> None:
    """The team action table in words and the teams that stand out (page 1; the appendix
    repeats it whole when page 1 had to leave teams out)."""
    f = r.figures
    doc.add("<h2>Which teams to talk to</h2>")
    if f.selection.repositories:
        doc.add(
            '<p class="note">AI spend is not attributed to repositories: with a repository '
            "filter there is no team action table (choose teams instead).</p>"
        )
        return
    actions = f.team_actions
    if actions.is_empty():
        doc.add('<p class="note">No team had active engineers in this period and selection.</p>')
        return
    level = f.view.statistics.confidence_level
    shown = action_table(actions, f.currency, level)
    rest = shown.height - limit if limit is not None and shown.height > limit else 0
    columns = [(c, c, count if shown.schema[c] == pl.Int64 else None) for c in shown.columns]
    doc.add('<div class="teams">' + table(shown.head(shown.height - rest), columns) + "</div>")
    notes = [
        "Sorted by AI spend. Throughput change: the team's engineers after adopting AI against "
        "colleagues not yet using it; cycle time: the same engineers' AI-assisted ÷ other PRs "
        "(below 1×: AI-assisted PRs merge faster). "
        f"Intervals at {level:.0%}; teams below the privacy threshold are folded together."
    ]
    if rest:
        notes.append(f"{rest} more team(s) in the appendix and in team-actions.csv.")
    doc.add(f'<p class="note">{esc(" ".join(notes))}</p>')
    sentences = standouts(actions, f.currency, level)
    if sentences:
        doc.add('<ul class="standouts">' + "".join(f"<li>{_sentence(s)}</li>" for s in sentences))
        doc.add("</ul>")
    else:
        doc.add('<p class="note">No team stands out: no measured change, no idle spend.</p>')


def _trend(doc: Document, r: Report) -> None:
    f = r.figures
    trend = f.overview.trend
    if not trend["merged_prs"].sum():
        doc.add('<p class="note">No merged PR in the weeks up to the period\'s end: no trend.</p>')
        return
    doc.chart(charts.share_trend_chart(trend, f.period, f.overview.rollouts, f.view.week_start))
    whole = trend.filter(pl.col("days") == 7)["merged_prs"]
    typical = int(whole.median() or 0) if whole.len() else 0
    doc.add(
        '<p class="note">Each point is one week\'s merged PRs (a median of '
        f"{typical:,} a week); hollow points are weeks only partly covered; dotted lines mark "
        "a tool's first seat. The period is shaded.</p>"
    )


def onepager(doc: Document, r: Report) -> None:
    """Page 1: title, the verdict, the team action table and the trend chart."""
    f = r.figures
    doc.add('<section class="onepager">')
    doc.add(f"<h1>{esc(r.title)}</h1>")
    doc.add(
        f'<p class="sub">{esc(format_period(f.period))} ({f.period.days} days, {esc(f.period.tz)}) '
        f"compared with the {f.period.days} days before · {esc(describe_selection(f.selection))}"
        f" · generated {f.generated_at:%Y-%m-%d %H:%M} UTC</p>"
    )
    if r.withheld:
        doc.add(f'<div class="withheld">{esc(r.withheld)}</div></section>')
        return
    doc.add(
        '<div class="verdict">'
        + "".join(
            f'<p data-verdict="{key}">{esc(text)}</p>'
            for key, text in zip(VERDICT_KEYS, r.verdict, strict=True)
        )
        + "</div>"
    )
    team_section(doc, r)
    _trend(doc, r)
    doc.add(
        "<footer>Every headline figure with its interval and sample, the method notes and "
        f"the detail: see the appendix. aimetrics {esc(aimetrics_version())}.</footer></section>"
    )
