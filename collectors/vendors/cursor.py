"""``aimetrics collect cursor``: Cursor's Admin API and AI Code Tracking API.

- Members (``GET /teams/members``): the numeric id -> e-mail map a usage row may need, and
  the paid members as seat assignments (source ``cursor``, :mod:`collectors.vendors.cursor_seats`).
- Daily usage (``POST /teams/daily-usage-data``, windows of at most 30 days, paged so idle
  members come too): per member and day into ``vendor_usage`` (source ``cursor-admin-api``).
- Spend (``POST /teams/spend``, every page): a running total of the current billing cycle,
  plan-included usage too. Each answer is kept (``cursor_spend_snapshots``); the cycle's
  spend per member and day is derived from the differences into ``cost_records`` (source
  ``cursor``, feed ``spend-daily``: overage as the net amount, the whole spend as gross).
- AI Code Tracking (``GET /analytics/ai-code/commits``, Enterprise plans, alpha): per
  commit, Tab and agent lines into ``cursor_ai_commits``, joined to the stored commits by
  repository and SHA into ``commit_ai_lines`` (source ``cursor``). A plan without it
  (403/404) is one line in the summary; the rest of the collection goes on.

Each daily-usage or tracking window (all its pages) is one transaction with its
``sync_state`` rows (:mod:`collectors.vendors.days`), and so is each spend snapshot with the
cost records it changes: a run killed at any point resumes where it stopped.
"""

from __future__ import annotations

import base64
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa

from aimetrics.errors import AimetricsError
from aimetrics.settings import CursorSettings, ReportingSettings
from aimetrics.store import Replace, read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.store.pending import pending_rows
from aimetrics.vocabulary import tool_name
from collectors.costs.load import check_currencies
from collectors.vendors import cursor_rows as r
from collectors.vendors import cursor_seats as seats
from collectors.vendors import days as d
from collectors.vendors.http import MAX_PAGES, VendorAuthError, VendorClient, VendorError

MEMBERS = "/teams/members"
DAILY_USAGE = "/teams/daily-usage-data"
SPEND = "/teams/spend"
AI_COMMITS = "/analytics/ai-code/commits"
PERMISSION = (
    "a Cursor Admin API key (a team admin creates it in the dashboard: Settings > Advanced > "
    "Admin API Keys; read-only is enough)"
)
TRACKING_PLAN = (
    "Cursor's AI Code Tracking API is for Enterprise teams (alpha); per-commit AI lines skipped"
)
USAGE_FEED, SPEND_FEED, TRACKING_FEED = "daily_usage", "spend", "ai_code"
WINDOW_DAYS = 30  # the daily-usage endpoint's longest range
USAGE_PAGE = 1000  # members per daily-usage page
SPEND_PAGE = 100
TRACKING_PAGE = 1000  # the tracking API's largest page

Report = Callable[[str], None]


@dataclass
class FeedResult:
    days: int = 0
    rows: int = 0
    error: str | None = None
    note: str | None = None
    """Why a feed did not run, when that is no failure (a plan without tracking)."""


@dataclass
class CursorSummary:
    feeds: dict[str, FeedResult] = field(default_factory=dict)
    members: int = 0
    removed: int = 0
    seats: int = 0  # paid seats the members list shows
    seats_opened: int = 0
    seats_revoked: int = 0
    joined: int = 0  # tracked commits the store holds
    requests: int = 0
    retries: int = 0

    @property
    def failed(self) -> list[str]:
        return [f"{feed}: {r.error}" for feed, r in self.feeds.items() if r.error]

    @property
    def notes(self) -> list[str]:
        return [f"{feed}: {r.note}" for feed, r in self.feeds.items() if r.note]

    def line(self) -> str:
        parts = [
            f"{self.members} members ({self.removed} removed); {self.seats} seats "
            f"({self.seats_opened} new, {self.seats_revoked} revoked)"
        ]
        for feed, res in self.feeds.items():
            if res.note:
                parts.append(f"{feed} skipped")
            elif feed == SPEND_FEED:
                parts.append(f"spend snapshot of {res.rows} members")
            else:
                parts.append(f"{feed} {res.days} days, {res.rows:,} rows")
        if TRACKING_FEED in self.feeds and not self.feeds[TRACKING_FEED].note:
            parts.append(f"{self.joined:,} tracked commits in the store")
        return f"cursor: {'; '.join(parts)} ({self.requests} requests, {self.retries} retried)"


class PacedClient(VendorClient):
    """A `VendorClient` that keeps to Cursor's limit of ``per_minute`` requests a minute per
    endpoint: a request that would exceed it waits until the minute allows it (announced),
    rather than spending retries on 429s whose backoff may be shorter than the minute."""

    def __init__(self, *args: Any, per_minute: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.per_minute = per_minute
        self.clock: Callable[[], float] = time.monotonic
        self._sent: dict[str, deque[float]] = {}

    def _request(self, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        sent = self._sent.setdefault(path, deque())
        now = self.clock()
        while sent and now - sent[0] >= 60.0:
            sent.popleft()
        if len(sent) >= self.per_minute:
            wait = 60.0 - (now - sent.popleft())
            self.report(f"{what}: {self.per_minute} requests a minute; waiting {wait:.0f} s")
            self._sleep(wait)
        sent.append(self.clock())
        return super()._request(method, path, what, **kwargs)


def make_client(settings: CursorSettings) -> VendorClient:
    key = settings.key()
    if key is None:
        raise VendorAuthError(
            f"cursor: no key: ${settings.api_key_env} is not set; export it with {PERMISSION}"
        )
    # Basic auth, the key as user name and an empty password.
    basic = base64.b64encode(f"{key}:".encode()).decode()
    return PacedClient(
        "Cursor", settings.base_url, {"Authorization": f"Basic {basic}"},
        key_env=settings.api_key_env, permission=PERMISSION, secrets=(key,),
        per_minute=settings.requests_per_minute,
    )  # fmt: skip


def collect_cursor(
    settings: CursorSettings,
    engine: sa.Engine,
    reporting: ReportingSettings,
    *,
    today: date | None = None,
    now: datetime | None = None,
    report: Report = lambda _line: None,
) -> CursorSummary:
    """Members, then each feed: the days each lacks (plus the look-back), the spend now.

    A refused key raises `VendorAuthError` (nothing to do without it); a feed that fails
    otherwise is named in the summary, what it stored is kept, and the others still run."""
    now = now or datetime.now(UTC)
    today = today or now.date()
    client = make_client(settings)
    client.report = report
    summary = CursorSummary()
    try:
        emails, members = _members(client, summary)
        changes = seats.save_seats(engine, members, r.TOOL, today)
        summary.seats, summary.seats_opened = changes.held, changes.opened
        summary.seats_revoked = changes.revoked
        report(
            f"cursor members: {summary.members} ({summary.removed} removed); seats: "
            f"{changes.held} held, {changes.opened} new, {changes.revoked} revoked"
        )
        feeds: list[tuple[str, Callable[..., None]]] = [
            (USAGE_FEED, _daily_usage), (SPEND_FEED, _spend),
        ]  # fmt: skip
        if settings.tracking:
            feeds.append((TRACKING_FEED, _tracking))
        for feed, run in feeds:
            result = summary.feeds[feed] = FeedResult()
            wanted: list[date] = []
            if feed != SPEND_FEED:
                stored = d.stored_days(engine, r.SOURCE, feed)
                wanted = d.days_to_fetch(
                    stored, today, settings.history_days, settings.lookback_days
                )
                report(f"cursor {feed}: {len(wanted)} days to fetch ({len(stored)} stored)")
            try:
                run(client, engine, reporting, wanted, today, now, result, emails, report)
            except VendorError as exc:
                if feed == TRACKING_FEED and exc.status in (403, 404):
                    result.note = f"{TRACKING_PLAN} (HTTP {exc.status})"
                    report(f"cursor {feed}: {result.note}")
                    continue
                if isinstance(exc, VendorAuthError):
                    raise
                result.error = str(exc)
            except AimetricsError as exc:
                result.error = str(exc)  # the caller names it (`CursorSummary.failed`)
        if TRACKING_FEED in summary.feeds and not summary.feeds[TRACKING_FEED].note:
            summary.joined = join_tracked_commits(engine)
    finally:
        summary.requests = client.counters.requests
        summary.retries = client.counters.retries
        client.close()
    return summary


def _members(client: VendorClient, summary: CursorSummary) -> tuple[dict[int, str], list[Any]]:
    body = client.get_json(MEMBERS, {}, "Cursor members")
    members = body.get("teamMembers")
    if not isinstance(members, list):
        raise VendorError("Cursor members: the answer has no 'teamMembers' list")
    emails: dict[int, str] = {}
    for m in members:
        if isinstance(m, dict) and isinstance(m.get("id"), int) and isinstance(m.get("email"), str):
            emails[m["id"]] = m["email"]
    summary.members = len(members)
    summary.removed = sum(1 for m in members if isinstance(m, dict) and m.get("isRemoved"))
    return emails, members


def windows(days: list[date], longest: int = WINDOW_DAYS) -> list[tuple[date, date]]:
    """Consecutive days as ranges of at most ``longest`` days, oldest first."""
    out: list[tuple[date, date]] = []
    for first, last in d.runs(days):
        while first <= last:
            end = min(last, first + timedelta(days=longest - 1))
            out.append((first, end))
            first = end + timedelta(days=1)
    return out


def _tool_frame() -> pl.DataFrame:
    return pl.DataFrame({"id": [r.TOOL], "name": [tool_name(r.TOOL)]})


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _usage_pages(client: VendorClient, first: date, last: date, what: str) -> Iterator[dict]:
    """Every page of one window. Paging makes Cursor list idle members (zero rows) too."""
    body: dict[str, Any] = {
        "startDate": r.epoch_ms(first),
        "endDate": r.epoch_ms(last + timedelta(days=1)),
        "pageSize": USAGE_PAGE,
    }
    for page in range(1, MAX_PAGES + 1):
        answer = client.post_json(DAILY_USAGE, {**body, "page": page}, what)
        if not isinstance(answer.get("data"), list):
            raise VendorError(f"{what}: the answer has no 'data' list")
        yield answer
        paging = answer.get("pagination") if isinstance(answer.get("pagination"), dict) else {}
        total = paging.get("totalPages")
        if not paging.get("hasNextPage") or (isinstance(total, int) and page >= total):
            return
    raise VendorError(f"{what}: more than {MAX_PAGES} pages; stopped")


def _daily_usage(
    client: VendorClient,
    engine: sa.Engine,
    _reporting: ReportingSettings,
    wanted: list[date],
    today: date,
    _now: datetime,
    result: FeedResult,
    emails: dict[int, str],
    report: Report,
) -> None:
    for first, last in windows(wanted):
        started = datetime.now(UTC)
        what = f"Cursor daily usage {first}..{last}"
        pages = list(_usage_pages(client, first, last, what))
        usage = r.usage_rows(what, (i for p in pages for i in p["data"]), emails, first, last)
        counts = {day: 0 for day in _span(first, last)}
        for day in usage["day"].to_list():
            counts[day] += 1
        v = s.vendor_usage.c
        write_frames(
            engine,
            [
                (s.ai_tools, _tool_frame()),
                (s.vendor_usage, usage),
                (s.sync_state, d.state_rows(r.SOURCE, USAGE_FEED, counts, today, started)),
            ],
            replace=[
                Replace(
                    s.vendor_usage,
                    (v.source == r.USAGE_SOURCE) & (v.day >= first) & (v.day <= last),
                )
            ],
            keep_existing=[s.ai_tools],
        )
        result.days += len(counts)
        result.rows += usage.height
        report(f"cursor daily_usage: {first}..{last} stored, {usage.height} rows")


def _spend(
    client: VendorClient,
    engine: sa.Engine,
    reporting: ReportingSettings,
    _wanted: list[date],
    today: date,
    now: datetime,
    result: FeedResult,
    _emails: dict[int, str],
    report: Report,
) -> None:
    what = "Cursor spend"
    pages = []
    for page in range(1, MAX_PAGES + 1):
        answer = client.post_json(SPEND, {"page": page, "pageSize": SPEND_PAGE}, what)
        if not isinstance(answer.get("teamMemberSpend"), list):
            raise VendorError(f"{what}: the answer has no 'teamMemberSpend' list")
        pages.append(answer)
        total = answer.get("totalPages")
        if not isinstance(total, int) or page >= total or not answer["teamMemberSpend"]:
            break
    snapshot = r.snapshot_rows(what, pages, now)
    if snapshot.is_empty():
        result.note = "no member has spend in the current cycle"
        return
    cycle = snapshot["cycle_start"].min()
    t = s.cursor_spend_snapshots
    stored = read_table(engine, t, where=t.c.cycle_start == cycle)
    snapshots = pl.concat([stored.select(snapshot.columns), snapshot])
    costs = r.daily_spend(snapshots)
    check_currencies(costs, what, reporting)
    c = s.cost_records.c
    state = d.state_rows(r.SOURCE, SPEND_FEED, {today: snapshot.height}, today, now)
    write_frames(
        engine,
        [
            (s.ai_tools, _tool_frame()),
            (t, snapshot),
            (s.cost_records, costs),
            (s.sync_state, state),
        ],
        replace=[
            Replace(
                s.cost_records,
                c.record_key.like(f"{r.SOURCE}:{r.SPEND_FEED}:%") & (c.day >= cycle.date()),
            )
        ],
        keep_existing=[s.ai_tools],
    )
    result.days = costs["day"].n_unique()
    result.rows = snapshot.height
    report(
        f"cursor spend: snapshot of {snapshot.height} members (cycle from {cycle.date()}); "
        f"{costs.height} daily cost records"
    )


def _tracking_pages(client: VendorClient, first: date, last: date, what: str) -> Iterator[dict]:
    """Every page of one window (stop rule inferred: a short page, or all ``totalCount``)."""
    params: dict[str, Any] = {
        "startDate": first.isoformat(),
        "endDate": last.isoformat(),
        "pageSize": TRACKING_PAGE,
    }
    for page in range(1, MAX_PAGES + 1):
        answer = client.get_json(AI_COMMITS, {**params, "page": page}, what)
        items = answer.get("items")
        if not isinstance(items, list):
            raise VendorError(f"{what}: the answer has no 'items' list")
        yield answer
        size = answer.get("pageSize") if isinstance(answer.get("pageSize"), int) else TRACKING_PAGE
        total = answer.get("totalCount")
        if len(items) < size or (isinstance(total, int) and page * size >= total):
            return
    raise VendorError(f"{what}: more than {MAX_PAGES} pages; stopped")


def _tracking(
    client: VendorClient,
    engine: sa.Engine,
    _reporting: ReportingSettings,
    wanted: list[date],
    today: date,
    _now: datetime,
    result: FeedResult,
    _emails: dict[int, str],
    report: Report,
) -> None:
    t = s.cursor_ai_commits
    for first, last in windows(wanted):
        started = datetime.now(UTC)
        what = f"Cursor AI code tracking {first}..{last}"
        pages = list(_tracking_pages(client, first, last, what))
        fetched = r.tracking_rows(what, (i for p in pages for i in p["items"]))
        hashes = sorted(set(fetched["commit_hash"].to_list()))
        stored = read_table(
            engine, t, where=t.c.commit_hash.in_(hashes) if hashes else sa.false()
        )  # fmt: skip
        # An amended commit's earlier record, stored by an earlier run, must not win.
        rows = r.latest_commits(pl.concat([stored.select(fetched.columns), fetched]))
        counts = dict.fromkeys(_span(first, last), 0)
        for created in fetched["created_at"].to_list():
            if created.date() in counts:
                counts[created.date()] += 1
        write_frames(
            engine,
            [
                (t, rows),
                (s.sync_state, d.state_rows(r.SOURCE, TRACKING_FEED, counts, today, started)),
            ],
        )
        result.days += len(counts)
        result.rows += fetched.height
        report(f"cursor ai_code: {first}..{last} stored, {fetched.height} commits")


def join_tracked_commits(engine: sa.Engine) -> int:
    """Rebuild the ``commit_ai_lines`` rows of source ``cursor`` from every stored tracked
    commit the store's commits match (commits collected after their tracking record join on
    the next run); the repositories whose rows changed are listed for re-tagging. Returns
    how many commits have rows."""
    tracked = read_table(engine, s.cursor_ai_commits, columns=list(r.JOIN_COLUMNS))
    lines = s.commit_ai_lines
    before = read_table(engine, lines, where=lines.c.source == r.SOURCE)
    if tracked.is_empty() and before.is_empty():
        return 0
    names = sorted({r.repo_key(n) for n in tracked["repo_name"].to_list() if n})
    repos = read_table(engine, s.repositories, columns=["id", "full_name"])
    repos = repos.filter(
        pl.col("full_name").map_elements(r.repo_key, return_dtype=pl.String).is_in(names)
    )
    # The matched repositories' commits, filtered here rather than by a SHA list in SQL
    # (a long list passes SQLite's limit on bound values).
    commits = read_table(
        engine, s.commits, columns=["repo_id", "sha", "additions"],
        where=s.commits.c.repo_id.in_(repos["id"].to_list()) if repos.height else sa.false(),
    ).filter(pl.col("sha").str.to_lowercase().is_in(tracked["commit_hash"].implode()))  # fmt: skip
    after = r.commit_line_rows(tracked, repos, commits)
    key = ["repo_id", "sha", "tool_id", "model"]
    if before.select(after.columns).sort(key).equals(after.sort(key)):
        return after.select("repo_id", "sha").n_unique()
    changed = set(before["repo_id"].to_list()) | set(after["repo_id"].to_list())
    write_frames(
        engine,
        [(lines, after), (s.sync_state, pending_rows(changed))],
        replace=[Replace(lines, lines.c.source == r.SOURCE)],
    )
    return after.select("repo_id", "sha").n_unique()
