"""The 2026 fields of the Copilot usage reports, as ``vendor_usage`` rows (source
``github-copilot-report``) beside the ``copilot_usage`` rows that keep the reports whole.

- Per user and day (users-1-day / users-28-day): ``ai_credits_used`` (since 2026-06-19) as
  ``cost``, its list value at $0.01 a credit, an estimate and never billed spend (the
  billing usage API has the money); and the Copilot CLI's ``totals_by_cli`` as
  ``sessions`` and ``requests``. Absent fields stay null (GitHub: absent means unknown,
  not 0). A user-day is one row whichever report (org or enterprise) listed it.
- The coding agent's pull requests (``pull_requests.total_created_by_copilot``) as
  ``pull_requests``, with no user (no one's evidence, a vendor count to set against
  markers): per repository and day from the repos-1-day report (from 2026-07-17), else per
  organization and day from the aggregate report. A day is counted one way, never both, so
  summing ``pull_requests`` of these rows gives each day's PRs once. The enterprise's
  reports are read only when no org is collected (they hold the orgs' PRs again).

The record column keeps the fields read, so a later metric can use the rest of the block.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import polars as pl

from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from aimetrics.store.write import Replace
from collectors.costs._common import record_key
from collectors.vendors.http import dumps

SOURCE = "github-copilot-report"
REPO_FEED = "repos"
ORG_PRS, REPO_PRS = "coding-agent-prs", "repo-prs"  # record-key feeds
TOOL_ID = "github-copilot"
CREDIT_PRICE = 0.01  # USD per AI credit (GitHub's list price, costs-and-usage.md §0.5)
USER_FIELDS = (
    "day", "user_id", "user_login", "ai_credits_used", "ai_adoption_phase", "totals_by_cli",
    "used_cli", "used_copilot_coding_agent", "used_copilot_cloud_agent",
)  # fmt: skip
USAGE_SCHEMA = table_schema(s.vendor_usage)


def _number(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok else None


def _count(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def _row(key: str, day: date, **values: Any) -> dict[str, Any]:
    return {
        "record_key": key, "source": SOURCE, "tool_id": TOOL_ID, "day": day,
        "user_login": None, "api_key_name": None, "sessions": None, "lines_added": None,
        "lines_removed": None, "commits": None, "pull_requests": None, "requests": None,
        "actions_accepted": None, "actions_rejected": None, "cost": None, "currency": None,
        **values,
    }  # fmt: skip


def evidence_rows(
    usage: Iterable[dict[str, Any]],
    *,
    enterprise_prs: bool,
    repo_days: set[tuple[str, str, date]] = frozenset(),  # type: ignore[assignment]
) -> pl.DataFrame:
    """``vendor_usage`` rows from ``copilot_usage`` rows (as `copilot.usage_rows` builds them:
    ``scope``, ``owner``, ``day``, ``user_login`` and the report row as JSON in ``record``).
    ``repo_days``: (scope, owner, day) whose PRs the repository report counts instead."""
    rows: dict[str, dict[str, Any]] = {}
    for usage_row in usage:
        record = json.loads(usage_row["record"])
        day: date = usage_row["day"]
        if usage_row["scope"] == "user":
            login = usage_row["user_login"]
            credits = _number(record.get("ai_credits_used"))
            cli = (
                record.get("totals_by_cli")
                if isinstance(record.get("totals_by_cli"), dict)
                else None
            )
            if credits is None and cli is None:
                continue  # a report from before the fields existed: nothing to add
            key = record_key(SOURCE, "user-day", day, login.lower())
            rows[key] = _row(
                key, day, user_login=login,
                sessions=_count((cli or {}).get("session_count")),
                requests=_count((cli or {}).get("request_count")),
                cost=round(credits * CREDIT_PRICE, 6) if credits is not None else None,
                currency="USD" if credits is not None else None,
                record=dumps({f: record[f] for f in USER_FIELDS if f in record}),
            )  # fmt: skip
            continue
        if usage_row["scope"] == "enterprise" and not enterprise_prs:
            continue
        prs = record.get("pull_requests")
        if not isinstance(prs, dict):
            continue
        scope, owner = usage_row["scope"], usage_row["owner"]
        if (scope, owner, day) in repo_days:
            continue
        key = record_key(SOURCE, ORG_PRS, day, scope, owner)
        rows[key] = _row(
            key, day, pull_requests=_count(prs.get("total_created_by_copilot")),
            record=dumps({"scope": scope, "owner": owner, "day": day.isoformat(),
                          "pull_requests": prs}),
        )  # fmt: skip
    return pl.DataFrame(list(rows.values()), schema=USAGE_SCHEMA, orient="row").sort("record_key")


def repo_rows(scope: str, owner: str, records: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """``vendor_usage`` rows of repos-1-day records: per repository and day, the coding
    agent's PRs; the repository's ids and names and the whole block kept in ``record``."""
    rows: dict[str, dict[str, Any]] = {}
    for record in records:
        prs = record.get("pull_requests")
        day_text = record.get("day")
        if not isinstance(prs, dict) or not isinstance(day_text, str):
            continue
        day = date.fromisoformat(day_text[:10])
        repo = {f: record.get(f) for f in ("repo_id", "repo_owner_name", "repo_name")}
        key = record_key(SOURCE, REPO_PRS, day, repo["repo_id"] or
                         f"{repo['repo_owner_name']}/{repo['repo_name']}")  # fmt: skip
        rows[key] = _row(
            key, day, pull_requests=_count(prs.get("total_created_by_copilot")),
            record=dumps({"scope": scope, "owner": owner, "day": day.isoformat(), **repo,
                          "repo_visibility": record.get("repo_visibility"),
                          "pull_requests": prs}),
        )  # fmt: skip
    return pl.DataFrame(list(rows.values()), schema=USAGE_SCHEMA, orient="row").sort("record_key")


def org_pr_keys(days: Iterable[tuple[str, str, date]]) -> list[Replace]:
    """Deletes of the org-level PR rows of days the repository report now covers."""
    keys = [record_key(SOURCE, ORG_PRS, day, scope, owner) for scope, owner, day in days]
    return [Replace(s.vendor_usage, s.vendor_usage.c.record_key.in_(keys))] if keys else []
