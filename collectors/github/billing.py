"""Copilot's billed spend from GitHub's billing usage API, inside ``collect github``.

``GET /organizations/{org}/settings/billing/usage?year=&month=`` (and
``/enterprises/{enterprise}/...`` when ``github.enterprise`` is set) lists the month's usage
per day, product and SKU: Copilot seats, AI credits (from June 2026) and premium requests
(before), with Actions, Packages and the rest beside them. The Copilot rows become billed
``cost_records`` exactly as ``aimetrics import costs --source github-billing`` maps a saved
response (:func:`collectors.costs.github_billing.usage_response_rows`): same source, feed
and record keys, so an API run and an import of the same data are one set of rows, and
an org's and its enterprise's answers (which list the same items) too.

One request per month that holds days to fetch; the month's rows and its days'
``sync_state`` rows (source ``vendor:github-billing``, scope
``<organization|enterprise>:<slug>:<day>``) are one transaction, so a killed run resumes.
Days already complete are skipped, but the last ``billing_lookback_days`` are fetched again.
A 403 or 404 is one warning naming the permission (or the enterprise), and the rest of the
collection goes on. The per-model endpoints (``/premium_request/usage``, ``/ai_credit/usage``)
are not read: they hold the same spend without a date, per model (docs/collecting.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import polars as pl
import sqlalchemy as sa
from github import GithubException

from aimetrics.errors import AimetricsError
from aimetrics.settings import GitHubSettings, ReportingSettings
from aimetrics.store import schema as s
from aimetrics.store import write_frames
from aimetrics.vocabulary import TOOL_NAMES
from collectors.costs.github_billing import SOURCE, TOOL, usage_response_rows
from collectors.costs.load import check_currencies
from collectors.github.auth import NotInstalled
from collectors.github.client import GitHubClient, GitHubUnavailable, rate_limited
from collectors.github.progress import Reporter
from collectors.vendors import days as d

ORG_HELP = (
    "the token's account must be an owner or billing manager of the org, with a classic token "
    "(scope manage_billing:copilot; fine-grained tokens need the organization permission "
    "Administration: read)"
)
ENTERPRISE_HELP = (
    "the token's account must be an enterprise owner or billing manager, with a classic token "
    "with the manage_billing:enterprise (or admin:enterprise) scope"
)
NOT_FOUND = (
    "not found (404): the org's billing is on its enterprise (set github.enterprise), or it is "
    "not on GitHub's enhanced billing platform"
)


@dataclass
class BillingResult:
    days: int = 0
    rows: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BillingOwner:
    scope: str  # organization | enterprise
    slug: str

    @property
    def path(self) -> str:
        kind = "organizations" if self.scope == "organization" else "enterprises"
        return f"/{kind}/{self.slug}/settings/billing/usage"

    @property
    def feed(self) -> str:
        return f"{self.scope}:{self.slug}"


class _Skip(Exception):
    """The owner's billing cannot be read this run (the message says why)."""


def collect_billing(
    engine: sa.Engine,
    client_for: Callable[[str], GitHubClient],
    github: GitHubSettings,
    reporting: ReportingSettings,
    *,
    reporter: Reporter,
    store_lock: threading.Lock,
    today: date | None = None,
) -> BillingResult:
    """Each org's (and the enterprise's) Copilot billing usage for the days not stored."""
    today = today or datetime.now(UTC).date()
    result = BillingResult()
    owners = [BillingOwner("organization", o) for o in github.orgs]
    owners += [BillingOwner("enterprise", github.enterprise)] if github.enterprise else []
    for owner in owners:
        stored = d.stored_days(engine, SOURCE, owner.feed)
        wanted = d.days_to_fetch(
            stored, today, github.billing_history_days, github.billing_lookback_days
        )
        try:
            client = client_for(owner.slug)
            for (year, month), month_days in _months(wanted).items():
                _month(engine, client, owner, reporting, year, month, month_days, today,
                       result, store_lock)  # fmt: skip
        except (_Skip, NotInstalled, GitHubUnavailable, AimetricsError) as exc:
            message = f"GitHub billing usage of {owner.slug}: {exc}. Billing skipped"
            if isinstance(exc, GitHubUnavailable):
                message += "; re-run later to resume"
            result.warnings.append(message)
            reporter.warn(message)
    return result


def _months(days: list[date]) -> dict[tuple[int, int], list[date]]:
    out: dict[tuple[int, int], list[date]] = {}
    for day in days:
        out.setdefault((day.year, day.month), []).append(day)
    return out


def _month(
    engine: sa.Engine,
    client: GitHubClient,
    owner: BillingOwner,
    reporting: ReportingSettings,
    year: int,
    month: int,
    days: list[date],
    today: date,
    result: BillingResult,
    store_lock: threading.Lock,
) -> None:
    started = datetime.now(UTC)
    what = f"GitHub billing usage of {owner.slug} {year}-{month:02d}"
    try:
        body = client.rest_json(owner.path, {"year": year, "month": month}, what)
    except GithubException as exc:
        if rate_limited(exc):
            raise GitHubUnavailable(f"{what}: GitHub's rate limit is exhausted") from None
        if exc.status == 404:
            raise _Skip(NOT_FOUND) from None
        data = exc.data if isinstance(exc.data, dict) else {}
        why = f"GitHub answered {exc.status} ({data.get('message') or exc.status})"
        if exc.status in (401, 403):
            help_ = ORG_HELP if owner.scope == "organization" else ENTERPRISE_HELP
            raise _Skip(f"{why}; {help_}") from None
        raise GitHubUnavailable(f"{what}: {why}") from None
    frame = usage_response_rows(what, [body or {"usageItems": []}])
    # The days asked for only: a stored, complete day of the month is not written again.
    frame = frame.filter(pl.col("day").is_in(days))
    check_currencies(frame, what, reporting)
    counts = {day: frame.filter(pl.col("day") == day).height for day in days if day <= today}
    tools = pl.DataFrame({"id": [TOOL], "name": [TOOL_NAMES[TOOL]]})
    with store_lock:
        write_frames(
            engine,
            [
                (s.ai_tools, tools),
                (s.cost_records, frame),
                (s.sync_state, d.state_rows(SOURCE, owner.feed, counts, today, started)),
            ],
            keep_existing=[s.ai_tools],
        )
    result.days += len(counts)
    result.rows += frame.height
