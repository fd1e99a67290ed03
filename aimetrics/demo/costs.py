"""AI tools, seat plans, seat assignments, usage costs and Copilot usage reports.

Seats follow the rollout (``org._rollout``): a seat per person and tool from
their first week with it, revoked when they leave. Idle seats are left on
purpose: managers' Copilot seats (never or hardly used) and the Copilot seats
of the team that switched to Cursor. Seat plans list the seat count after each
change, priced per seat and month. Usage costs come as monthly per-user
records, the way billing exports deliver them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from aimetrics.demo import markers as mk
from aimetrics.demo.org import NEVER, ROLE_MANAGER, Org
from aimetrics.demo.timeline import US_PER_DAY, US_PER_HOUR, date_to_us, holiday_factor

TOOLS = {
    mk.COPILOT: "GitHub Copilot",
    mk.CLAUDE_CODE: "Claude Code",
    mk.CURSOR: "Cursor",
}
# (plan, USD per seat and month, seats bought in packs of)
PLANS = {
    mk.COPILOT: ("business", 19.0, 1),
    mk.CLAUDE_CODE: ("team-premium", 150.0, 5),
    mk.CURSOR: ("business", 40.0, 5),
}
SEAT_WEEK_COLUMN = {
    mk.COPILOT: "copilot_week",
    mk.CLAUDE_CODE: "claude_code_week",
    mk.CURSOR: "cursor_week",
}
COPILOT_INCLUDED_PREMIUM_REQUESTS = 300
COPILOT_PREMIUM_REQUEST_PRICE = 0.04


def ai_tools() -> pl.DataFrame:
    return pl.DataFrame({"id": list(TOOLS), "name": list(TOOLS.values())})


def seat_assignments(rng: np.random.Generator, org: Org) -> pl.DataFrame:
    tl, people = org.timeline, org.people
    rows = []
    for tool, column in SEAT_WEEK_COLUMN.items():
        seated = people.filter(pl.col(column) < NEVER)
        n = seated.height
        assigned_us = tl.start_us + seated[column].to_numpy() * 7 * US_PER_DAY
        leave = seated["leave_week"].to_numpy()
        revoked_us = np.where(leave < tl.n_weeks, tl.start_us + leave * 7 * US_PER_DAY, -1)
        active_last = tl.end_us - rng.integers(1, 96, n) * US_PER_HOUR
        last = np.where(
            revoked_us >= 0, revoked_us - rng.integers(1, 5, n) * US_PER_DAY, active_last
        )
        if tool == mk.COPILOT:
            # Switched to Cursor: the Copilot seat went quiet a few days later.
            cursor = seated["cursor_week"].to_numpy()
            switched = tl.start_us + cursor * 7 * US_PER_DAY + rng.integers(1, 10, n) * US_PER_DAY
            last = np.where(cursor < NEVER, np.minimum(last, switched), last)
            # Managers: never used it, or tried it once.
            manager = seated["role"].to_numpy() == ROLE_MANAGER
            tried = assigned_us + rng.integers(1, 20, n) * US_PER_DAY
            last = np.where(manager, np.where(rng.random(n) < 0.5, -1, tried), last)
        last = np.where((last >= 0) & (last < assigned_us), assigned_us + US_PER_HOUR, last)
        rows.append(
            pl.DataFrame(
                {
                    "tool_id": np.full(n, tool),
                    "login": seated["login"],
                    "assigned_us": assigned_us,
                    "revoked_us": revoked_us,
                    "plan": np.full(n, PLANS[tool][0]),
                    "last_us": np.minimum(last, tl.end_us - US_PER_HOUR),
                    "person": seated["person"],
                }
            )
        )
    frame = pl.concat(rows)
    return frame.select(
        "tool_id",
        "login",
        _day("assigned_us").alias("assigned_on"),
        pl.when(pl.col("revoked_us") >= 0).then(_day("revoked_us")).alias("revoked_on"),
        "plan",
        pl.when(pl.col("last_us") >= 0).then(_instant("last_us")).alias("last_activity_at"),
        pl.lit("demo").alias("source"),
        "person",
    ).sort("tool_id", "login")


def seat_plans(seats: pl.DataFrame) -> pl.DataFrame:
    """One plan row per seat-count change: the seats bought then (packs rounded up)."""
    rows = []
    for tool, (plan, price, pack) in PLANS.items():
        s = seats.filter(pl.col("tool_id") == tool)
        if s.is_empty():
            continue
        changes = sorted(
            set(s["assigned_on"].to_list()) | set(s["revoked_on"].drop_nulls().to_list())
        )
        assigned = s["assigned_on"].to_numpy()
        revoked = s["revoked_on"].to_numpy()
        counts = []
        for day in changes:
            d = np.datetime64(day)
            held = (assigned <= d) & (np.isnat(revoked) | (revoked > d))
            counts.append(int(-(-held.sum() // pack) * pack))
        kept = [
            (d, c)
            for i, (d, c) in enumerate(zip(changes, counts, strict=True))
            if i == 0 or c != counts[i - 1]
        ]
        for i, (day, count) in enumerate(kept):
            rows.append(
                {
                    "tool_id": tool,
                    "plan": plan,
                    "valid_from": day,
                    "valid_to": kept[i + 1][0] if i + 1 < len(kept) else None,
                    "seats": count,
                    "price_per_seat_month": price,
                    "currency": "USD",
                    "source": "demo",
                }
            )
    return pl.DataFrame(rows, schema_overrides={"valid_to": pl.Date})


def cost_records(rng: np.random.Generator, org: Org, seats: pl.DataFrame) -> pl.DataFrame:
    """Daily per-user usage costs, as the vendors' usage feeds give them: Copilot
    premium-request overage (GitHub's billing usage report), Claude Code API usage
    (Anthropic's cost report), Cursor usage-based spend (an estimate). Each user's month is
    drawn whole, then spread over the working days the seat was in use (:func:`_daily`)."""
    tl = org.timeline
    months = _months(tl.start, tl.end_date)
    month_start = np.array([date_to_us(m) for m in months])
    month_end = np.array([date_to_us(_next_month(m)) for m in months])
    # A month's usage is drawn for the whole calendar month and scaled by the share of it
    # the seat was held and in use, so the timeline's partial first and last months carry
    # only their days' usage (a four-day December is not a month's bill).
    spans = month_end - month_start
    slugs = org.teams["slug"].to_numpy()
    parts = []
    for tool in TOOLS:
        s = seats.filter(pl.col("tool_id") == tool)
        if s.is_empty():
            continue
        assigned = _to_us(s["assigned_on"])
        revoked = np.where(
            s["revoked_on"].is_null().to_numpy(),
            tl.end_us,
            _to_us(s["revoked_on"].fill_null(tl.end_date)),
        )
        last = s["last_activity_at"].dt.epoch("us").fill_null(-1).to_numpy()
        # Share of each month the seat was held and in use.
        lo = np.maximum(assigned[:, None], np.maximum(month_start, tl.start_us)[None, :])
        hi = np.minimum(
            np.minimum(revoked, np.maximum(last, 0))[:, None],
            np.minimum(month_end, tl.end_us)[None, :],
        )
        used = np.clip(hi - lo, 0, None) / spans[None, :]
        n, m = used.shape
        if tool == mk.COPILOT:
            quantity = np.round(np.exp(rng.normal(np.log(150), 0.9, (n, m))) * used)
            gross = quantity * COPILOT_PREMIUM_REQUEST_PRICE
            amount = (
                np.maximum(quantity - COPILOT_INCLUDED_PREMIUM_REQUESTS, 0)
                * COPILOT_PREMIUM_REQUEST_PRICE
            )
            source, unit, billed = "github-billing", "premium-requests", True
        elif tool == mk.CLAUDE_CODE:
            amount = np.round(np.exp(rng.normal(np.log(45), 0.8, (n, m))) * used, 2)
            gross, quantity = amount, np.round(amount / 6.0 * 1e6)
            source, unit, billed = "anthropic", "tokens", True
        else:
            amount = np.round(
                np.exp(rng.normal(np.log(12), 1.0, (n, m))) * used * (rng.random((n, m)) < 0.7), 2
            )
            gross, quantity = amount, np.round(amount / 0.04)
            source, unit, billed = "cursor", "requests", False
        person = s["person"].to_numpy()
        week = np.clip(
            (np.maximum(month_start, tl.start_us) - tl.start_us) // (7 * US_PER_DAY),
            0,
            tl.n_weeks - 1,
        )
        team = org.team_at(np.repeat(person, m), np.tile(week, n))
        keep = (used > 0).ravel()
        first_us, stop_us = lo.ravel()[keep], hi.ravel()[keep]
        login = np.repeat(s["login"].to_numpy(), m)[keep]
        month_ix = np.tile(np.arange(m), n)[keep]
        month_text = np.array([d.strftime("%Y-%m") for d in months])[month_ix]
        parts.append(
            pl.DataFrame(
                {
                    "record_key": [
                        f"demo:{source}:{tool}:{mt}:{lg}"
                        for mt, lg in zip(month_text, login, strict=True)
                    ],
                    "source": np.full(keep.sum(), source),
                    "tool_id": np.full(keep.sum(), tool),
                    "day": pl.Series([max(months[i], tl.start) for i in month_ix], dtype=pl.Date),
                    "billed": np.full(keep.sum(), billed),
                    "amount": np.round(amount.ravel()[keep], 2),
                    "gross_amount": np.round(gross.ravel()[keep], 2),
                    "currency": np.full(keep.sum(), "USD"),
                    "quantity": quantity.ravel()[keep].astype(float),
                    "unit": np.full(keep.sum(), unit),
                    "user_login": login,
                    "team_slug": slugs[team[keep]],
                    "_first": pl.Series(first_us // US_PER_DAY, dtype=pl.Int32).cast(pl.Date),
                    "_stop": pl.Series(-(-stop_us // US_PER_DAY), dtype=pl.Int32).cast(pl.Date),
                }
            )
        )
    return _daily(pl.concat(parts)).sort("record_key")


ONE_DAY = dt.timedelta(days=1)


def _daily(monthly: pl.DataFrame) -> pl.DataFrame:
    """Each user-month spread over its working days in use (``_first`` .. ``_stop``, weekends
    only when the span has no weekday): amounts and quantities split evenly in cents and
    units, the remainder on the last day, so the month's totals are unchanged. Record keys
    become ``demo:<source>:<tool>:<YYYY-MM-DD>:<login>``, as a daily feed's natural key."""
    days = (
        monthly.with_row_index("_row")
        .with_columns(
            pl.date_ranges(
                "_first", pl.max_horizontal("_first", pl.col("_stop") - dt.timedelta(days=1))
            ).alias("day")
        )
        .explode("day")
        .with_columns((pl.col("day").dt.weekday() <= 5).alias("_weekday"))
        .filter(pl.col("_weekday") | ~pl.col("_weekday").any().over("_row"))
    )
    n = pl.len().over("_row")
    last = pl.int_range(pl.len()).over("_row") == n - 1

    def split(column: str, unit: float) -> pl.Expr:
        total = (pl.col(column) / unit).round().cast(pl.Int64)
        each = total // n
        return (pl.when(last).then(total - each * (n - 1)).otherwise(each) * unit).alias(column)

    prefix = pl.col("record_key").str.extract(r"^(demo:[^:]+:[^:]+):", 1)
    return days.with_columns(
        split("amount", 0.01),
        split("gross_amount", 0.01),
        split("quantity", 1.0).cast(pl.Float64),
        pl.concat_str(
            prefix, pl.col("day").dt.to_string("%Y-%m-%d"), "user_login", separator=":"
        ).alias("record_key"),
    ).drop("_row", "_first", "_stop", "_weekday")


# Copilot usage reports (the usage-metrics reports API: docs/demo.md). Per user: an editor,
# two languages, how much Copilot they use and how much of it they accept.
IDES = ("vscode", "jetbrains", "visualstudio", "neovim")
IDE_SHARES = (0.68, 0.22, 0.07, 0.03)
LANGUAGES = ("typescript", "python", "go", "java", "kotlin", "ruby")
LANGUAGE_SHARES = (0.3, 0.28, 0.16, 0.14, 0.07, 0.05)
# feature -> (share of suggestions, acceptance factor, lines per suggestion, prompts share)
FEATURES = {
    "code_completion": (0.62, 1.0, 2.5, 0.0),
    "chat_panel_ask_mode": (0.18, 0.7, 6.0, 0.45),
    "chat_panel_agent_mode": (0.12, 1.3, 9.0, 0.35),
    "agent_edit": (0.08, 1.4, 7.0, 0.2),
}
USAGE_COUNTERS = (
    "user_initiated_interaction_count", "code_generation_activity_count",
    "code_acceptance_activity_count", "loc_suggested_to_add_sum", "loc_suggested_to_delete_sum",
    "loc_added_sum", "loc_deleted_sum",
)  # fmt: skip


def copilot_usage(rng: np.random.Generator, org: Org, seats: pl.DataFrame) -> pl.DataFrame:
    """Copilot usage report rows as the GitHub collector stores them (``copilot_usage``):
    one per seat holder and active day (``scope`` user, the users report's line in
    ``record``) and one per day for the organization (``user_login`` '', the report's
    ``day_totals`` element), the aggregate being the sum of the users' rows."""
    tl = org.timeline
    s = seats.filter(pl.col("tool_id") == mk.COPILOT)
    days = [tl.start + dt.timedelta(days=i) for i in range((tl.end_date - tl.start).days + 1)]
    day_us = np.array([date_to_us(d) for d in days])
    assigned = _to_us(s["assigned_on"])
    revoked = np.where(
        s["revoked_on"].is_null().to_numpy(),
        tl.end_us,
        _to_us(s["revoked_on"].fill_null(tl.end_date)),
    )
    last = s["last_activity_at"].dt.epoch("us").fill_null(-1).to_numpy()
    # In use until the last activity; seats active in the final week count as in use throughout.
    recent = last >= tl.end_us - 7 * US_PER_DAY
    in_use = (
        (assigned[:, None] <= day_us)
        & (day_us < revoked[:, None])
        & ((day_us <= last[:, None]) | recent[:, None])
    )
    n = s.height
    weekday = np.array([d.weekday() for d in days])
    day_factor = np.array([holiday_factor(d) for d in days]) * np.where(weekday >= 5, 0.08, 0.9)
    # Per user: how often they use it, how much, what they accept, editor and languages.
    propensity = rng.beta(8, 2, n)
    volume = np.exp(rng.normal(np.log(30), 0.5, n))
    accept = rng.beta(6, 11, n)
    ide = rng.choice(len(IDES), n, p=IDE_SHARES)
    first_lang = rng.choice(len(LANGUAGES), n, p=LANGUAGE_SHARES)
    second_lang = (first_lang + rng.integers(1, len(LANGUAGES), n)) % len(LANGUAGES)
    active = in_use & (rng.random(in_use.shape) < np.clip(propensity[:, None] * day_factor, 0, 1))
    user, day = np.nonzero(active)
    rows = len(user)
    # Agent mode grows over the year: its share of suggestions doubles from start to end.
    growth = 0.5 + day / max(len(days) - 1, 1)
    shares = np.array([f[0] for f in FEATURES.values()])[None, :] * np.ones((rows, 1))
    shares[:, 2] *= growth
    shares /= shares.sum(axis=1, keepdims=True)
    total = np.maximum(1, np.round(volume[user] * np.exp(rng.normal(0, 0.45, rows)))).astype(int)
    items = []
    for f, (name, (_, factor, lines, prompts)) in enumerate(FEATURES.items()):
        suggested = rng.binomial(total, shares[:, f])
        accepted = rng.binomial(suggested, np.clip(accept[user] * factor, 0, 0.95))
        loc_suggested = rng.poisson(suggested * lines)
        loc_added = rng.poisson(accepted * lines * 0.9)
        items.append(
            pl.DataFrame(
                {
                    "row": np.arange(rows),
                    "feature": np.full(rows, name),
                    "user_initiated_interaction_count": rng.poisson(suggested * prompts),
                    "code_generation_activity_count": suggested,
                    "code_acceptance_activity_count": accepted,
                    "loc_suggested_to_add_sum": loc_suggested,
                    "loc_suggested_to_delete_sum": np.zeros(rows, dtype=np.int64),
                    "loc_added_sum": loc_added,
                    "loc_deleted_sum": rng.poisson(loc_added * 0.25),
                }
            )
        )
    by_feature = pl.concat(items).filter(pl.col("code_generation_activity_count") > 0)
    counters = [pl.col(c).sum() for c in USAGE_COUNTERS]
    completions = by_feature.filter(pl.col("feature") == "code_completion")
    primary = rng.random(completions.height) < 0.75
    row_ix = completions["row"].to_numpy()
    by_language = (  # as in GitHub's samples: languages of the completions
        completions.with_columns(
            pl.Series(
                "language",
                np.array(LANGUAGES)[
                    np.where(primary, first_lang[user[row_ix]], second_lang[user[row_ix]])
                ],
            )
        )
        .group_by("row", "language", "feature")
        .agg(counters[1:])  # the language lists carry no interaction count
    )
    per_row = by_feature.group_by("row").agg(counters)
    frame = (
        pl.DataFrame(
            {
                "row": np.arange(rows),
                "day": pl.Series([days[d] for d in day], dtype=pl.Date),
                "user_id": s["login"].hash().to_numpy()[user] % 100_000_000,
                "user_login": s["login"].to_numpy()[user],
                "ide": np.array(IDES)[ide[user]],
            }
        )
        .join(per_row, on="row", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in USAGE_COUNTERS)
        .join(_lists(by_feature, "feature", "totals_by_feature"), on="row", how="left")
        .join(
            _lists(by_language, ["language", "feature"], "totals_by_language_feature"),
            on="row",
            how="left",
        )
        .with_columns(
            pl.concat_list(pl.struct("ide", *NESTED_COUNTERS)).alias("totals_by_ide"),
            (pl.col("user_initiated_interaction_count") > 0).alias("used_chat"),
        )
        .sort("day", "user_login")
    )
    user_rows = frame.select(
        pl.lit("user").alias("scope"),
        pl.lit(org.name).alias("owner"),
        "day",
        "user_login",
        pl.lit(None, dtype=pl.Int64).alias("active_users"),
        pl.col("user_initiated_interaction_count").alias("interactions"),
        pl.col("code_acceptance_activity_count").alias("code_acceptances"),
        pl.col("loc_added_sum").alias("loc_added"),
        pl.struct(
            pl.col("day").dt.to_string("%Y-%m-%d"), "user_id", "user_login", *USAGE_COUNTERS,
            "totals_by_ide", "totals_by_feature", "totals_by_language_feature", "used_chat",
        ).struct.json_encode().alias("record"),
    )  # fmt: skip
    return pl.concat([_org_rows(frame, active, days, org.name), user_rows]).sort(
        "day", "user_login"
    )


NESTED_COUNTERS = (*USAGE_COUNTERS[:4], "loc_added_sum")  # the lists keep the main five


def _lists(items: pl.DataFrame, keys: str | list[str], name: str) -> pl.DataFrame:
    keys = [keys] if isinstance(keys, str) else keys
    fields = [c for c in NESTED_COUNTERS if c in items.columns]
    return (
        items.sort("row", *keys)
        .group_by("row", maintain_order=True)
        .agg(pl.struct(*keys, *fields).alias(name))
    )


def _org_rows(frame: pl.DataFrame, active: np.ndarray, days: list, owner: str) -> pl.DataFrame:
    """The organization's daily report: the users' rows summed, users counted per window."""
    counts = np.cumsum(np.pad(active, ((0, 0), (1, 0))), axis=1)

    def window(width: int) -> np.ndarray:
        start = np.maximum(np.arange(active.shape[1]) + 1 - width, 0)
        return ((counts[:, 1:] - counts[:, start]) > 0).sum(axis=0)

    users = pl.DataFrame(
        {
            "day": pl.Series(days, dtype=pl.Date),
            "daily_active_users": active.sum(axis=0),
            "weekly_active_users": window(7),
            "monthly_active_users": window(28),
        }
    )
    counters = [pl.col(c).sum() for c in USAGE_COUNTERS]

    def lists(column: str, keys: list[str], name: str) -> pl.DataFrame:
        items = frame.select("day", pl.col(column)).explode(column).unnest(column)
        fields = [c for c in NESTED_COUNTERS if c in items.columns]
        return (
            items.group_by("day", *keys)
            .agg(pl.col(fields).sum())
            .sort("day", *keys)
            .group_by("day", maintain_order=True)
            .agg(pl.struct(*keys, *fields).alias(name))
        )

    totals = (
        frame.group_by("day")
        .agg(counters)
        .join(users, on="day")
        .join(lists("totals_by_ide", ["ide"], "totals_by_ide"), on="day", how="left")
        .join(lists("totals_by_feature", ["feature"], "totals_by_feature"), on="day", how="left")
        .join(
            lists("totals_by_language_feature", ["language", "feature"],
                  "totals_by_language_feature"),
            on="day",
            how="left",
        )
        .sort("day")
    )  # fmt: skip
    return totals.select(
        pl.lit("organization").alias("scope"),
        pl.lit(owner).alias("owner"),
        "day",
        pl.lit("").alias("user_login"),
        pl.col("daily_active_users").cast(pl.Int64).alias("active_users"),
        pl.col("user_initiated_interaction_count").alias("interactions"),
        pl.col("code_acceptance_activity_count").alias("code_acceptances"),
        pl.col("loc_added_sum").alias("loc_added"),
        pl.struct(
            pl.col("day").dt.to_string("%Y-%m-%d"), "daily_active_users", "weekly_active_users",
            "monthly_active_users", *USAGE_COUNTERS, "totals_by_ide", "totals_by_feature",
            "totals_by_language_feature",
        ).struct.json_encode().alias("record"),
    )  # fmt: skip


def _instant(column: str) -> pl.Expr:
    return pl.from_epoch(pl.col(column), time_unit="us").dt.replace_time_zone("UTC")


def _day(column: str) -> pl.Expr:
    return _instant(column).dt.date()


def _to_us(dates: pl.Series) -> np.ndarray:
    return dates.cast(pl.Int64).to_numpy() * US_PER_DAY


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, m = [], start.replace(day=1)
    while m <= end:
        months.append(m)
        m = _next_month(m)
    return months


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
