"""The measured throughput uplift of a view: the same number on the team map, under a team
filter, in the exports and in the report (docs/metrics.md, "Measured throughput uplift").

- Adoption is dated from the evidence of use (seat, else first evidence, else first AI
  change: :data:`~aimetrics.metrics.uplift.ADOPTION_BASES`).
- Who is compared is never narrowed by a team filter: the panel is the organization's (or
  the selected repositories'), and a team filter narrows only who is treated, by the team
  map's own estimator (:func:`~aimetrics.metrics.team_map.group_uplift`).
- A tool filter does not re-estimate anything: the uplift stays the organization's and the
  value is split by tool (:mod:`aimetrics.figures.tool_share`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from aimetrics.figures.cost import work
from aimetrics.figures.facts import Facts
from aimetrics.figures.view import View
from aimetrics.metrics.adoption import Selection, select
from aimetrics.metrics.evidence import ai_user_weeks
from aimetrics.metrics.like_for_like import DoseBin, dose_response, dose_response_of, intensity
from aimetrics.metrics.team_map import group_uplift
from aimetrics.metrics.uplift import (
    ADOPTION_BASES,
    POST_WEEKS,
    PRE_WEEKS,
    Panel,
    Uplift,
    adoption_dates,
    stacked_design,
    throughput_uplift,
    weekly_panel,
)

PREFERRED = "preferred"  # the headline's adoption basis: each engineer's best (ADOPTION_BASES)


@dataclass(frozen=True)
class Measured:
    adoption: pl.DataFrame  # adoption_dates: person_key, adopted_on, basis
    uplift: Uplift  # of the selection's adopters against everyone compared (all history)
    panel: Panel  # the compared engineers' weekly panel: the team map's too
    by_basis: dict[str, Uplift]  # the same estimate with adoption dated by one basis alone
    dose: list[DoseBin]  # dose-response of the panel's adopters (correlational)


def compared(selection: Selection) -> Selection:
    """Whose work the uplift compares: the selection without its team and tool filters
    (a team filter narrows who is treated, a tool filter how the value is split)."""
    return Selection(repositories=selection.repositories)


def treated_members(f: Facts, v: View) -> list[str] | None:
    """The people a team filter treats (anyone with activity in a selected team, as on the
    team map); None without a team filter (every adopter is treated)."""
    if not v.selection.teams:
        return None
    rows = select(f.activity.lazy(), replace(v.selection, tools=()))
    return rows.select("person_key").unique().sort("person_key").collect()["person_key"].to_list()


def measured(f: Facts, v: View) -> Measured:
    """Adoption dates and the throughput uplift of the view (all its history: it does not
    depend on the period), the same estimate under each adoption basis alone, and the
    dose-response bins."""
    merged, activity = work(f, compared(v.selection))
    members = treated_members(f, v)

    def dated(bases: tuple[str, ...]) -> pl.DataFrame:
        return adoption_dates(
            merged, f.seats.lazy(), f.directory.lazy(), v.tz, f.evidence.lazy(), bases
        ).collect()

    def estimate(adoption: pl.DataFrame) -> tuple[Panel, Uplift]:
        panel = weekly_panel(merged, activity, adoption.lazy(), v.tz, v.week_start)
        if members is not None:  # the team map's estimator, on the same panel
            return panel, group_uplift(panel, members, v.statistics)
        uplift = throughput_uplift(
            merged,
            activity,
            adoption.lazy(),
            settings=v.statistics,
            tz=v.tz,
            week_start_day=v.week_start,
        )
        return panel, uplift

    adoption = dated(ADOPTION_BASES)
    panel, uplift = estimate(adoption)
    by_basis: dict[str, Uplift] = {}
    for basis in ADOPTION_BASES:
        alone = dated((basis,))
        # Often one basis dates every adopter (seats for all): the same estimate, run once.
        by_basis[basis] = uplift if alone.equals(adoption) else estimate(alone)[1]
    user_weeks = ai_user_weeks(f.evidence.lazy(), v.week_start).collect()
    return Measured(adoption, uplift, panel, by_basis, dose(panel, user_weeks, members, v))


def dose(
    panel: Panel, user_weeks: pl.DataFrame, members: list[str] | None, v: View
) -> list[DoseBin]:
    """:func:`~aimetrics.metrics.like_for_like.dose_response_of` of the panel's adopters, of
    ``members``' only under a team filter (compared, as the uplift, with everyone)."""
    if members is None:
        return dose_response_of(panel, user_weeks, v.statistics)
    aggregates, treated, control, used_prs = stacked_design(panel, PRE_WEEKS, POST_WEEKS)
    treated &= np.isin(np.asarray(panel.keys, dtype=object), members)
    rows = treated | control
    dose_of = intensity(user_weeks, panel, POST_WEEKS)
    return dose_response(
        aggregates[rows], treated[rows], dose_of[rows], used_prs[rows], v.statistics
    )
