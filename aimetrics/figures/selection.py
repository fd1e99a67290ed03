"""A view's rows: the selection applied and the rows grouped by team, repository, tool or
time; the active engineers privacy counts; the check of a selection's names.
"""

from __future__ import annotations

import polars as pl

from aimetrics.errors import ExportError
from aimetrics.figures.facts import Facts
from aimetrics.figures.view import View, previous_view
from aimetrics.metrics.adoption import Selection, select, with_group

# PR facts' columns that only PR lists show (title, links) or that the facts were derived
# from (review times, sizes, authors' raw logins). Breakdowns leave them out: each row of
# a breakdown by team is a copy, and at 1M PRs a full-width copy is about 0.5 GB.
_PR_LIST_ONLY = (
    "title", "url", "merge_commit_sha", "author_login", "author_type", "source", "is_draft",
    "ready_at", "first_commit_at", "first_human_review_at", "last_approval_at",
    "first_ai_review_at", "additions", "deletions", "changed_files", "author_is_bot",
    "author_excluded", "is_bot_non_ai",
)  # fmt: skip


def figure_columns(prs: pl.DataFrame) -> pl.DataFrame:
    """PR facts without the columns only PR lists show (no copy: columns are shared)."""
    return prs.drop(_PR_LIST_ONLY, strict=False)


def grouped_lazy(
    frame: pl.DataFrame | pl.LazyFrame, v: View, by: str, at: str, name: str = "group"
) -> pl.LazyFrame:
    """``frame`` selected by the view and grouped ``by`` (see :func:`with_group`)."""
    return with_group(
        select(frame.lazy(), v.selection), by, at, v.tz, v.week_start, v.selection.teams, name
    )


def grouped(frame: pl.DataFrame, v: View, by: str, at: str, name: str = "group") -> pl.DataFrame:
    """:func:`grouped_lazy`, collected."""
    return grouped_lazy(frame, v, by, at, name).collect()


def selection_people(f: Facts, v: View) -> int:
    """Distinct engineers active in the view (privacy: below the threshold nothing shows)."""
    active = select(f.activity.lazy(), v.selection).filter(v.period.contains("at"))
    return int(active.select(pl.col("person_key").n_unique()).collect().item())


def previous_hidden(f: Facts, v: View) -> str:
    """Why privacy hides the previous period's figures of the view ("" when it does not):
    its selection had 1 … ``min_group_size − 1`` active engineers."""
    people = selection_people(f, previous_view(v))
    if 0 < people < v.min_group_size:
        return f"fewer than {v.min_group_size} active engineers in the previous period"
    return ""


def first_row(frame: pl.DataFrame) -> dict[str, object]:
    """The first row of ``frame`` by column name ({} when it has none)."""
    return frame.row(0, named=True) if frame.height else {}


def check_selection(facts: Facts, selection: Selection | None) -> None:
    """Raise :class:`~aimetrics.errors.ExportError` for a team, repository or tool the store
    does not know (a typo would otherwise give empty tables that read as no activity)."""
    if selection is None:
        return
    known = {
        "team": facts.teams["slug"].to_list(),
        "repo": list(facts.repositories),
        "tool": facts.tools["id"].to_list(),
    }
    asked = {"team": selection.teams, "repo": selection.repositories, "tool": selection.tools}
    for option, values in asked.items():
        unknown = [v for v in values if v not in known[option]]
        if unknown:
            raise ExportError(
                f"--{option} {unknown[0]!r} is not in the store; known: "
                + (", ".join(known[option]) or "none")
            )
