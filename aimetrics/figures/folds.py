"""Privacy in the figures: small groups folded (:class:`Fold`), small cells hidden
(:func:`small_cells`, :func:`compared`), and a :class:`PrivacyNote` of what was left out, so
a page or an export can say so (rules: :mod:`aimetrics.metrics.privacy`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimetrics.figures.facts import Facts
from aimetrics.figures.selection import figure_columns, grouped, grouped_lazy
from aimetrics.figures.view import View
from aimetrics.metrics.privacy import (
    OTHER,
    SHOWN,
    SUPPRESSED,
    apply_visibility,
    group_visibility,
)
from aimetrics.vocabulary import TIME_GROUPINGS


@dataclass(frozen=True)
class PrivacyNote:
    """What privacy left out of a view's figures."""

    min_group_size: int
    folded: tuple[str, ...] = ()  # groups shown together as OTHER
    other_hidden: bool = False  # OTHER itself too small: left out
    hidden_cells: tuple[str, ...] = ()  # "group · comparison" left out

    @property
    def any(self) -> bool:
        return bool(self.folded or self.other_hidden or self.hidden_cells)

    def text(self) -> str:
        k = self.min_group_size
        parts = []
        if self.folded and not self.other_hidden:
            parts.append(
                f"{', '.join(self.folded)} shown together as '{OTHER}': groups with "
                f"fewer than {k} active people (or none), with the smallest other group "
                "when needed so that none can be worked out from a total."
            )
        if self.other_hidden:
            parts.append(
                f"{', '.join(self.folded)} hidden: fewer than {k} active people, even together."
            )
        if self.hidden_cells:
            parts.append(f"Hidden, fewer than {k} people: {', '.join(self.hidden_cells)}.")
        return " ".join(parts)


def breakdown_note(org: PrivacyNote, groups: PrivacyNote) -> PrivacyNote:
    """What privacy left out of a page with an org comparison (``org``) and a breakdown
    (``groups``): the breakdown's folded groups, the cells hidden from either."""
    return PrivacyNote(
        groups.min_group_size,
        groups.folded,
        groups.other_hidden,
        org.hidden_cells + groups.hidden_cells,
    )


def drop_cells(frame: pl.DataFrame, cells: pl.DataFrame) -> pl.DataFrame:
    """``frame`` without the rows of ``cells`` (:func:`small_cells`)."""
    if cells.is_empty():
        return frame
    return frame.join(cells, on=cells.columns, how="anti")


def describe_cells(cells: pl.DataFrame) -> tuple[str, ...]:
    return tuple(" · ".join(str(v) for v in row) for row in cells.iter_rows())


@dataclass(frozen=True)
class Fold:
    """How a breakdown's groups may be shown (:mod:`aimetrics.metrics.privacy`)."""

    visibility: pl.DataFrame | None  # group_visibility; None: nothing to fold (org, weeks)

    def apply(self, frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        """``frame`` with small groups relabelled ``Other (small groups)`` or dropped
        (collected: pass a lazy frame to keep only the result in memory)."""
        if self.visibility is None:
            return frame.lazy().collect()
        return apply_visibility(frame, self.visibility, ["group"]).collect()

    def folded(self, frame: pl.DataFrame) -> tuple[str, ...]:
        """The groups of ``frame`` not shown as themselves (also those nobody was active in)."""
        if self.visibility is None:
            return ()
        shown = self.visibility.filter(pl.col("status") == SHOWN)["group"].to_list()
        return tuple(sorted(set(frame["group"].to_list()) - set(shown)))

    @property
    def hidden(self) -> bool:
        return self.visibility is not None and bool((self.visibility["status"] == SUPPRESSED).any())


def fold_of(f: Facts, v: View, by: str) -> Fold:
    """Groups of ``by`` to fold, decided on the people active in each over the period."""
    if by in ("org", *TIME_GROUPINGS):
        return Fold(None)
    active = grouped(f.activity, v, by, "at").filter(v.period.contains("at"))
    return Fold(group_visibility(active, ["group"], v.min_group_size))


def small_cells(rows: pl.DataFrame, keys: list[str], min_group_size: int) -> pl.DataFrame:
    """The cells (``keys``, e.g. team x AI-assisted / no marker) to hide from comparisons.

    A cell is a group (:func:`aimetrics.metrics.privacy.group_visibility`) of the
    people who authored its PRs (``human_key``: authors who are not bots, so a
    person's PR an AI agent wrote counts for that person): hidden when it is not
    shown as itself, i.e. too small or folded with a too-small one. Cells of bot
    accounts' PRs only have no person to protect.
    """
    compared = rows.filter(pl.col("comparison").is_not_null())
    visibility = group_visibility(compared, keys, min_group_size, person="human_key")
    return visibility.filter(pl.col("status") != SHOWN).select(keys).sort(keys)


def compared(f: Facts, frame: pl.DataFrame, v: View, by: str) -> tuple[pl.DataFrame, PrivacyNote]:
    """Counted PRs merged in the period, grouped ``by``, small groups folded and small
    AI / no-marker cells dropped (for time groupings a cell is judged over the period)."""
    fold = fold_of(f, v, by)
    if by != "org":  # the org's rows feed the PR lists, which show every column
        frame = figure_columns(frame)
    merged = (
        grouped_lazy(frame, v, by, "merged_at")
        .filter(pl.col("counted") & v.period.contains("merged_at"))
        .collect()
    )
    rows = fold.apply(merged)
    keys = ["comparison"] if by in TIME_GROUPINGS else ["group", "comparison"]
    cells = small_cells(rows, keys, v.min_group_size)
    note = PrivacyNote(v.min_group_size, fold.folded(merged), fold.hidden, describe_cells(cells))
    return drop_cells(rows, cells), note
