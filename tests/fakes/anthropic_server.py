"""A local fake of Anthropic's Admin API: real HTTP on 127.0.0.1 for ``collect anthropic``.

It serves ``GET /v1/organizations/cost_report`` (daily buckets, ``limit`` buckets per page,
default 7, at most 31) and ``GET /v1/organizations/usage_report/claude_code`` (one day per
call, ``limit`` rows per page, default 20, at most 1000), both paged with ``has_more`` and
an opaque ``next_page``, answering from rows built on the reference samples in
``tests/fixtures/vendors`` (see its README): every day has data, made up from the day and
the user so that the same request always gets the same answer.

Auth as documented: ``x-api-key`` and ``anthropic-version`` are required; an unknown key
gets 401 ``authentication_error``, a workspace key (``sk-ant-api...``) 403
``permission_error``. Faults can be queued (`Fault`): 429 with ``retry-after``, 500, 529,
each in Anthropic's error body, and ``RESET`` (the connection closed without an answer).
Every request is recorded (`requests`); ``hold_after``
makes requests after that many wait until ``release()``, to kill a client mid-run.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fakes.vendor_server import Answer, RequestRecord, VendorServer, made_up, page_text, page_token

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vendors"
DEFAULT_KEY = "sk-ant-admin01-FAKEkey_0123456789abcdefghijklmnopqrstuvwxyzABCD-0123AA"
WORKSPACE_KEY = "sk-ant-api03-FAKEworkspace_0123456789abcdefghijklmnopqrstuvwxyz-0123AA"
VERSION = "2023-06-01"
ORG_ID = "5f1c2a9e-3b7d-4e0a-9c11-2d7e8f0a6b13"
USERS = ("alice@acme.example", "carol@acme.example", "erin@acme.example")
ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


_CODE = _load("anthropic-claude-code-usage.json")["data"]
_COST = _load("anthropic-cost-report.json")["data"][0]["results"]


def claude_code_rows(day: date, users: tuple[str, ...] = USERS) -> list[dict[str, Any]]:
    """The day's report rows: each user on most days (from the samples' user rows), and the
    samples' API-key actor on even days."""
    rows = []
    templates = [r for r in _CODE if r["actor"]["type"] == "user_actor"]
    for i, email in enumerate(users):
        if made_up(day, email, mod=5) == 0:
            continue  # a day off
        row = copy.deepcopy(templates[i % len(templates)])
        row["date"] = f"{day.isoformat()}T00:00:00Z"
        row["actor"] = {"type": "user_actor", "email_address": email}
        core = row["core_metrics"]
        core["num_sessions"] = 1 + made_up(day, email, "s", mod=9)
        core["lines_of_code"] = {
            "added": made_up(day, email, "a", mod=900),
            "removed": made_up(day, email, "r", mod=200),
        }
        core["commits_by_claude_code"] = made_up(day, email, "c", mod=4)
        core["pull_requests_by_claude_code"] = made_up(day, email, "p", mod=2)
        for model in row["model_breakdown"]:
            model["estimated_cost"]["amount"] = 50 + made_up(day, email, model["model"], mod=2000)
        rows.append(row)
    if day.toordinal() % 2 == 0:
        api = copy.deepcopy(next(r for r in _CODE if r["actor"]["type"] == "api_actor"))
        api["date"] = f"{day.isoformat()}T00:00:00Z"
        rows.append(api)
    return rows


def cost_bucket(day: date) -> dict[str, Any]:
    """The day's cost-report bucket (the sample's results, amounts made up per day)."""
    results = copy.deepcopy(_COST)
    for r in results:
        r["amount"] = f"{100 + made_up(day, r['description'], mod=90000) / 100:.4f}"
    return {
        "starting_at": f"{day.isoformat()}T00:00:00Z",
        "ending_at": f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z",
        "results": results,
    }


@dataclass
class Fault:
    """Answer the next ``times`` requests whose path contains ``path`` (and whose
    ``starting_at`` begins with ``day``, when given) with ``status``."""

    status: int
    path: str = "/v1/"
    times: int = 1
    retry_after: str | None = None
    day: str | None = None

    def matches(self, record: RequestRecord) -> bool:
        start = (record.query.get("starting_at") or [""])[0]
        return self.times > 0 and self.path in record.path and start.startswith(self.day or "")


class FakeAnthropic(VendorServer):
    """The server and its state. Use as a context manager, or ``start()``/``stop()``."""

    def __init__(self, *, keys: tuple[str, ...] = (DEFAULT_KEY,), users=USERS) -> None:
        super().__init__(keys=keys)
        self.users = tuple(users)

    def days_requested(self, path: str) -> list[str]:
        """``starting_at`` of each first-page request to ``path`` (days, or range starts)."""
        return [
            r.query["starting_at"][0][:10]
            for r in self.requests
            if r.path == path and "page" not in r.query and "starting_at" in r.query
        ]

    # --- answering ------------------------------------------------------------------------------

    def authorize(self, headers: dict[str, str]) -> Answer | None:
        key = headers.get("x-api-key")
        if key not in self.keys:
            if key == WORKSPACE_KEY:
                return _error(
                    403, "This API requires an Admin API key; workspace keys are not allowed."
                )
            return _error(401, "invalid x-api-key")
        if headers.get("anthropic-version") != VERSION:
            return _error(400, "anthropic-version: header is required")
        return None

    def error(self, status: int, message: str) -> Answer:
        return _error(status, message)

    def route(self, record: RequestRecord) -> Answer:
        if record.path == "/v1/organizations/cost_report":
            return self._cost_report(record.query)
        if record.path == "/v1/organizations/usage_report/claude_code":
            return self._claude_code(record.query)
        return _error(404, f"Not found: {record.path}")

    def _cost_report(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], dict]:
        try:
            start = _day(query["starting_at"][0])
            end = _day(query["ending_at"][0]) if "ending_at" in query else start + timedelta(7)
            limit = int(query.get("limit", ["7"])[0])
        except (KeyError, ValueError):
            return _error(400, "starting_at: invalid or missing")
        if not 1 <= limit <= 31 or query.get("bucket_width", ["1d"])[0] != "1d":
            return _error(400, "limit: must be between 1 and 31 for bucket_width 1d")
        limit = min(limit, self.page_size or limit)
        first = _day(page_text(query["page"][0])) if "page" in query else start
        days = [first + timedelta(i) for i in range((end - first).days)][:limit]
        after = days[-1] + timedelta(1) if days else end
        more = after < end
        return (
            200,
            {},
            {
                "data": [cost_bucket(d) for d in days],
                "has_more": more,
                "next_page": page_token(after.isoformat()) if more else None,
            },
        )

    def _claude_code(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], dict]:
        try:
            day = date.fromisoformat(query["starting_at"][0])
            limit = int(query.get("limit", ["20"])[0])
        except (KeyError, ValueError):
            return _error(400, "starting_at: must be a day, YYYY-MM-DD")
        if not 1 <= limit <= 1000:
            return _error(400, "limit: must be between 1 and 1000")
        limit = min(limit, self.page_size or limit)
        offset = int(page_text(query["page"][0]).rsplit(":", 1)[1]) if "page" in query else 0
        rows = claude_code_rows(day, self.users)
        page = rows[offset : offset + limit]
        more = offset + limit < len(rows)
        return (
            200,
            {},
            {
                "data": page,
                "has_more": more,
                "next_page": page_token(f"{day.isoformat()}:{offset + limit}") if more else None,
            },
        )


def _day(text: str) -> date:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def _error(status: int, message: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    request_id = "req_011CV" + hashlib.sha256(f"{status}{message}".encode()).hexdigest()[:18]
    body = {
        "type": "error",
        "error": {"type": ERRORS.get(status, "api_error"), "message": message},
        "request_id": request_id,
    }
    return status, {"request-id": request_id}, body
