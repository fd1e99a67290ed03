"""Cursor's API answers as store rows: pure functions, no HTTP and no store access.

- `usage_rows`: ``POST /teams/daily-usage-data`` rows -> ``vendor_usage`` (one per member and
  day; idle members' zero rows too, for seat denominators: they are no evidence).
- `snapshot_rows` and `daily_spend`: ``POST /teams/spend`` (a running total of the current
  billing cycle, plan-included usage too) -> ``cursor_spend_snapshots``, and from all the
  cycle's snapshots the spend per member and day -> ``cost_records``.
- `tracking_rows` and `latest_commits`: the AI Code Tracking API's commits ->
  ``cursor_ai_commits`` (one per hash, author and repository, the latest ``createdAt``).
- `commit_line_rows`: those joined to the stored commits -> ``commit_ai_lines``.

Field meanings and what is documented versus inferred: ``docs/collecting.md`` (Cursor).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from collectors.costs._common import COST_SCHEMA, record_key
from collectors.git_notes import line_rows
from collectors.vendors.http import VendorError, dumps

SOURCE = "cursor"
"""``cost_records.source`` (as `aimetrics import costs --source cursor`), ``sync_state``
vendor (``vendor:cursor``) and ``commit_ai_lines.source``."""
USAGE_SOURCE = "cursor-admin-api"
"""``vendor_usage.source``."""
TOOL = "cursor"
SPEND_FEED = "spend-daily"
"""The cost records' feed (``cursor:spend-daily:...``): apart from the file imports'
``cursor:spend`` and ``cursor:usage-events``, so the cost model never adds them up."""
TAB, AGENT = "tab", "agent"
"""``commit_ai_lines.model`` of a commit's Tab and agent lines: the tracking API names no
model per commit, only the kind of edit."""
REQUEST_FIELDS = ("composerRequests", "chatRequests", "agentRequests", "cmdkUsages", "bugbotUsages")
USAGE_SCHEMA = table_schema(s.vendor_usage)
SNAPSHOT_SCHEMA = table_schema(s.cursor_spend_snapshots)
COMMIT_SCHEMA = table_schema(s.cursor_ai_commits)


def epoch_ms(day: date) -> int:
    """Midnight UTC of ``day`` in epoch milliseconds (the Admin API's dates)."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def from_ms(value: Any) -> datetime | None:
    """An epoch-milliseconds number (or numeric string) as a UTC time; None when not one."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def _obj(what: str, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise VendorError(f"{what}: a row is not a JSON object")
    return item


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _int(value: Any) -> int | None:
    n = _number(value)
    return None if n is None else int(n)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _row_day(what: str, item: Mapping[str, Any]) -> date:
    """A daily-usage row's day: ``day`` (YYYY-MM-DD), else ``date`` (epoch ms)."""
    text = _text(item.get("day"))
    if text:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    when = from_ms(item.get("date"))
    if when is None:
        raise VendorError(
            f"{what}: a row has neither 'day' (YYYY-MM-DD) nor 'date' (epoch ms): "
            f"day={item.get('day')!r}, date={item.get('date')!r}"
        )
    return when.date()


def usage_rows(
    what: str,
    items: Iterable[Any],
    emails: Mapping[int, str],
    first: date,
    last: date,
) -> pl.DataFrame:
    """``vendor_usage`` rows of daily-usage rows whose day is in ``first..last``.

    ``lines_added``/``lines_removed`` are the accepted AI lines (``acceptedLines*``: the
    tool's lines, not everything typed); ``requests`` the requests of every surface
    (composer, chat, agent, Cmd-K, Bugbot); ``actions_accepted`` the accepted applies and
    Tab completions; ``actions_rejected`` the rejected applies. A row without an e-mail
    takes the member list's (``emails`` by numeric id)."""
    rows: dict[str, dict[str, Any]] = {}
    for raw in items:
        item = _obj(what, raw)
        day = _row_day(what, item)
        if not first <= day <= last:
            continue  # outside the window asked (an inclusive end): another window's row
        user_id = _int(item.get("userId"))
        email = _text(item.get("email")) or (emails.get(user_id) if user_id is not None else None)
        if user_id is None and email is None:
            raise VendorError(f"{what}: a row of {day} names no user (no userId, no email)")
        who = user_id if user_id is not None else email
        key = record_key(USAGE_SOURCE, "daily-usage", day, who)
        requests = [_int(item.get(f)) for f in REQUEST_FIELDS]
        accepts = [_int(item.get(f)) for f in ("totalAccepts", "totalTabsAccepted")]
        rows[key] = {
            "record_key": key,
            "source": USAGE_SOURCE,
            "tool_id": TOOL,
            "day": day,
            "user_login": email,
            "api_key_name": None,
            "sessions": None,  # not reported
            "lines_added": _int(item.get("acceptedLinesAdded")),
            "lines_removed": _int(item.get("acceptedLinesDeleted")),
            "commits": None,
            "pull_requests": None,
            "requests": sum(r for r in requests if r) if any(r is not None for r in requests)
            else None,
            "actions_accepted": sum(a for a in accepts if a)
            if any(a is not None for a in accepts) else None,
            "actions_rejected": _int(item.get("totalRejects")),
            "cost": None,  # spend comes from /teams/spend, into cost_records
            "currency": None,
            "record": dumps(item),
        }  # fmt: skip
    return pl.DataFrame(list(rows.values()), schema=USAGE_SCHEMA, orient="row").sort("record_key")


def member(user_id: int | None, email: str | None) -> str:
    """A member's key in the snapshots: the numeric id, else the lower-cased e-mail."""
    return f"id:{user_id}" if user_id is not None else (email or "").lower()


def snapshot_rows(what: str, pages: list[dict[str, Any]], taken_at: datetime) -> pl.DataFrame:
    """``cursor_spend_snapshots`` rows of one spend answer (all its pages), the member's
    ``name`` left out."""
    rows: dict[str, dict[str, Any]] = {}
    for page in pages:
        cycle = from_ms(page.get("subscriptionCycleStart"))
        if cycle is None:
            raise VendorError(
                f"{what}: subscriptionCycleStart is {page.get('subscriptionCycleStart')!r}, "
                "not epoch milliseconds"
            )
        for raw in page.get("teamMemberSpend") or []:
            item = _obj(what, raw)
            user_id, email = _int(item.get("userId")), _text(item.get("email"))
            spend = _number(item.get("spendCents"))
            if user_id is None and email is None:
                raise VendorError(f"{what}: a spend row names no member (no userId, no email)")
            if spend is None:
                raise VendorError(
                    f"{what}: spendCents of {email or user_id} is {item.get('spendCents')!r}, "
                    "not a number"
                )
            key = member(user_id, email)
            rows[key] = {
                "taken_at": taken_at,
                "member": key,
                "cycle_start": cycle,
                "user_id": user_id,
                "email": email,
                "spend_cents": spend,
                "included_spend_cents": _number(item.get("includedSpendCents")),
                # Without the member's name: nothing needs it, and the e-mail is the one
                # identity `forget` removes from stored records.
                "record": dumps({k: v for k, v in item.items() if k != "name"}),
            }
    return pl.DataFrame(list(rows.values()), schema=SNAPSHOT_SCHEMA, orient="row")


def daily_spend(snapshots: pl.DataFrame) -> pl.DataFrame:
    """``cost_records`` of the spend per member and day, from one cycle's snapshots.

    Per member, the last snapshot of each UTC day is the running total at that day's end
    (as far as known). A day's spend is its total minus the previous one; when snapshots
    are days apart (or for the cycle's first snapshot, counted from the cycle's first day)
    the difference is spread evenly over the days between, since Cursor gives no finer
    split. ``gross_amount`` is the spend, plan-included usage too; the net ``amount`` is
    the overage ``max(0, spend - includedSpendCents)`` (the included part is paid with the
    seat, as the file import reads it). A snapshot without ``includedSpendCents`` cannot be
    split: its difference is an estimate (``billed`` false) of the whole spend. A total
    going down (a refund) gives a negative day: the days always add up to the last total.
    """
    records: dict[str, dict[str, Any]] = {}
    if snapshots.is_empty():
        return pl.DataFrame(schema=COST_SCHEMA)
    ordered = snapshots.sort("member", "taken_at")
    for (key,), group in ordered.group_by("member", maintain_order=True):
        by_day: dict[date, dict[str, Any]] = {}
        for row in group.iter_rows(named=True):
            by_day[row["taken_at"].date()] = row  # the day's last snapshot wins
        cycle = group["cycle_start"].min()
        before = cycle.date() - timedelta(days=1)
        spent, over = 0.0, 0.0
        for day in sorted(by_day):
            row = by_day[day]
            included = row["included_spend_cents"]
            total = row["spend_cents"]
            overage = max(0.0, total - included) if included is not None else None
            gross = (total - spent) / 100.0
            net = gross if overage is None else (overage - over) / 100.0
            span = max(1, (day - before).days)
            for i in range(span):
                d = day - timedelta(days=i)
                if (gross or net) and d >= cycle.date():
                    rk = record_key(SOURCE, SPEND_FEED, d, cycle.date().isoformat(), key)
                    records[rk] = {
                        "record_key": rk,
                        "source": SOURCE,
                        "tool_id": TOOL,
                        "day": d,
                        "billed": overage is not None,
                        "amount": net / span,
                        "gross_amount": gross / span,
                        "currency": "USD",
                        "quantity": None,
                        "unit": None,
                        "user_login": row["email"],
                        "team_slug": None,
                    }
            spent, over, before = total, overage if overage is not None else 0.0, day
    return pl.DataFrame(list(records.values()), schema=COST_SCHEMA, orient="row").sort("record_key")


def _time(what: str, value: Any, field: str) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise VendorError(f"{what}: {field} is {text!r}, not an ISO time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def tracking_rows(what: str, items: Iterable[Any]) -> pl.DataFrame:
    """``cursor_ai_commits`` rows of AI Code Tracking commits, the latest ``createdAt`` of
    each hash, author and repository (`latest_commits`)."""
    rows = []
    for raw in items:
        item = _obj(what, raw)
        sha = (_text(item.get("commitHash")) or "").lower()
        created = _time(what, item.get("createdAt"), "createdAt")
        if not sha or created is None:
            raise VendorError(f"{what}: a commit without commitHash or createdAt: {sha or '?'}")
        rows.append(
            {
                "commit_hash": sha,
                "user_email": (_text(item.get("userEmail")) or "").lower(),
                "repo_name": _text(item.get("repoName")) or "",
                "branch_name": _text(item.get("branchName")),
                "commit_ts": _time(what, item.get("commitTs"), "commitTs"),
                "created_at": created,
                "total_lines_added": _int(item.get("totalLinesAdded")),
                "tab_lines_added": _int(item.get("tabLinesAdded")),
                "composer_lines_added": _int(item.get("composerLinesAdded")),
                "non_ai_lines_added": _int(item.get("nonAiLinesAdded")),
                "record": dumps(item),
            }
        )
    return latest_commits(pl.DataFrame(rows, schema=COMMIT_SCHEMA, orient="row"))


def latest_commits(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per hash, author and repository: the latest ``created_at`` (an amended
    commit repeats its hash; the later record describes the commit as it now is)."""
    key = ["commit_hash", "user_email", "repo_name"]
    return (
        frame.sort([*key, "created_at", "record"])
        .unique(subset=key, keep="last", maintain_order=True)
        .sort(key)
    )


def repo_key(name: str) -> str:
    """A repository name compared with ``repositories.full_name``: lower case, without a
    host, a ``.git`` suffix or slashes around (``github.com/Acme/Web.git`` -> ``acme/web``)."""
    parts = [p for p in name.strip().lower().removesuffix(".git").split("/") if p]
    return "/".join(parts[-2:])


JOIN_COLUMNS = (
    "commit_hash", "user_email", "repo_name", "created_at", "total_lines_added",
    "tab_lines_added", "composer_lines_added",
)  # fmt: skip
"""The ``cursor_ai_commits`` columns `commit_line_rows` reads (not the stored records)."""


def commit_line_rows(
    tracked: pl.DataFrame, repositories: pl.DataFrame, commits: pl.DataFrame
) -> pl.DataFrame:
    """``commit_ai_lines`` rows (source ``cursor``) of the tracked commits the store holds,
    joined by repository name and SHA; per commit the record with the latest ``created_at``.

    AI lines are the Tab and agent (``composer``) lines, models ``tab`` and ``agent``; the
    commit's added lines are the stored ``additions`` (Cursor's total when unknown), at least
    the AI lines; Cursor's non-AI lines are *untracked* here, not human: Cursor computes them
    as what is left, and they may come from another tool."""
    repos = repositories.select(pl.col("id").alias("repo_id"), _repo_keys(pl.col("full_name")))
    joined = (
        tracked.filter(pl.col("repo_name") != "")
        .with_columns(_repo_keys(pl.col("repo_name")))
        .join(repos, on="_repo", how="inner")
        .join(
            commits.select(
                "repo_id", "sha", pl.col("sha").str.to_lowercase().alias("_sha"), "additions"
            ),
            left_on=["repo_id", "commit_hash"],
            right_on=["repo_id", "_sha"],
            how="inner",
        )
        .sort("repo_id", "commit_hash", "created_at", "user_email")
        .unique(subset=["repo_id", "commit_hash"], keep="last", maintain_order=True)
    )
    tab = pl.col("tab_lines_added").fill_null(0)
    agent = pl.col("composer_lines_added").fill_null(0)
    added = pl.max_horizontal(pl.coalesce("additions", "total_lines_added", pl.lit(0)), tab + agent)
    common = joined.select(
        "repo_id", "sha", pl.lit(SOURCE).alias("source"), pl.lit(0).alias("human_lines"),
        pl.lit(0).alias("mixed_lines"), (added - tab - agent).alias("untracked_lines"),
        added.alias("added_lines"), tab.alias("_tab"), agent.alias("_agent"),
    )  # fmt: skip
    # One row per kind of AI line the commit has, or one row of tool and model '' when it
    # has none (as `collectors.git_notes.line_rows` writes a commit without AI lines).
    parts = [
        common.filter(pl.col(n) > 0).with_columns(
            pl.lit(tool).alias("tool_id"),
            pl.lit(model).alias("model"),
            pl.col(n).alias("ai_added_lines"),
        )
        for n, tool, model in (("_tab", TOOL, TAB), ("_agent", TOOL, AGENT))
    ]
    parts.append(
        common.filter((pl.col("_tab") == 0) & (pl.col("_agent") == 0)).with_columns(
            pl.lit("").alias("tool_id"),
            pl.lit("").alias("model"),
            pl.lit(0).alias("ai_added_lines"),
        )
    )
    empty = line_rows(0, SOURCE, {})
    return pl.concat([p.select(empty.columns).cast(dict(empty.schema)) for p in parts]).sort(
        "repo_id", "sha", "tool_id", "model"
    )


def _repo_keys(names: pl.Expr) -> pl.Expr:
    """`repo_key` of each name, computed once per distinct name."""
    return names.map_batches(
        lambda s: s.replace_strict({n: repo_key(n) for n in s.unique().to_list()}),
        return_dtype=pl.String,
    ).alias("_repo")
