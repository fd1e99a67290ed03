"""Copilot seats (a snapshot per run builds the seat history) and usage reports.

Seats come from PyGithub (``org.get_copilot().get_seats()``). The API only
knows current seats, so each run upserts them and closes (``revoked_on`` =
today) the stored GitHub seats that disappeared. Usage comes from the reports
API that replaced ``/orgs/{org}/copilot/metrics``: each call returns signed
``download_links`` to NDJSON files, fetched without the Authorization header.
Every run reads the latest 28-day reports (one request each); ``--since`` older
than that window backfills with 1-day reports for the days not stored yet.
A 403 gives one warning naming what is missing; 204/404 for a day means "no
report that day" and is skipped quietly.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from github import GithubException, RateLimitExceededException

from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from aimetrics.vocabulary import TOOL_NAMES
from collectors.github import checkpoint as cp
from collectors.github import copilot_teams as ct
from collectors.github.auth import NotInstalled
from collectors.github.client import GitHubClient, GitHubUnavailable, rate_limited
from collectors.github.copilot_evidence import (
    REPO_FEED,
    evidence_rows,
    org_pr_keys,
    repo_rows,
)
from collectors.github.copilot_evidence import (
    SOURCE as EVIDENCE_SOURCE,
)
from collectors.github.progress import Reporter
from collectors.vendors import days as d

TOOL_ID = "github-copilot"
REPORTS_FROM = date(2025, 10, 10)
"""The first day the usage-metrics reports API has data for."""
REPOS_FROM = date(2026, 7, 17)
"""The first day of the per-repository report (repos-1-day, GA 2026-07-17)."""
REPO_WINDOW, REPO_LOOKBACK = 28, 2
"""Days back the repository report is read (as the 28-day reports), and read again."""
SEATS_HELP = (
    "the token needs the manage_billing:copilot scope (or read:org) and must belong to an "
    "owner of the org"
)
USAGE_HELP = (
    "the token needs the manage_billing:copilot scope (fine-grained: Copilot metrics read) from "
    "an owner or billing manager, and the 'Copilot usage metrics' policy must be enabled"
)


@dataclass
class CopilotResult:
    seats: int = 0
    usage_rows: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Owner:
    """Who a usage report is about: an org or an enterprise."""

    scope: str  # organization | enterprise
    slug: str

    @property
    def path(self) -> str:
        return f"/{'orgs' if self.scope == 'organization' else 'enterprises'}/{self.slug}"


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    return str(data.get("message") or exc.status)


# --- seats ------------------------------------------------------------------------------------


def fetch_seats(client: GitHubClient, org: str) -> list[dict[str, Any]]:
    """The org's current seats as REST dicts (one request per 100 seats)."""
    listing = client.rest.get_organization(org).get_copilot().get_seats()
    seats: list[dict[str, Any]] = []
    page = 0
    while True:
        batch = client.call(lambda p=page: listing.get_page(p), f"Copilot seats of {org}")
        seats += [seat.raw_data for seat in batch]
        if len(batch) < client.rest.per_page:
            return seats
        page += 1


def _day(value: str | None) -> date | None:
    """The UTC day of a timestamp or date text."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def seat_rows(seats: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = {}
    for seat in seats:
        login = (seat.get("assignee") or {}).get("login")
        assigned = _day(seat.get("created_at"))
        if not login or assigned is None:
            continue
        rows[(login.lower(), assigned)] = {
            "tool_id": TOOL_ID,
            "login": login,
            "assigned_on": assigned,
            "revoked_on": _day(seat.get("pending_cancellation_date")),
            "plan": seat.get("plan_type"),
            "last_activity_at": (
                datetime.fromisoformat(seat["last_activity_at"])
                if seat.get("last_activity_at")
                else None
            ),
            "source": "github",
        }
    return list(rows.values())


def _revocations(engine: sa.Engine, current: list[dict[str, Any]], today: date) -> list[dict]:
    """Stored open GitHub seats missing from the snapshot: closed as of today."""
    t = s.seat_assignments
    stored = read_table(
        engine,
        t,
        where=(t.c.source == "github") & (t.c.tool_id == TOOL_ID) & t.c.revoked_on.is_(None),
    )
    keep = {(r["login"].lower(), r["assigned_on"]) for r in current}
    gone = [r for r in stored.to_dicts() if (r["login"].lower(), r["assigned_on"]) not in keep]
    return [{**row, "revoked_on": today} for row in gone]


# --- usage reports ----------------------------------------------------------------------------


def parse_report(content: bytes) -> list[dict[str, Any]]:
    """NDJSON records; a JSON array (as the docs print the examples) is accepted too."""
    text = content.decode("utf-8-sig").strip()
    if not text:
        return []
    if text.startswith("["):
        return [r for r in json.loads(text) if isinstance(r, dict)]
    records = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            record = json.loads(line)
            if isinstance(record, dict):
                records.append(record)
    return records


class Forbidden(Exception):
    """GitHub answered 403 (named as GitHub names it)."""


def fetch_report(
    client: GitHubClient, owner: Owner, report: str, params: dict[str, str] | None
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(envelope, records) of one report; (None, []) when there is none (204/404)."""
    path = f"{owner.path}/copilot/metrics/reports/{report}"
    what = f"Copilot report {report} of {owner.slug}"
    try:
        envelope = client.rest_json(path, params, what)
    except GithubException as exc:
        if rate_limited(exc):
            raise GitHubUnavailable(f"{what}: GitHub's rate limit is exhausted") from None
        if exc.status == 404:
            return None, []
        if exc.status == 403:
            raise Forbidden(_message(exc)) from None
        why = f"GitHub answered {exc.status} ({_message(exc)})"
        raise GitHubUnavailable(f"{what}: {why}") from None
    if not envelope or not isinstance(envelope, dict):
        return None, []
    records: list[dict[str, Any]] = []
    for link in envelope.get("download_links") or []:
        found = client.download(link, what, parse=parse_report)
        if found is not None:
            records += found  # type: ignore[arg-type]
    return envelope, records


def usage_rows(owner: Owner, kind: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """copilot_usage rows: aggregate rows (``user_login`` '') or one per user and day."""
    rows = []
    for record in records:
        if kind == "users":
            if record.get("user_login") and record.get("day"):
                rows.append(
                    _usage_row(
                        "user", owner.slug, record["day"], record["user_login"], None, record
                    )
                )
            continue
        totals = record.get("day_totals", [record])
        for day_total in totals:
            if isinstance(day_total, dict) and day_total.get("day"):
                rows.append(
                    _usage_row(
                        owner.scope,
                        owner.slug,
                        day_total["day"],
                        "",
                        day_total.get("daily_active_users"),
                        day_total,
                    )
                )
    return rows


def _usage_row(
    scope: str, slug: str, day: str, login: str, active: Any, record: dict[str, Any]
) -> dict[str, Any]:
    return {
        "scope": scope,
        "owner": slug,
        "day": date.fromisoformat(day),
        "user_login": login,
        "active_users": active,
        "interactions": record.get("user_initiated_interaction_count"),
        "code_acceptances": record.get("code_acceptance_activity_count"),
        "loc_added": record.get("loc_added_sum"),
        "record": json.dumps(record, sort_keys=True),
    }


def _stored_days(engine: sa.Engine, owner: Owner) -> set[date]:
    t = s.copilot_usage
    days = read_table(
        engine,
        t,
        columns=["day"],
        where=(t.c.scope == owner.scope) & (t.c.owner == owner.slug) & (t.c.user_login == ""),
    )
    return set(days["day"].to_list())


def fetch_usage(
    engine: sa.Engine, client: GitHubClient, owner: Owner, since: date | None, today: date
) -> list[dict[str, Any]]:
    """Usage rows of the latest 28 days, plus 1-day reports back to ``since``. Raises Forbidden."""
    aggregate = owner.scope
    envelope, records = fetch_report(client, owner, f"{aggregate}-28-day/latest", None)
    rows = usage_rows(owner, aggregate, records)
    _, user_records = fetch_report(client, owner, "users-28-day/latest", None)
    rows += usage_rows(owner, "users", user_records)
    if since is None:
        return rows
    window_start = _day((envelope or {}).get("report_start_day")) or today - timedelta(days=28)
    have = _stored_days(engine, owner) | {r["day"] for r in rows if r["user_login"] == ""}
    day = max(since, REPORTS_FROM)
    while day < window_start:
        if day not in have:
            params = {"day": day.isoformat()}
            _, found = fetch_report(client, owner, f"{aggregate}-1-day", params)
            rows += usage_rows(owner, aggregate, found)
            _, found = fetch_report(client, owner, "users-1-day", params)
            rows += usage_rows(owner, "users", found)
        day += timedelta(days=1)
    return rows


def fetch_repo_reports(
    engine: sa.Engine, client: GitHubClient, owner: Owner, today: date
) -> tuple[list[dict[str, Any]], dict[date, int]]:
    """repos-1-day records of the finished days not stored yet (the last 28, plus a
    look-back), and the days asked with their record counts (a 204 or 404 is a day without
    activity: 0). Raises Forbidden or GitHubUnavailable; the caller keeps nothing then."""
    feed = f"{REPO_FEED}:{owner.scope}:{owner.slug}"
    stored = d.stored_days(engine, EVIDENCE_SOURCE, feed)
    yesterday = today - timedelta(days=1)
    wanted = d.days_to_fetch(stored, yesterday, REPO_WINDOW, REPO_LOOKBACK)
    records: list[dict[str, Any]] = []
    done: dict[date, int] = {}
    for day in (x for x in wanted if x >= REPOS_FROM):
        _, found = fetch_report(client, owner, "repos-1-day", {"day": day.isoformat()})
        records += found
        done[day] = len(found)
    return records, done


def _repo_days_with_rows(engine: sa.Engine, owner: Owner) -> set[date]:
    """Days of the owner's repository report stored with at least one repository."""
    t = s.sync_state
    feed = f"{REPO_FEED}:{owner.scope}:{owner.slug}:"
    states = read_table(
        engine,
        t,
        columns=["scope", "detail"],
        where=(t.c.source == d.state_source(EVIDENCE_SOURCE))
        & t.c.scope.startswith(feed, autoescape=True),
    )
    return {
        date.fromisoformat(scope[len(feed) :])
        for scope, detail in states.rows()
        if json.loads(detail or "{}").get("rows")
    }


def _repo_step(
    engine: sa.Engine,
    client_for: Callable[[str], GitHubClient],
    owners: list[Owner],
    today: date,
    reporter: Reporter,
    result: CopilotResult,
) -> tuple[pl.DataFrame, list[tuple[Owner, dict[date, int]]], set[tuple[str, str, date]]]:
    """The repository reports' rows, the days asked per owner, and every (scope, owner, day)
    the repository report covers (stored before or now): those days' PR counts are the
    repositories', so the org-level row of the day is left out (never both)."""
    rows: list[pl.DataFrame] = []
    asked: list[tuple[Owner, dict[date, int]]] = []
    covered: set[tuple[str, str, date]] = set()
    for owner in owners:
        covered |= {(owner.scope, owner.slug, x) for x in _repo_days_with_rows(engine, owner)}
        try:
            records, done = fetch_repo_reports(engine, client_for(owner.slug), owner, today)
        except (NotInstalled, Forbidden, GitHubUnavailable) as exc:
            why = (
                f"GitHub answered 403 ({exc}); {USAGE_HELP}" if isinstance(exc, Forbidden) else exc
            )
            _warn(reporter, result, f"Copilot repository reports of {owner.slug}: {why}. "
                  "Skipped; re-run later")  # fmt: skip
            continue
        rows.append(repo_rows(owner.scope, owner.slug, records))
        asked.append((owner, done))
        # Only a day with repositories in it: a 404 (no report) keeps the org's count.
        covered |= {(owner.scope, owner.slug, x) for x, n in done.items() if n}
    frame = pl.concat(rows) if rows else repo_rows("", "", [])
    return frame, asked, covered


# --- the whole Copilot step -------------------------------------------------------------------


def _frame(table: sa.Table, rows: list[dict[str, Any]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=table_schema(table), orient="row")
    keys = [c.name for c in table.primary_key.columns]
    return frame.unique(subset=keys, keep="last", maintain_order=True)


def collect_copilot(
    engine: sa.Engine,
    client_for: Callable[[str], GitHubClient],
    orgs: list[str],
    enterprise: str | None,
    *,
    since: date | None,
    reporter: Reporter,
    store_lock: threading.Lock,
    today: date | None = None,
) -> CopilotResult:
    today = today or date.today()
    result = CopilotResult()
    seats: list[dict[str, Any]] = []
    snapshot_complete = bool(orgs)
    for org in orgs:
        try:
            seats += seat_rows(fetch_seats(client_for(org), org))
        except NotInstalled as exc:
            snapshot_complete = False
            _warn(reporter, result, f"Copilot seats of {org}: {exc}. Seats skipped")
        except (GitHubUnavailable, RateLimitExceededException) as exc:
            snapshot_complete = False
            why = exc if isinstance(exc, GitHubUnavailable) else "GitHub's rate limit is exhausted"
            _warn(reporter, result, f"Copilot seats of {org}: {why}. Seats skipped; re-run later")
        except GithubException as exc:
            snapshot_complete = False
            if exc.status == 404:
                continue  # no Copilot subscription in this org
            _warn(
                reporter,
                result,
                f"Copilot seats of {org}: GitHub answered {exc.status} "
                f"({_message(exc)}); {SEATS_HELP}. Seats skipped",
            )
    usage: list[dict[str, Any]] = []
    owners = [Owner("organization", o) for o in orgs]
    owners += [Owner("enterprise", enterprise)] if enterprise else []
    refused: set[Owner] = set()  # their usage reports failed: warned once, not asked again
    for owner in owners:
        refused.add(owner)
        try:
            usage += fetch_usage(engine, client_for(owner.slug), owner, since, today)
            refused.discard(owner)
        except NotInstalled as exc:
            _warn(reporter, result, f"Copilot usage reports of {owner.slug}: {exc}. Usage skipped")
        except Forbidden as exc:
            _warn(
                reporter,
                result,
                f"Copilot usage reports of {owner.slug}: GitHub answered 403 "
                f"({exc}); {USAGE_HELP}. Usage skipped",
            )
        except GitHubUnavailable as exc:
            _warn(reporter, result, f"Copilot usage reports of {owner.slug}: {exc}. "
                  "Usage skipped; re-run later")  # fmt: skip
    # The enterprise's PRs repeat its orgs': its reports are read only without orgs.
    pr_owners = [o for o in owners if (o.scope == "organization" or not orgs) and o not in refused]
    repos, asked, covered = _repo_step(engine, client_for, pr_owners, today, reporter, result)
    # The user-teams report (copilot_teams.py), of the owners whose usage could be read.
    teams = ct.fetch_user_teams(engine, client_for, [o for o in owners if o not in refused],
                                today, since, fetch_report, Forbidden, EVIDENCE_SOURCE)  # fmt: skip
    for message in teams.warnings:
        _warn(reporter, result, message)
    started = datetime.now(UTC)
    with store_lock:
        closed = _revocations(engine, seats, today) if snapshot_complete else []
        evidence = evidence_rows(usage, enterprise_prs=not orgs, repo_days=covered)
        frames = [
            (s.ai_tools, pl.DataFrame({"id": [TOOL_ID], "name": [TOOL_NAMES[TOOL_ID]]})),
            (s.seat_assignments, _frame(s.seat_assignments, seats + closed)),
            (s.copilot_usage, _frame(s.copilot_usage, usage)),
            # The 2026 fields (AI credits, CLI, the coding agent's PRs) as vendor evidence.
            (s.vendor_usage, pl.concat([evidence, repos])),
            (s.copilot_user_teams, ct.team_rows(teams)),
            (s.copilot_adoption_phases, ct.phase_rows(usage)),
            *ct.state_frames(teams, EVIDENCE_SOURCE, today, started),
        ]
        for owner, done in asked:
            feed = f"{REPO_FEED}:{owner.scope}:{owner.slug}"
            frames.append((s.sync_state, d.state_rows(EVIDENCE_SOURCE, feed, done, today, started)))
        for owner in owners:
            last = max((r["day"] for r in usage if r["owner"] == owner.slug), default=None)
            state = cp.state_frame(
                f"{owner.scope}:{owner.slug}",
                status="complete",
                detail={},
                cursor=last.isoformat() if last else None,
                started_at=None,
                finished_at=cp.now(),
                source="github-copilot",
            )
            frames.append((s.sync_state, state))
        # An org-level PR row stored before the repository report covered its day goes.
        now = {(o.scope, o.slug, day) for o, done in asked for day, n in done.items() if n}
        counts = write_frames(engine, frames, replace=org_pr_keys(now) + ct.team_replaces(teams))
    result.seats = len(seats)
    result.usage_rows = counts.get("copilot_usage", 0)
    return result


def _warn(reporter: Reporter, result: CopilotResult, message: str) -> None:
    result.warnings.append(message)
    reporter.warn(message)
