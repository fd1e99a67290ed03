"""The Adoption page's "AI-written lines" section: the AI-written share of added lines over
the commits with line evidence, that coverage, and its sample (figures.ai_lines)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from aimetrics.figures.ai_lines import AiWrittenData
from aimetrics.format import format_share
from dashboard import components, tables
from dashboard.components import Kpi

HELP = (
    "AI-added lines / added lines, over the default-branch commits that carry line-level "
    "evidence (git-ai notes under refs/notes/ai, Agent Trace records, Cursor's AI Code "
    "Tracking; when several cover a commit, git-ai counts, then Agent Trace, then Cursor). "
    "Commits without evidence are left out, not counted as human: read it with the coverage. "
    "Not the marked-PR line share, which counts every line of a PR with an AI marker."
)
COVERAGE_HELP = "Default-branch commits with line evidence / all default-branch commits."


def section(data: AiWrittenData, by: str, group_label: str, min_changes: int) -> None:
    """The section; "not enough data" under ``min_changes`` commits with evidence
    (``statistics.min_prs``): a share of a handful of commits is noise."""
    st.subheader("AI-written lines")
    row = data.headline.row(0, named=True) if data.headline.height else {}
    evidenced, changes = int(row.get("changes_with_evidence") or 0), int(row.get("changes") or 0)
    if evidenced == 0:
        components.empty_state(
            "No commit in this selection carries line evidence. Collect git-ai notes "
            "(`git fetch origin refs/notes/ai:refs/notes/ai`, then `aimetrics collect git`) "
            "or import Agent Trace records (`aimetrics import traces`)."
        )
        return
    enough = evidenced >= min_changes
    share = format_share(row["ai_written_line_share"]) if enough else "not enough data"
    components.kpi_row(
        [
            Kpi(
                "AI-written share of added lines", share, None, "off",
                f"{row['ai_added_lines']:,} of {row['evidence_added_lines']:,} added lines"
                + ("" if enough else f"; fewer than {min_changes} commits with evidence"),
                HELP,
            ),
            Kpi(
                "Line evidence coverage", format_share(row["line_coverage"]), None, "off",
                f"{evidenced:,} of {changes:,} default-branch commits", COVERAGE_HELP,
            ),
        ]
    )  # fmt: skip
    tables.table(data.by_tool, "ai-written-by-tool")
    tables.table(data.by_group, f"ai-written-by-{by}", group_label)
    weekly = data.weekly.filter(pl.col("changes_with_evidence") > 0)
    tables.table(weekly, "ai-written-weekly", "Week starting")
