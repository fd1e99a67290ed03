"""``aimetrics collect anthropic``: the Anthropic Admin API's cost report and Claude Code report.

- Cost report (``GET /v1/organizations/cost_report``, daily buckets, grouped by workspace
  and description): billed spend into ``cost_records``, mapped by the file importer
  (:mod:`collectors.costs.anthropic`) so an API run and an import of the same export
  give the same record keys. A re-fetched day replaces that day's cost-report rows, so a
  file import of the day grouped another way is not counted twice.
- Claude Code usage report (``GET /v1/organizations/usage_report/claude_code``, one day
  per call): per actor and day, sessions, lines, commits, PRs, tool actions and the
  estimated cost into ``vendor_usage``; the estimate also into ``cost_records``
  (``billed`` false) exactly as the file import maps it.

Shapes and limits: ``docs/collecting.md`` and the reference examples the tests' fixtures
name. Each page (cost report) or day (Claude Code) is one transaction with its
``sync_state`` rows (:mod:`collectors.vendors.days`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa

from aimetrics.errors import AimetricsError
from aimetrics.settings import AnthropicSettings, ReportingSettings
from aimetrics.store import schema as s
from aimetrics.store import write_frames
from aimetrics.store.types import table_schema
from aimetrics.store.write import Replace
from aimetrics.vocabulary import tool_name
from collectors.costs._common import parse_day, record_key
from collectors.costs.anthropic import SOURCE, TOOL, claude_code_rows, cost_report_rows
from collectors.costs.load import check_currencies
from collectors.vendors import days as d
from collectors.vendors.http import VendorAuthError, VendorClient, VendorError, dumps

VERSION = "2023-06-01"
COST_REPORT = "/v1/organizations/cost_report"
CLAUDE_CODE = "/v1/organizations/usage_report/claude_code"
PERMISSION = (
    "an Admin API key (sk-ant-admin..., Console > Settings > Admin keys; an organization "
    "admin creates it) or an OAuth token with the org:admin scope; workspace keys are refused"
)
COST_FEED, CODE_FEED = "cost_report", "claude_code"
COST_PAGE_DAYS = 31  # the cost report's largest page (buckets per page)
CODE_PAGE_ROWS = 1000  # the Claude Code report's largest page
USAGE_SCHEMA = table_schema(s.vendor_usage)

Report = Callable[[str], None]


@dataclass
class FeedResult:
    days: int = 0
    rows: int = 0
    error: str | None = None


@dataclass
class AnthropicSummary:
    feeds: dict[str, FeedResult] = field(default_factory=dict)
    requests: int = 0
    retries: int = 0

    @property
    def failed(self) -> list[str]:
        return [f"{feed}: {r.error}" for feed, r in self.feeds.items() if r.error]

    def line(self) -> str:
        parts = [f"{feed} {r.days} days, {r.rows:,} rows" for feed, r in self.feeds.items()]
        return f"anthropic: {'; '.join(parts)} ({self.requests} requests, {self.retries} retried)"


def make_client(settings: AnthropicSettings) -> VendorClient:
    key = settings.key()
    if key is None:
        raise VendorAuthError(
            f"anthropic: no key: ${settings.admin_key_env} is not set; export it with {PERMISSION}"
        )
    headers = {"x-api-key": key, "anthropic-version": VERSION}
    return VendorClient(
        "Anthropic", settings.base_url, headers, key_env=settings.admin_key_env,
        permission=PERMISSION,
    )  # fmt: skip


def collect_anthropic(
    settings: AnthropicSettings,
    engine: sa.Engine,
    reporting: ReportingSettings,
    *,
    today: date | None = None,
    report: Report = lambda _line: None,
) -> AnthropicSummary:
    """Fetch the days each feed lacks (plus the look-back) and store them day by day.

    A refused key raises `VendorAuthError` (nothing to do without it); a feed that fails
    otherwise is named in the summary, the days it stored are kept, and the other feed
    still runs."""
    today = today or datetime.now(UTC).date()
    client = make_client(settings)
    client.report = report
    summary = AnthropicSummary()
    try:
        for feed, run in ((COST_FEED, _cost_report), (CODE_FEED, _claude_code)):
            result = summary.feeds[feed] = FeedResult()
            stored = d.stored_days(engine, SOURCE, feed)
            wanted = d.days_to_fetch(stored, today, settings.history_days, settings.lookback_days)
            report(f"anthropic {feed}: {len(wanted)} days to fetch ({len(stored)} stored)")
            try:
                run(client, engine, reporting, wanted, today, result, report)
            except VendorAuthError:
                raise
            except AimetricsError as exc:
                result.error = str(exc)  # the caller names it (`AnthropicSummary.failed`)
    finally:
        summary.requests = client.counters.requests
        summary.retries = client.counters.retries
        client.close()
    return summary


def _tool_frame() -> pl.DataFrame:
    return pl.DataFrame({"id": [TOOL], "name": [tool_name(TOOL)]})


def _like(feed: str, day: date) -> str:
    return f"{SOURCE}:{feed}:{day.isoformat()}:%"


def _cost_report(
    client: VendorClient,
    engine: sa.Engine,
    reporting: ReportingSettings,
    wanted: list[date],
    today: date,
    result: FeedResult,
    report: Report,
) -> None:
    for first, last in d.runs(wanted):
        params = {
            "starting_at": f"{first.isoformat()}T00:00:00Z",
            "ending_at": f"{(last + timedelta(days=1)).isoformat()}T00:00:00Z",
            "bucket_width": "1d",
            "group_by[]": ["workspace_id", "description"],
            "limit": COST_PAGE_DAYS,
        }
        what = f"Anthropic cost report {first}..{last}"
        for page in client.pages(COST_REPORT, params, what):
            started = datetime.now(UTC)
            frame = cost_report_rows(what, [page])
            check_currencies(frame, what, reporting)
            days = sorted(
                {day for b in page["data"] if (day := parse_day(b.get("starting_at"))) is not None}
            )
            counts = {day: frame.filter(pl.col("day") == day).height for day in days}
            write_frames(
                engine,
                [
                    (s.ai_tools, _tool_frame()),
                    (s.cost_records, frame),
                    (s.sync_state, d.state_rows(SOURCE, COST_FEED, counts, today, started)),
                ],
                replace=[
                    Replace(
                        s.cost_records, s.cost_records.c.record_key.like(_like("cost-report", day))
                    )
                    for day in days
                ],
                keep_existing=[s.ai_tools],
            )
            result.days += len(days)
            result.rows += frame.height
            if days:
                report(f"anthropic cost_report: {days[0]}..{days[-1]} stored, {frame.height} rows")


def _claude_code(
    client: VendorClient,
    engine: sa.Engine,
    reporting: ReportingSettings,
    wanted: list[date],
    today: date,
    result: FeedResult,
    report: Report,
) -> None:
    for day in wanted:
        started = datetime.now(UTC)
        what = f"Anthropic Claude Code report {day}"
        params = {"starting_at": day.isoformat(), "limit": CODE_PAGE_ROWS}
        # All pages of the day, then one transaction: a day is never half stored.
        pages = list(client.pages(CLAUDE_CODE, params, what))
        costs = claude_code_rows(what, pages)
        check_currencies(costs, what, reporting)
        usage = usage_rows(what, pages)
        write_frames(
            engine,
            [
                (s.ai_tools, _tool_frame()),
                (s.vendor_usage, usage),
                (s.cost_records, costs),
                (
                    s.sync_state,
                    d.state_rows(SOURCE, CODE_FEED, {day: usage.height}, today, started),
                ),
            ],
            replace=[
                Replace(
                    s.vendor_usage, s.vendor_usage.c.record_key.like(_like("claude-code", day))
                ),
                Replace(
                    s.cost_records, s.cost_records.c.record_key.like(_like("claude-code", day))
                ),
            ],
            keep_existing=[s.ai_tools],
        )
        result.days += 1
        result.rows += usage.height
        report(f"anthropic claude_code: {day} stored, {usage.height} rows")


def usage_rows(what: str, pages: list[dict[str, Any]]) -> pl.DataFrame:
    """``vendor_usage`` rows of Claude Code report pages: one per actor, day, terminal,
    customer type and remote flag (the report's own row), keyed like its cost records."""
    rows: dict[str, dict[str, Any]] = {}
    for page in pages:
        for item in page["data"]:
            if not isinstance(item, dict):
                raise VendorError(f"{what}: a data row is not a JSON object")
            day = parse_day(item.get("date"))
            if day is None:
                raise VendorError(f"{what}: a row's date is {item.get('date')!r}, not a day")
            actor = item.get("actor") if isinstance(item.get("actor"), dict) else {}
            email, key_name = actor.get("email_address"), actor.get("api_key_name")
            key = record_key(
                SOURCE, "claude-code", day, actor.get("type"), email or key_name,
                item.get("terminal_type"), item.get("customer_type"), item.get("is_remote"),
            )  # fmt: skip
            core = _obj(item.get("core_metrics"))
            lines = _obj(core.get("lines_of_code"))
            actions = [_obj(a) for a in _obj(item.get("tool_actions")).values()]
            costs = [_obj(_obj(m).get("estimated_cost")) for m in item.get("model_breakdown") or []]
            cents = [c["amount"] for c in costs if _number(c.get("amount"))]
            currencies = {str(c["currency"]).upper() for c in costs if c.get("currency")}
            rows[key] = {
                "record_key": key,
                "source": SOURCE,
                "tool_id": TOOL,
                "day": day,
                "user_login": email,
                "api_key_name": None if email else key_name,
                "sessions": _int(core.get("num_sessions")),
                "lines_added": _int(lines.get("added")),
                "lines_removed": _int(lines.get("removed")),
                "commits": _int(core.get("commits_by_claude_code")),
                "pull_requests": _int(core.get("pull_requests_by_claude_code")),
                "requests": None,  # the report counts sessions, not requests
                "actions_accepted": _sum(a.get("accepted") for a in actions) if actions else None,
                "actions_rejected": _sum(a.get("rejected") for a in actions) if actions else None,
                "cost": sum(cents) / 100.0 if cents else None,  # cents, as the importer reads it
                "currency": min(currencies) if len(currencies) == 1 else None,
                "record": dumps(item),
            }
    return pl.DataFrame(list(rows.values()), schema=USAGE_SCHEMA, orient="row").sort("record_key")


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _int(value: Any) -> int | None:
    return int(value) if _number(value) else None


def _sum(values: Any) -> int:
    return sum(int(v) for v in values if _number(v))
