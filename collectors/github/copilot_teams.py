"""Two more fields of the 2026 Copilot usage reports (issue 16), in their own tables:

- The **user-teams report** (``user-teams-1-day?day=``, org and enterprise, since
  2026-05-14): one row per (user, team, day) into ``copilot_user_teams``. Read per day,
  the days not stored yet within the window (the last 28 days, or back to ``--since``),
  plus a look-back of 2 days re-read (GitHub corrects recent days), each day recorded in
  ``sync_state`` with its rows so a re-run asks only new days. A re-read day replaces
  its rows (a user who left a team that day is gone). 204/404: no report that day.
- The users' **AI adoption phase** (``ai_adoption_phase`` of users-1-day/28-day, since
  2026-05-29) into ``copilot_adoption_phases``, keyed on ``phase_number`` (the label of
  phase 0 varies: "Phase 0", "No Cohort"). Built from the per-user records the usage step
  already read: no request of its own.

The org-level ``totals_by_ai_adoption_phase`` stays in ``copilot_usage.record`` (the
aggregate rows are stored whole); see docs/metrics.md for why it is not summed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from aimetrics.store.write import Replace
from collectors.github.auth import NotInstalled
from collectors.github.client import GitHubClient, GitHubUnavailable
from collectors.vendors import days as d

TEAMS_FEED = "user-teams"
TEAMS_FROM = date(2026, 5, 14)
"""The first day of the user-teams report."""
TEAMS_WINDOW, TEAMS_LOOKBACK = 28, 2
TEAMS_HELP = (
    "the token needs read:org (org) or manage_billing:copilot / read:enterprise (enterprise); "
    "fine-grained: 'View Organization Copilot Metrics' or 'Enterprise Copilot metrics' (read)"
)


@dataclass
class TeamsFetch:
    """The user-teams records of the days read, and each day's record count."""

    records: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)  # (owner, record)
    asked: list[tuple[Any, dict[date, int]]] = field(default_factory=list)  # (owner, counts)
    warnings: list[str] = field(default_factory=list)


def feed(owner: Any) -> str:
    return f"{TEAMS_FEED}:{owner.scope}:{owner.slug}"


def days_wanted(stored: set[date], today: date, since: date | None) -> list[date]:
    """The finished days to read: the window's not stored, plus the look-back's."""
    yesterday = today - timedelta(days=1)
    first = max(since or yesterday - timedelta(days=TEAMS_WINDOW - 1), TEAMS_FROM)
    if first > yesterday:
        return []
    history = (yesterday - first).days + 1
    return d.days_to_fetch(stored, yesterday, history, min(TEAMS_LOOKBACK, history))


def fetch_user_teams(
    engine: Any,
    client_for: Callable[[str], GitHubClient],
    owners: Iterable[Any],
    today: date,
    since: date | None,
    fetch_report: Callable[..., tuple[Any, list[dict[str, Any]]]],
    forbidden: type[Exception],
    source: str,
) -> TeamsFetch:
    """Read each owner's user-teams days; a refusal (403) or a failure after the client's
    retries (5xx) gives one warning naming the owner and what is missing, keeps the days
    read before it, and the other owners go on."""
    out = TeamsFetch()
    for owner in owners:
        stored = d.stored_days(engine, source, feed(owner))
        done: dict[date, int] = {}
        try:
            client = client_for(owner.slug)
            for day in days_wanted(stored, today, since):
                _, found = fetch_report(client, owner, "user-teams-1-day", {"day": day.isoformat()})
                out.records += [(owner, r) for r in found]
                done[day] = len(found)
        except forbidden as exc:
            out.warnings.append(
                f"Copilot user-teams report of {owner.slug}: GitHub answered 403 ({exc}); "
                f"{TEAMS_HELP}. Skipped"
            )
        except (NotInstalled, GitHubUnavailable) as exc:
            out.warnings.append(
                f"Copilot user-teams report of {owner.slug}: {exc}. Skipped; re-run later"
            )
        if done:
            out.asked.append((owner, done))
    return out


def _int(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool)
    return value if ok else (int(value) if isinstance(value, str) and value.isdigit() else None)


def team_rows(fetched: TeamsFetch) -> pl.DataFrame:
    """``copilot_user_teams`` rows; records without a user, team or day are left out."""
    rows: dict[tuple, dict[str, Any]] = {}
    for owner, record in fetched.records:
        user_id, team_id = _int(record.get("user_id")), _int(record.get("team_id"))
        day, login = record.get("day"), record.get("user_login")
        if user_id is None or team_id is None or not isinstance(day, str) or not login:
            continue
        row = {
            "scope": owner.scope, "owner": owner.slug, "day": date.fromisoformat(day[:10]),
            "user_id": user_id, "team_id": team_id, "user_login": login,
            "team_slug": record.get("slug") or str(team_id),
        }  # fmt: skip
        rows[(owner.scope, owner.slug, row["day"], user_id, team_id)] = row
    return pl.DataFrame(
        list(rows.values()), schema=table_schema(s.copilot_user_teams), orient="row"
    )


def team_replaces(fetched: TeamsFetch) -> list[Replace]:
    """Deletes of the stored rows of the days read again (their rows are the new answer)."""
    t = s.copilot_user_teams
    return [
        Replace(t, (t.c.scope == o.scope) & (t.c.owner == o.slug) & t.c.day.in_(list(done)))
        for o, done in fetched.asked
    ]


def state_frames(fetched: TeamsFetch, source: str, today: date, started: Any) -> list:
    return [
        (s.sync_state, d.state_rows(source, feed(o), done, today, started))
        for o, done in fetched.asked
    ]


def phase_rows(usage: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """``copilot_adoption_phases`` rows from the per-user ``copilot_usage`` rows (scope
    ``user``, the report row as JSON in ``record``); users without a phase are left out
    (a report from before 2026-05-29: unknown, not phase 0)."""
    rows: dict[tuple[date, str], dict[str, Any]] = {}
    for usage_row in usage:
        if usage_row["scope"] != "user":
            continue
        phase = json.loads(usage_row["record"]).get("ai_adoption_phase")
        number = _int(phase.get("phase_number")) if isinstance(phase, dict) else None
        if number is None:
            continue
        login = usage_row["user_login"].lower()
        rows[(usage_row["day"], login)] = {
            "day": usage_row["day"], "user_login": login, "phase_number": number,
            "phase": phase.get("phase"), "version": phase.get("version"),
        }  # fmt: skip
    return pl.DataFrame(
        list(rows.values()), schema=table_schema(s.copilot_adoption_phases), orient="row"
    )
