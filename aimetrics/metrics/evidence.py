"""The evidence of AI use, and the one definition of an AI user. Formulas: docs/metrics.md
("Evidence of AI use").

Evidence is one row per person, day, tool and source. Each source says a person used an
AI tool on a day:

- ``marker``: an AI marker on work they authored (a merged PR or a default-branch
  commit; :func:`aimetrics.metrics.adoption.contributor_activity` rows with ``is_ai``);
- ``copilot usage``: a per-user row of GitHub's Copilot usage report with activity
  (a prompt, an accepted suggestion, or agent, chat, CLI or coding-agent use); a row of
  suggestions shown and none accepted is not use;
- ``seat activity``: the day a seat's ``last_activity_at`` names (GitHub's seat list
  keeps only the latest day, so this adds at most one day per seat);
- ``vendor usage``: an imported vendor usage or cost row that names a user, and a row of a
  vendor's own usage API (``vendor_usage``: Claude Code sessions, lines, commits...) with
  any activity. Vendors name users by e-mail or login: both resolve through the directory.

A seat held without activity is not use. An engineer is an **AI user in a week** when
they have evidence in it. A new source only adds rows here: every figure that counts AI
users reads :func:`ai_user_weeks`.
"""

from __future__ import annotations

import polars as pl

from aimetrics.metrics.period import Period, local_date, week_start
from aimetrics.vocabulary import COPILOT

MARKER = "marker"
COPILOT_USAGE = "copilot usage"
SEAT_ACTIVITY = "seat activity"
VENDOR_USAGE = "vendor usage"
EVIDENCE_SOURCES = (MARKER, COPILOT_USAGE, SEAT_ACTIVITY, VENDOR_USAGE)
UNSPECIFIED = "unspecified"  # evidence whose tool is not known (a marker without a tool)

EVIDENCE_SCHEMA = {
    "person_key": pl.String(),
    "day": pl.Date(),
    "tool_id": pl.String(),
    "source": pl.String(),
}
# The per-user report's flags that say the user did something with Copilot that day.
# ``used_copilot_code_review_passive`` is left out: a review that ran on their PR
# without them asking is not their use.
COPILOT_USE_FLAGS = (
    "used_agent",
    "used_chat",
    "used_cli",
    "used_copilot_app",
    "used_copilot_cloud_agent",
    "used_copilot_coding_agent",
    "used_copilot_code_review_active",
)
COPILOT_USE_COUNTERS = ("user_initiated_interaction_count", "code_acceptance_activity_count")
_RECORD = pl.Struct(
    {**{f: pl.Boolean for f in COPILOT_USE_FLAGS}, **{c: pl.Int64 for c in COPILOT_USE_COUNTERS}}
)


def _typed(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.select(pl.col(c).cast(t) for c, t in EVIDENCE_SCHEMA.items())


def _resolve(frame: pl.LazyFrame, directory: pl.LazyFrame | None) -> pl.LazyFrame:
    """``login`` (lower-cased) to ``person_key`` through the directory's logins; a login
    the directory does not know stays its own key (as seats do: ``seat_facts``)."""
    frame = frame.with_columns(pl.col("login").str.to_lowercase())
    if directory is None:
        return frame.with_columns(pl.col("login").alias("person_key"))
    logins = directory.filter(pl.col("kind") == "login").select(
        pl.col("value").alias("login"), "person_key"
    )
    return frame.join(logins, on="login", how="left").with_columns(
        pl.coalesce("person_key", "login").alias("person_key")
    )


def _resolve_identity(frame: pl.LazyFrame, directory: pl.LazyFrame | None) -> pl.LazyFrame:
    """As `_resolve`, for a vendor's user: an e-mail or a login (vendors give either)."""
    frame = frame.with_columns(pl.col("login").str.to_lowercase())
    if directory is None:
        return frame.with_columns(pl.col("login").alias("person_key"))
    known = (
        directory.filter(pl.col("kind").is_in(["login", "email"]))
        .select(pl.col("value").alias("login"), "person_key")
        .unique(subset=["login"], keep="first", maintain_order=True)
    )
    return frame.join(known, on="login", how="left").with_columns(
        pl.coalesce("person_key", "login").alias("person_key")
    )


def marker_evidence(activity: pl.LazyFrame, tz: str = "UTC") -> pl.LazyFrame:
    """AI-marked work: ``activity`` (:func:`~aimetrics.metrics.adoption.contributor_activity`)
    rows with ``is_ai``, on their local day; a marker without a tool is ``unspecified``."""
    return _typed(
        activity.filter(pl.col("is_ai") & pl.col("person_key").is_not_null()).select(
            "person_key",
            local_date("at", tz).alias("day"),
            pl.col("ai_tool").fill_null(UNSPECIFIED).alias("tool_id"),
            pl.lit(MARKER).alias("source"),
        )
    )


def copilot_evidence(
    usage: pl.LazyFrame, directory: pl.LazyFrame | None = None, tool_id: str = COPILOT
) -> pl.LazyFrame:
    """Per-user Copilot usage-report rows (``copilot_usage`` with ``scope`` ``user``) that
    show use: a prompt, an accepted suggestion, or one of :data:`COPILOT_USE_FLAGS`."""
    record = pl.col("record").str.json_decode(_RECORD)
    rows = usage.filter((pl.col("scope") == "user") & (pl.col("user_login") != "")).select(
        pl.col("user_login").alias("login"), "day", record.alias("_r")
    )
    used = pl.any_horizontal(
        *(pl.col("_r").struct.field(c).fill_null(0) > 0 for c in COPILOT_USE_COUNTERS),
        *(pl.col("_r").struct.field(f).fill_null(False) for f in COPILOT_USE_FLAGS),
    )
    return _typed(
        _resolve(rows.filter(used), directory).with_columns(
            pl.lit(tool_id).alias("tool_id"), pl.lit(COPILOT_USAGE).alias("source")
        )
    )


def seat_evidence(
    seat_assignments: pl.LazyFrame, directory: pl.LazyFrame | None = None, tz: str = "UTC"
) -> pl.LazyFrame:
    """The local day of each seat's ``last_activity_at`` (a seat never used adds nothing)."""
    rows = seat_assignments.filter(pl.col("last_activity_at").is_not_null()).select(
        "login", local_date("last_activity_at", tz).alias("day"), "tool_id"
    )
    return _typed(_resolve(rows, directory).with_columns(pl.lit(SEAT_ACTIVITY).alias("source")))


def vendor_evidence(
    cost_records: pl.LazyFrame, directory: pl.LazyFrame | None = None
) -> pl.LazyFrame:
    """Imported vendor rows that name a user and show use (a quantity or an amount above 0)."""
    used = (pl.col("quantity").fill_null(0) > 0) | (pl.col("amount").fill_null(0) > 0)
    rows = cost_records.filter(
        pl.col("user_login").is_not_null() & (pl.col("user_login") != "") & used
    ).select(pl.col("user_login").alias("login"), "day", "tool_id")
    return _typed(
        _resolve_identity(rows, directory).with_columns(pl.lit(VENDOR_USAGE).alias("source"))
    )


VENDOR_ACTIVITY = (
    "sessions",
    "lines_added",
    "lines_removed",
    "commits",
    "pull_requests",
    "requests",
    "actions_accepted",
    "cost",
)
"""``vendor_usage`` columns: a row with any of them above 0 is a day of use."""


def vendor_usage_evidence(
    usage: pl.LazyFrame, directory: pl.LazyFrame | None = None
) -> pl.LazyFrame:
    """Rows of the vendors' usage APIs (``vendor_usage``) that name a user (an API key is
    no one) and show activity (:data:`VENDOR_ACTIVITY`), resolved by e-mail or login."""
    named = pl.col("user_login").is_not_null() & (pl.col("user_login") != "")
    used = pl.any_horizontal(pl.col(c).fill_null(0) > 0 for c in VENDOR_ACTIVITY)
    rows = usage.filter(named & used).select(pl.col("user_login").alias("login"), "day", "tool_id")
    return _typed(
        _resolve_identity(rows, directory).with_columns(pl.lit(VENDOR_USAGE).alias("source"))
    )


def evidence(*parts: pl.LazyFrame) -> pl.LazyFrame:
    """All evidence, one row per person, day, tool and source."""
    if not parts:
        return pl.LazyFrame(schema=EVIDENCE_SCHEMA)
    return pl.concat([_typed(p) for p in parts]).unique().sort("person_key", "day", "tool_id")


def ai_user_weeks(ev: pl.LazyFrame, week_start_day: str = "monday") -> pl.LazyFrame:
    """One row per person and week with evidence: ``person_key``, ``week`` (its first day),
    ``tools`` (the week's distinct tools, sorted; ``unspecified`` only when no tool is
    known that week), ``sources`` (sorted), ``days`` (distinct days with evidence)."""
    weekly = ev.with_columns(week_start(pl.col("day"), week_start_day).alias("week"))
    return (
        weekly.group_by("person_key", "week")
        .agg(
            pl.col("tool_id").filter(pl.col("tool_id") != UNSPECIFIED).unique().sort().alias("_t"),
            pl.col("source").unique().sort().alias("sources"),
            pl.col("day").n_unique().cast(pl.Int64).alias("days"),
        )
        .with_columns(
            pl.when(pl.col("_t").list.len() > 0)
            .then(pl.col("_t"))
            .otherwise(pl.lit([UNSPECIFIED]))
            .alias("tools")
        )
        .drop("_t")
        .sort("person_key", "week")
    )


def ai_users(
    ev: pl.LazyFrame, activity: pl.LazyFrame, period: Period, tz: str = "UTC"
) -> pl.LazyFrame:
    """Per active engineer of the period: ``ai_user`` (evidence on a day of the period),
    ``marked`` (a marker on their work in the period) and ``without_markers`` (an AI user
    whose work in the period carries no marker: Copilot completions leave none).

    Only people active in the period count (``activity`` rows in it), so a rate
    ``ai_users / active`` never exceeds 1 and compares the same people.
    """
    active = (
        activity.filter(period.contains("at"))
        .group_by("person_key")
        .agg(pl.col("is_ai").any().alias("marked"))
    )
    users = (
        ev.filter(period.contains_day("day"))
        .select("person_key")
        .unique()
        .with_columns(pl.lit(True).alias("ai_user"))
    )
    return (
        active.join(users, on="person_key", how="left")
        .with_columns(pl.col("ai_user").fill_null(False) | pl.col("marked"))
        .with_columns((pl.col("ai_user") & ~pl.col("marked")).alias("without_markers"))
        .select("person_key", "ai_user", "marked", "without_markers")
        .sort("person_key")
    )


def tool_weights(user_weeks: pl.LazyFrame) -> pl.LazyFrame:
    """Per tool: ``weight``, its share of the AI-user weeks, an engineer using k tools in a
    week giving 1/k to each (``unspecified`` when no tool is known). Weights sum to 1."""
    split = user_weeks.select(
        pl.col("tools").alias("tool_id"), (1.0 / pl.col("tools").list.len()).alias("w")
    ).explode("tool_id")
    return (
        split.group_by("tool_id")
        .agg(pl.col("w").sum().alias("user_weeks"))
        .with_columns((pl.col("user_weeks") / pl.col("user_weeks").sum()).alias("weight"))
        .sort("tool_id")
    )
