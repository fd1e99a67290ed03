"""The Seats & usage page's Copilot adoption phases in ``aimetrics export csv``:
``copilot-adoption-phases.csv`` (issue 16). Its own module: csv_export.py lists the rest."""

from __future__ import annotations

from aimetrics.exports.csv_tables import Table
from aimetrics.figures.copilot_phases import CopilotPhasesData
from aimetrics.metrics.copilot_phases import PHASE_WINDOW_DAYS
from aimetrics.vocabulary import COPILOT_PHASE_DEFINITION


def copilot_phase_tables(phases: CopilotPhasesData, min_group_size: int) -> list[Table]:
    """``copilot-adoption-phases.csv``: no rows, with the reason, when the page shows none."""
    text = (
        "People per GitHub Copilot AI adoption phase, for each day of the period with "
        f"per-user Copilot reports: each person counted once, in the phase of their last "
        f"listed day within the {PHASE_WINDOW_DAYS} days ending on that day (never add days "
        f"up). Columns day, phase_number, phase, people. Per day, phases with fewer than "
        f"privacy.min_group_size = {min_group_size} people are shown together as 'Other "
        "(small groups)' (phase_number empty), left out when still fewer. "
        + COPILOT_PHASE_DEFINITION
    )
    return [
        Table(
            "copilot-adoption-phases",
            phases.daily.clear() if phases.status else phases.daily,
            text,
            "the selection's engineers listed in the per-user Copilot usage reports",
            "adoption",
            phases.status,
        )
    ]
