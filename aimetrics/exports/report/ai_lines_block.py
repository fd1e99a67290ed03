"""The report appendix's "AI-written lines" block: the AI-written share of added lines over
the commits with line evidence, its coverage, per tool and per team (figures.ai_lines).
A block of its own so the report's layout (html.py) only places it."""

from __future__ import annotations

from aimetrics.exports.report.cells import count, esc, pct, table
from aimetrics.figures.compute import Figures
from aimetrics.format import format_share

_COLUMNS = [
    ("changes", "Commits", count),
    ("changes_with_evidence", "With line evidence", count),
    ("line_coverage", "Coverage", pct),
    ("ai_added_lines", "AI-written lines", count),
    ("evidence_added_lines", "Added lines (with evidence)", count),
    ("ai_written_line_share", "AI-written share", pct),
]


def ai_lines_block(f: Figures) -> str:
    """The block's HTML ('' when the figures have no line-evidence result)."""
    data = f.ai_written.get("team") or next(iter(f.ai_written.values()), None)
    if data is None:
        return ""
    row = data.headline.row(0, named=True) if data.headline.height else {}
    evidenced = int(row.get("changes_with_evidence") or 0)
    parts = ["<h3>AI-written lines</h3>"]
    if not evidenced:
        parts.append(
            '<p class="note">No default-branch commit in this selection carries line evidence '
            "(git-ai notes, Agent Trace records, Cursor AI Code Tracking).</p>"
        )
        return "".join(parts)
    minimum = f.settings.statistics.min_prs
    share = format_share(row["ai_written_line_share"]) if evidenced >= minimum else None
    parts.append(
        f'<p class="note" data-value="{esc(row["ai_written_line_share"] if share else "")}">'
        + esc(
            f"AI-written share of added lines: {share or 'not enough data'} "
            f"({row['ai_added_lines']:,} of {row['evidence_added_lines']:,} added lines), "
            f"over the {evidenced:,} of {row['changes']:,} default-branch commits with line "
            f"evidence (coverage {format_share(row['line_coverage'])}). Commits without "
            "evidence are left out, not counted as human. Not the marked-PR line share, "
            "which counts every line of a PR with an AI marker."
        )
        + "</p>"
    )
    parts.append(
        table(
            data.by_tool,
            [
                ("tool", "AI tool", None),
                ("ai_added_lines", "AI-written lines", count),
                ("ai_written_line_share", "Share of added lines", pct),
            ],
        )
    )
    parts.append(table(data.by_group, [("group", "Team", None), *_COLUMNS]))
    return "".join(parts)
