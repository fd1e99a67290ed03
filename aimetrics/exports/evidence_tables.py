"""The Data page's evidence tables in ``aimetrics export csv``: ``ai-evidence.csv`` and
``marker-coverage.csv`` (issue 16). Their own module: csv_export.py lists the other pages'.
"""

from __future__ import annotations

from aimetrics.exports.csv_tables import Table
from aimetrics.figures.compute import Figures

TEAMS_AND_TOOLS = (
    "the selection's teams (their members in the period) and tools; evidence and vendor "
    "counts are per person, not per repository"
)
NO_REPO_COVERAGE = (
    "vendor counts are per person, not per repository, and a repository filter is set"
)


def evidence_tables(f: Figures) -> list[Table]:
    """``ai-evidence.csv`` and ``marker-coverage.csv`` of the figures' view."""
    m = f.data.markers
    k = f.view.min_group_size
    return [
        Table(
            "ai-evidence",
            m.evidence,
            "Evidence of AI use per tool, month and source (marker, copilot usage, seat "
            "activity, vendor usage): people with such evidence in the month and active_days "
            "(person-days with it), on the period's days. Per month and source, tools with "
            f"fewer than privacy.min_group_size = {k} people are shown together as 'Other "
            "(small groups)', left out when still fewer.",
            TEAMS_AND_TOOLS,
            "data",
        ),
        Table(
            "marker-coverage",
            m.export,
            "What each vendor's usage report counts for the people the store covers (matched "
            "by e-mail or login) against the markers on the same people's work, per tool, "
            "month and measure (commits: the store's marked commits of any branch, without "
            "PR merge commits; pull_requests: marked PRs by the day opened; lines: lines "
            "added + removed): vendor_count, marked_count, coverage = marked_count / "
            "vendor_count (empty when the vendor reports 0). The vendor also counts personal "
            "repositories and repositories not collected, so coverage is a lower bound and "
            "can exceed 1. Tool-months with fewer than privacy.min_group_size = "
            f"{k} people are left out.",
            TEAMS_AND_TOOLS,
            "data",
            NO_REPO_COVERAGE if m.repository_filtered else "",
        ),
    ]
