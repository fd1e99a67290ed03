"""``export csv``'s line-evidence tables: the AI-written share of added lines (org, by team,
by repository, by tool, by week) and ``ai-lines.csv`` (one row per commit, tool, model and
source with line evidence). The figures are :mod:`aimetrics.figures.ai_lines`'.
"""

from __future__ import annotations

import polars as pl

from aimetrics.exports.csv_tables import SELECTION
from aimetrics.figures.compute import BREAKDOWNS, Figures

AI_LINES_COLUMNS = (
    "repository", "sha", "tool", "model", "source", "ai_added_lines", "added_lines",
)  # fmt: skip

_SHARE = (
    "ai_written_line_share = AI-added lines / added lines of the default-branch commits with "
    "line evidence (git-ai notes, Agent Trace records, Cursor's AI Code Tracking; one source "
    "counts per commit: git-ai, then Agent Trace, then Cursor); line_coverage = commits with "
    "evidence / commits. Not marked_pr_line_share (every line of a marked PR)."
)

# name, frame, description, scope, page: what csv_export's ``add`` takes.
Row = tuple[str, pl.DataFrame, str, str, str]


def ai_line_tables(f: Figures) -> list[Row]:
    """The line-evidence tables, in the Adoption page's order (none without figures)."""
    if not f.ai_written:
        return []
    first = next(iter(f.ai_written.values()))
    out: list[Row] = [
        ("ai-written-summary", first.headline, _SHARE, SELECTION, "adoption"),
    ]
    for by in BREAKDOWNS:
        if by in f.ai_written:
            out.append(
                (
                    f"ai-written-by-{by}",
                    f.ai_written[by].by_group,
                    f"The AI-written share of added lines per {by} (small groups folded).",
                    SELECTION,
                    "adoption",
                )
            )
    out += [
        (
            "ai-written-by-tool",
            first.by_tool,
            "Each tool's AI-added lines and their share of the added lines of the commits "
            "with line evidence (tools fewer than privacy.min_group_size people wrote with "
            "folded).",
            SELECTION,
            "adoption",
        ),
        (
            "ai-written-weekly",
            first.weekly,
            "The AI-written share per week.",
            SELECTION,
            "adoption",
        ),
        (
            "ai-lines",
            f.ai_lines.select(AI_LINES_COLUMNS) if f.ai_lines.width else _empty(),
            "One row per default-branch commit made in the period, tool, model and source with "
            "line evidence (every source, the one that does not count kept for cross-checks); "
            "a commit whose evidence has no AI line has one row with tool empty and "
            "ai_added_lines 0.",
            SELECTION,
            "adoption",
        ),
    ]
    return out


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={c: pl.Int64 if c.endswith("lines") else pl.String for c in AI_LINES_COLUMNS}
    )
