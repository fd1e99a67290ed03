"""The Seats & usage page's "Copilot adoption phases" table and ``copilot-adoption-phases.csv``
(:mod:`aimetrics.metrics.copilot_phases`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from aimetrics.figures.copilot import copilot_records
from aimetrics.figures.facts import Facts
from aimetrics.figures.folds import PrivacyNote
from aimetrics.figures.view import View
from aimetrics.metrics.copilot_phases import (
    PHASE_COLUMNS,
    phase_as_of,
    phase_label,
    phase_people,
)
from aimetrics.metrics.copilot_usage import USER_SCOPE
from aimetrics.metrics.privacy import FOLDED, SHOWN
from aimetrics.vocabulary import COPILOT as COPILOT_TOOL


@dataclass(frozen=True)
class CopilotPhasesData:
    status: str  # "" when the table is shown, else why not
    daily: pl.DataFrame  # PHASE_COLUMNS, each day of the period with data (the CSV)
    latest: pl.DataFrame  # the rows of ``day``: the latest day of the period with data
    day: date | None
    people: int  # people in a phase on ``day`` (before privacy folding)
    versions: tuple[str, ...] = ()  # GitHub's rules versions seen in the period
    privacy: PrivacyNote = field(default_factory=lambda: PrivacyNote(5))


def _status(phases: pl.DataFrame, v: View) -> str:
    if phases.is_empty():
        return (
            "No Copilot adoption phase is stored: `aimetrics collect github` stores them from "
            "the per-user Copilot usage reports (GitHub sends them since 2026-05-29)."
        )
    if v.selection.tools and COPILOT_TOOL not in v.selection.tools:
        return "The AI-tool filter leaves out GitHub Copilot."
    if v.selection.repositories:
        return "Copilot adoption phases are per person, not per repository: clear the filter."
    return ""


def copilot_phases(
    phases: pl.DataFrame, f: Facts, v: View, user_teams: pl.DataFrame | None = None
) -> CopilotPhasesData:
    """People per Copilot adoption phase, per day of the period with data (each person
    counted once, in the phase of their last listed day within the 7 days ending on it),
    of the view's engineers (bots and excluded people left out; a team filter counts its
    members on each day). Phases with fewer than ``min_group_size`` people are folded."""
    k = v.min_group_size
    empty = pl.DataFrame(schema=PHASE_COLUMNS)
    status = _status(phases, v)
    if status:
        return CopilotPhasesData(status, empty, empty, None, 0, privacy=PrivacyNote(k))
    records = phases.select(
        pl.lit(USER_SCOPE).alias("scope"),
        pl.col("user_login").str.to_lowercase().alias("login"),
        "day",
        "phase_number",
        "version",
    )
    rows = copilot_records(records, f, v, user_teams)
    days = rows.filter(v.period.contains_day("day")).select("day").unique()
    assigned = phase_as_of(rows.lazy(), days.lazy()).collect()
    if assigned.is_empty():
        status = "No Copilot adoption phase is reported for this period and selection."
        return CopilotPhasesData(status, empty, empty, None, 0, privacy=PrivacyNote(k))
    daily, visibility = phase_people(assigned, k)
    day = assigned["day"].max()
    people = assigned.filter(pl.col("day") == day)["person_key"].n_unique()
    seen = rows.filter(v.period.contains_day("day"))["version"].drop_nulls().unique().sort()
    if people < k:
        status = (
            f"Copilot adoption phases of this selection are about {people} person(s) on "
            f"{day}, fewer than the privacy threshold (privacy.min_group_size = {k}): not shown."
        )
        return CopilotPhasesData(status, daily, empty, day, people, tuple(seen), PrivacyNote(k))
    latest = visibility.filter(pl.col("day") == day)
    folded = latest.filter(pl.col("status") != SHOWN)
    note = PrivacyNote(
        k,
        folded=tuple(folded.select(phase_label(pl.col("phase_number")).alias("p"))["p"]),
        other_hidden=not folded.is_empty() and not (folded["status"] == FOLDED).any(),
    )
    return CopilotPhasesData(
        "", daily, daily.filter(pl.col("day") == day), day, people, tuple(seen), note
    )
