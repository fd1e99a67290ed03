"""GitHub's Copilot AI adoption phases: how many people are in each phase (docs/metrics.md,
"Copilot adoption phases").

The per-user usage reports list a user only on days they were active, so one day alone
misses the people who were not active that day. A day's figure therefore counts each person
once, in the phase of their last listed day within the 7 days ending on it (the phase is
itself GitHub's rolling 28-day classification, so a few days' lag changes little). A person
with two logins listed the same day counts once, in the higher phase. Never summed over days.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from aimetrics.metrics.privacy import FOLDED, OTHER, SHOWN, group_visibility
from aimetrics.vocabulary import COPILOT_PHASES

PHASE_WINDOW_DAYS = 7
PHASE_COLUMNS = {"day": pl.Date, "phase_number": pl.Int64, "phase": pl.String, "people": pl.Int64}


def phase_label(number: pl.Expr) -> pl.Expr:
    """Our one label of each phase number ("Phase n" for a number GitHub adds later)."""
    known = pl.lit(None, pl.String)
    for n, label in COPILOT_PHASES.items():
        known = pl.when(number == n).then(pl.lit(label)).otherwise(known)
    return pl.coalesce(known, pl.format("Phase {}", number))


def phase_as_of(phases: pl.LazyFrame, days: pl.LazyFrame) -> pl.LazyFrame:
    """Per day of ``days`` (column ``day``) and person: ``phase_number`` of the person's last
    listed day within the :data:`PHASE_WINDOW_DAYS` days ending on it.

    ``phases``: ``day``, ``person_key``, ``phase_number`` (one row per listed user-day)."""
    seen = (
        phases.group_by("day", "person_key")
        .agg(pl.col("phase_number").max())
        .rename({"day": "seen"})
        .sort("seen")
    )
    grid = (
        days.select(pl.col("day").cast(pl.Date))
        .unique()
        .join(phases.select("person_key").unique(), how="cross")
        .sort("day")
    )
    return (
        grid.join_asof(
            seen,
            left_on="day",
            right_on="seen",
            by="person_key",
            strategy="backward",
            tolerance=timedelta(days=PHASE_WINDOW_DAYS - 1),
            check_sortedness=False,  # both sorted by day above; polars cannot check per group
        )
        .drop_nulls("phase_number")
        .select("day", "person_key", pl.col("phase_number").cast(pl.Int64))
    )


def phase_people(assigned: pl.DataFrame, min_group_size: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """People per day and phase (:data:`PHASE_COLUMNS`) from :func:`phase_as_of` rows, and
    each day's visibility (``day``, ``phase_number``, ``status``).

    Per day, phases with fewer than ``min_group_size`` people are shown together as
    :data:`OTHER` (``phase_number`` null), with the smallest other phase when needed, and
    left out when still too few (:func:`~aimetrics.metrics.privacy.group_visibility`)."""
    out, statuses = [], []
    for (day,), rows in assigned.group_by("day", maintain_order=True):
        visibility = group_visibility(rows, ["phase_number"], min_group_size)
        statuses.append(visibility.select(pl.lit(day).alias("day"), "phase_number", "status"))
        shown = visibility.filter(pl.col("status") == SHOWN).select("phase_number", "people")
        folded = visibility.filter(pl.col("status") == FOLDED)["phase_number"]
        other = rows.filter(pl.col("phase_number").is_in(folded.implode()))
        parts = [shown.with_columns(phase_label(pl.col("phase_number")).alias("phase"))]
        if not other.is_empty():
            parts.append(
                pl.DataFrame(
                    {
                        "phase_number": [None],
                        "people": [other["person_key"].n_unique()],
                        "phase": [OTHER],
                    },
                    schema={"phase_number": pl.Int64, "people": pl.Int64, "phase": pl.String},
                )
            )
        out.append(pl.concat(parts).with_columns(pl.lit(day).alias("day")))
    empty = pl.DataFrame(schema=PHASE_COLUMNS)
    frame = pl.concat(
        [empty, *(o.select(list(PHASE_COLUMNS)) for o in out)], how="vertical_relaxed"
    )
    visibility_schema = {"day": pl.Date, "phase_number": pl.Int64, "status": pl.String}
    status = pl.concat([pl.DataFrame(schema=visibility_schema), *statuses], how="vertical_relaxed")
    return (
        frame.cast(PHASE_COLUMNS).sort("day", pl.col("phase_number").fill_null(99)),
        status,
    )
