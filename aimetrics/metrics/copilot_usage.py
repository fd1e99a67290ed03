"""GitHub Copilot usage reports: active and engaged users, suggestions and acceptances,
lines, by editor, feature and language. Formulas: docs/metrics.md ("Copilot usage").

The GitHub collector stores the usage-metrics reports in ``copilot_usage``
(:mod:`collectors.github.copilot`): one **aggregate** row per organization or
enterprise and day (``user_login`` ''; ``record`` the report's ``day_totals``
element) and one **per-user** row per user and active day (``scope`` ``user``;
``record`` the user's report line). Every figure here is read from ``record`` (the
report's own field names), so nothing the collector did not keep is needed.
"""

from __future__ import annotations

import polars as pl

from aimetrics.metrics.adoption import share
from aimetrics.metrics.period import Period, week_start

USER_SCOPE = "user"
AGGREGATE_SCOPES = ("enterprise", "organization")  # the first present on a day counts

# The report's counters, by the names the figures use.
COUNTERS = {
    "interactions": "user_initiated_interaction_count",
    "suggestions": "code_generation_activity_count",
    "acceptances": "code_acceptance_activity_count",
    "lines_suggested": "loc_suggested_to_add_sum",
    "lines_accepted": "loc_added_sum",
}
_COUNTER_DTYPES = {field: pl.Int64 for field in COUNTERS.values()}
BREAKDOWNS = {  # breakdown -> (report list, key field)
    "editor": ("totals_by_ide", "ide"),
    "feature": ("totals_by_feature", "feature"),
    "language": ("totals_by_language_feature", "language"),
}
RECORD_DTYPE = pl.Struct(
    {
        "daily_active_users": pl.Int64,
        "weekly_active_users": pl.Int64,
        "monthly_active_users": pl.Int64,
        **_COUNTER_DTYPES,
        **{
            field: pl.List(pl.Struct({key: pl.String, **_COUNTER_DTYPES}))
            for field, key in BREAKDOWNS.values()
        },
    }
)
FIGURE_COLUMNS = (
    "days", "active_users", "engaged_users", "suggestions", "acceptances", "acceptance_rate",
    "lines_suggested", "lines_accepted", "interactions",
)  # fmt: skip
BREAKDOWN_COLUMNS = (
    "group", "users", "suggestions", "acceptances", "acceptance_rate", "lines_suggested",
    "lines_accepted",
)  # fmt: skip
USER_COLUMNS = (
    "login", "days_active", "suggestions", "acceptances", "acceptance_rate", "lines_suggested",
    "lines_accepted", "interactions",
)  # fmt: skip


def usage_records(usage: pl.LazyFrame) -> pl.LazyFrame:
    """The ``copilot_usage`` rows with their report record decoded: ``scope``, ``owner``,
    ``day``, ``login`` (lower-cased; '' on aggregate rows), ``daily_active_users``, the
    :data:`COUNTERS` (by their names here) and the breakdown lists."""
    decoded = pl.col("record").str.json_decode(RECORD_DTYPE)
    return (
        usage.select("scope", "owner", "day", "user_login", decoded.alias("_r"))
        .unnest("_r")
        .rename({field: name for name, field in COUNTERS.items()})
        .with_columns(pl.col("user_login").str.to_lowercase().alias("login"))
        .drop("user_login")
    )


def user_days(records: pl.LazyFrame) -> pl.LazyFrame:
    """Per-user report rows (one per user and active day) with ``engaged``: the user sent
    a prompt or accepted a suggestion that day."""
    return records.filter(pl.col("scope") == USER_SCOPE).with_columns(
        (
            (pl.col("interactions").fill_null(0) > 0) | (pl.col("acceptances").fill_null(0) > 0)
        ).alias("engaged")
    )


def aggregate_days(records: pl.LazyFrame) -> pl.LazyFrame:
    """One row per day of the organization-wide reports: the enterprise's when the store
    has one for that day (GitHub de-duplicates users across its organizations), else the
    organizations' summed. Columns: ``day``, ``active_users`` (daily active users) and
    the :data:`COUNTERS`."""
    rank = pl.col("scope").replace_strict(
        {s: i for i, s in enumerate(AGGREGATE_SCOPES)}, default=None, return_dtype=pl.Int8
    )
    rows = (
        records.filter(pl.col("login") == "").with_columns(rank.alias("_rank")).drop_nulls("_rank")
    )
    best = rows.group_by("day").agg(pl.col("_rank").min())
    return (
        rows.join(best, on=["day", "_rank"])
        .group_by("day")
        .agg(
            pl.col("daily_active_users").sum().alias("active_users"),
            *(pl.col(name).sum() for name in COUNTERS),
        )
        .sort("day")
    )


def daily_usage(records: pl.LazyFrame, users_only: bool = False) -> pl.LazyFrame:
    """One row per reported day: ``active_users`` (users with a per-user row that day),
    ``engaged_users`` (of them, those who sent a prompt or accepted a suggestion) and the
    :data:`COUNTERS` summed over those users.

    Days without any per-user row fall back on the organization-wide report
    (:func:`aggregate_days`: its daily active users and counters; ``engaged_users`` null),
    unless ``users_only`` (a team filter: the aggregate cannot be split by team).
    ``records``: :func:`usage_records`, already narrowed to the people to count.
    """
    users = user_days(records)
    daily = users.group_by("day").agg(
        pl.len().cast(pl.Int64).alias("active_users"),
        pl.col("engaged").sum().cast(pl.Int64).alias("engaged_users"),
        *(pl.col(name).sum().cast(pl.Int64) for name in COUNTERS),
    )
    if not users_only:
        fallback = (
            aggregate_days(records)
            .join(daily.select("day"), on="day", how="anti")
            .with_columns(pl.lit(None, dtype=pl.Int64).alias("engaged_users"))
        )
        daily = pl.concat([daily, fallback.select(daily.collect_schema().names())],
                          how="vertical_relaxed")  # fmt: skip
    columns = ["day", "active_users", "engaged_users", *COUNTERS]
    return daily.select(pl.col(c).cast(pl.Date if c == "day" else pl.Int64) for c in columns).sort(
        "day"
    )


def _figures(daily: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    return (
        daily.group_by(keys)
        .agg(
            pl.len().cast(pl.Int64).alias("days"),
            pl.col("active_users").mean().alias("active_users"),
            pl.col("engaged_users").mean().alias("engaged_users"),
            *(pl.col(name).sum().cast(pl.Int64) for name in COUNTERS),
        )
        .with_columns(share(pl.col("acceptances"), pl.col("suggestions")).alias("acceptance_rate"))
    )


def usage_figures(daily: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """One row for the period (days inside it, ``start ≤ day < end``): ``days`` reported,
    ``active_users`` and ``engaged_users`` (mean per reported day), the sums of the
    counters, and ``acceptance_rate`` = acceptances / suggestions. Columns:
    :data:`FIGURE_COLUMNS`."""
    inside = daily.filter(period.contains_day("day")).with_columns(pl.lit(1).alias("_all"))
    figures = _figures(inside, ["_all"])
    empty = pl.LazyFrame({"_all": [1]})
    return (
        empty.join(figures, on="_all", how="left")
        .with_columns(pl.col("days").fill_null(0))
        .select(FIGURE_COLUMNS)
    )


def weekly_usage(
    daily: pl.LazyFrame, period: Period, week_start_day: str = "monday"
) -> pl.LazyFrame:
    """:func:`usage_figures` per week of the period (weeks clipped to it; ``week_start``
    first), weeks without a report left out. Sorted by week."""
    return (
        _figures(
            daily.filter(period.contains_day("day")).with_columns(
                week_start(pl.col("day"), week_start_day).alias("week_start")
            ),
            ["week_start"],
        )
        .select("week_start", *FIGURE_COLUMNS)
        .sort("week_start")
    )


def breakdown_rows(records: pl.LazyFrame, by: str) -> pl.LazyFrame:
    """The per-user rows' ``by`` breakdown (``editor``, ``feature`` or ``language``), one row
    per user, day and group: ``login``, ``day``, ``group`` and the counters (a report
    list without an interaction count gives null there)."""
    field, key = BREAKDOWNS[by]
    return (
        user_days(records)
        .select("login", "day", pl.col(field).alias("_item"))
        .explode("_item")
        .drop_nulls("_item")
        .unnest("_item")
        .rename({key: "group", **{field_: name for name, field_ in COUNTERS.items()}})
        .with_columns(pl.col("group").fill_null("unknown"))
        .select("login", "day", "group", *COUNTERS)
    )


def usage_by(rows: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group`` of :func:`breakdown_rows` (small groups already folded) in the period:
    ``users`` (distinct), the counter sums and ``acceptance_rate``. Columns:
    :data:`BREAKDOWN_COLUMNS`; most suggestions first."""
    return (
        rows.filter(period.contains_day("day"))
        .group_by("group")
        .agg(
            pl.col("login").n_unique().cast(pl.Int64).alias("users"),
            *(pl.col(name).sum().cast(pl.Int64) for name in COUNTERS),
        )
        .with_columns(share(pl.col("acceptances"), pl.col("suggestions")).alias("acceptance_rate"))
        .select(BREAKDOWN_COLUMNS)
        .sort(["suggestions", "group"], descending=[True, False])
    )


def usage_by_user(records: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per user in the period: days active, the counter sums and acceptance rate
    (:data:`USER_COLUMNS`). Per person: shown only with ``privacy.show_individuals``."""
    return (
        user_days(records)
        .filter(period.contains_day("day"))
        .group_by("login")
        .agg(
            pl.len().cast(pl.Int64).alias("days_active"),
            *(pl.col(name).sum().cast(pl.Int64) for name in COUNTERS),
        )
        .with_columns(share(pl.col("acceptances"), pl.col("suggestions")).alias("acceptance_rate"))
        .select(USER_COLUMNS)
        .sort("login")
    )


def usage_people(records: pl.LazyFrame, period: Period, users_only: bool = False) -> int:
    """How many people the period's figures are about (privacy): the distinct users of the
    per-user rows; without any (and not ``users_only``), the largest monthly (else daily)
    active users of the organization-wide report."""
    inside = records.filter(period.contains_day("day"))
    distinct = int(user_days(inside).select(pl.col("login").n_unique()).collect().item())
    if distinct or users_only:
        return distinct
    most = inside.filter(pl.col("login") == "").select(
        pl.coalesce(
            pl.col("monthly_active_users").max(), pl.col("daily_active_users").max(), pl.lit(0)
        )
    )
    return int(most.collect().item())
