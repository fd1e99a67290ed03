"""``aimetrics collect openai``: the OpenAI organization costs API (billed spend).

- Costs (``GET /v1/organization/costs``, daily buckets grouped by project and line item,
  and by API key when ``vendors.openai.api_keys`` maps keys): billed spend into
  ``cost_records``, mapped by the file importer (:mod:`collectors.costs.openai`) so an API
  run and an import of the same response give the same record keys. The configuration
  says which tool a project's or key's spend counts for (``OpenAISettings.tool_for``).
  A re-fetched day replaces that day's OpenAI cost rows whatever their grouping, so a
  file import of the day grouped another way is not counted twice.
- Codex analytics (``api.chatgpt.com/v1/analytics/codex/...``) is not collected: the
  routes are documented but their rows are not (docs/collecting.md says what is left out).

Each page of buckets is one transaction with its days' ``sync_state`` rows
(:mod:`collectors.vendors.days`), so a killed run resumes at the first page not stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa

from aimetrics.errors import AimetricsError
from aimetrics.settings import OpenAISettings, ReportingSettings
from aimetrics.store import schema as s
from aimetrics.store import write_frames
from aimetrics.store.write import Replace
from aimetrics.vocabulary import tool_name
from collectors.costs.load import check_currencies
from collectors.costs.openai import SOURCE, costs_rows
from collectors.vendors import days as d
from collectors.vendors.http import VendorAuthError, VendorClient, VendorError

COSTS = "/v1/organization/costs"
PERMISSION = (
    "an Admin API key (sk-admin-..., platform.openai.com > Settings > Organization > "
    "Admin keys; an organization owner creates it) with read access to usage "
    "(api.usage.read); project keys are refused"
)
COSTS_FEED = "costs"
PAGE_DAYS = 31  # buckets per page we ask for (the API allows 1-180)

Report = Callable[[str], None]


@dataclass
class OpenAISummary:
    days: int = 0
    rows: int = 0
    requests: int = 0
    retries: int = 0
    error: str | None = None

    @property
    def failed(self) -> list[str]:
        return [f"{COSTS_FEED}: {self.error}"] if self.error else []

    def line(self) -> str:
        return (
            f"openai: {COSTS_FEED} {self.days} days, {self.rows:,} rows "
            f"({self.requests} requests, {self.retries} retried)"
        )


def make_client(settings: OpenAISettings) -> VendorClient:
    key = settings.key()
    if key is None:
        raise VendorAuthError(
            f"openai: no key: ${settings.admin_key_env} is not set; export it with {PERMISSION}"
        )
    return VendorClient(
        "OpenAI", settings.base_url, {"Authorization": f"Bearer {key}"},
        key_env=settings.admin_key_env, permission=PERMISSION,
    )  # fmt: skip


def collect_openai(
    settings: OpenAISettings,
    engine: sa.Engine,
    reporting: ReportingSettings,
    *,
    today: date | None = None,
    report: Report = lambda _line: None,
) -> OpenAISummary:
    """Fetch the days not stored (plus the look-back) and store them page by page.

    A refused key raises `VendorAuthError`; any other failure is in the summary
    (``failed``), with the days stored before it kept."""
    today = today or datetime.now(UTC).date()
    client = make_client(settings)
    client.report = report
    summary = OpenAISummary()
    try:
        stored = d.stored_days(engine, SOURCE, COSTS_FEED)
        wanted = d.days_to_fetch(stored, today, settings.history_days, settings.lookback_days)
        report(f"openai {COSTS_FEED}: {len(wanted)} days to fetch ({len(stored)} stored)")
        try:
            _costs(client, engine, settings, reporting, wanted, today, summary, report)
        except VendorAuthError:
            raise
        except AimetricsError as exc:
            summary.error = str(exc)
    finally:
        summary.requests = client.counters.requests
        summary.retries = client.counters.retries
        client.close()
    return summary


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _bucket_day(bucket: Any, what: str) -> date:
    start = bucket.get("start_time") if isinstance(bucket, dict) else None
    if isinstance(start, bool) or not isinstance(start, (int, float)):
        raise VendorError(f"{what}: a bucket's start_time is {start!r}, not a Unix time")
    return datetime.fromtimestamp(start, UTC).date()


def _costs(
    client: VendorClient,
    engine: sa.Engine,
    settings: OpenAISettings,
    reporting: ReportingSettings,
    wanted: list[date],
    today: date,
    summary: OpenAISummary,
    report: Report,
) -> None:
    group_by = ["project_id", "line_item"] + (["api_key_id"] if settings.api_keys else [])
    for first, last in d.runs(wanted):
        params = {
            "start_time": _epoch(first),
            "end_time": _epoch(last + timedelta(days=1)),
            "bucket_width": "1d",
            "group_by[]": group_by,
            "limit": PAGE_DAYS,
        }
        what = f"OpenAI costs {first}..{last}"
        for page in client.pages(COSTS, params, what):
            started = datetime.now(UTC)
            frame = costs_rows(what, [page], settings.tool_for)
            check_currencies(frame, what, reporting)
            days = sorted({_bucket_day(b, what) for b in page["data"]})
            counts = {day: frame.filter(pl.col("day") == day).height for day in days}
            names = {"id": sorted(set(frame["tool_id"]))}
            tools = pl.DataFrame(
                {**names, "name": [tool_name(t) for t in names["id"]]},
                schema={"id": pl.String, "name": pl.String},
            )
            write_frames(
                engine,
                [
                    (s.ai_tools, tools),
                    (s.cost_records, frame),
                    (s.sync_state, d.state_rows(SOURCE, COSTS_FEED, counts, today, started)),
                ],
                # Every grouping of the day (costs, costs-project, costs-project-line...):
                # an import of the day grouped another way is replaced, never added to.
                replace=[
                    Replace(s.cost_records, s.cost_records.c.record_key.like(_like(day)))
                    for day in days
                ],
                keep_existing=[s.ai_tools],
            )  # fmt: skip
            summary.days += len(days)
            summary.rows += frame.height
            if days:
                report(f"openai {COSTS_FEED}: {days[0]}..{days[-1]} stored, {frame.height} rows")


def _like(day: date) -> str:
    # "openai:costs-project-line:2026-08-01:<hash>": the feed's name varies with the grouping.
    return f"{SOURCE}:costs%:{day.isoformat()}:%"
