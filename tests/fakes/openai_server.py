"""A local fake of OpenAI's organization costs API: real HTTP on 127.0.0.1 for ``collect openai``.

It serves ``GET /v1/organization/costs`` as documented (reference sample
``tests/fixtures/vendors/openai-costs.json``, see its README): ``start_time`` (required,
Unix seconds, inclusive), ``end_time`` (exclusive), ``bucket_width=1d`` only, ``limit``
buckets per page (1-180, default 7), ``group_by[]`` of ``project_id``, ``line_item``,
``api_key_id``, paged with ``has_more`` and an opaque ``next_page``. Every day has rows
made up from the day, project, line item and key (the same request always gets the same
answer), except every seventh day, an empty bucket (``results: []``). A result not grouped
by a field has it null, and its amount is the sum over that field, as OpenAI aggregates.

Auth: ``Authorization: Bearer <admin key>``; an unknown key gets 401 ``invalid_api_key``
(the message shows the key masked, as OpenAI's does), a project key (``sk-proj-...``) 403
"Missing scopes: api.usage.read". Faults can be queued (`Fault`): 429 with
``retry-after``, 500, 503, each in OpenAI's error body, and ``RESET`` (the connection
closed without an answer). Every request is recorded; ``hold_after`` makes requests
after that many wait until ``release()``, to kill a client mid-run.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fakes.vendor_server import Answer, RequestRecord, VendorServer, made_up, page_text, page_token

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vendors"
DEFAULT_KEY = "sk-admin-FAKEadmin_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
PROJECT_KEY = "sk-proj-FAKEproject_0123456789abcdefghijklmnopqrstuvwxyzABCD"
PROJECTS = ("proj_AbC123eng", "proj_Support9bot")
API_KEYS = ("key_codexCli0001", "key_ciRunner0002")
ERRORS = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "insufficient_permissions"),
    404: ("invalid_request_error", "not_found"),
    429: ("rate_limit_exceeded", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}
_SAMPLE = json.loads((FIXTURES / "openai-costs.json").read_text(encoding="utf-8"))
_RESULT = _SAMPLE["data"][0]["results"][0]
LINE_ITEMS = tuple(r["line_item"] for r in _SAMPLE["data"][0]["results"])


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def atoms(day: date) -> list[dict[str, Any]]:
    """The day's finest rows: one per project, line item and API key (none every 7th day)."""
    if day.toordinal() % 7 == 0:
        return []
    out = []
    for project in PROJECTS:
        for line in LINE_ITEMS:
            for key in API_KEYS:
                cents = 100 + made_up(day, project, line, key, mod=50000)
                out.append(
                    {"project_id": project, "line_item": line, "api_key_id": key,
                     "value": cents / 100, "quantity": 1000 * made_up(day, line, key, mod=9000)}
                )  # fmt: skip
    return out


def bucket(day: date, group_by: tuple[str, ...] = ()) -> dict[str, Any]:
    """The day's bucket, its results summed over the fields not grouped by."""
    sums: dict[tuple, dict[str, Any]] = {}
    for atom in atoms(day):
        key = tuple(atom[g] if g in group_by else None for g in ("project_id", "line_item",
                                                                   "api_key_id"))  # fmt: skip
        row = sums.setdefault(key, {"value": 0.0, "quantity": 0})
        row["value"] += atom["value"]
        row["quantity"] += atom["quantity"]
    results = []
    for (project, line, key), row in sums.items():
        result = copy.deepcopy(_RESULT)
        result.update(
            project_id=project, line_item=line, api_key_id=key,
            amount={"value": round(row["value"], 4), "currency": "usd"},
            quantity=row["quantity"] if line is not None else None,
        )  # fmt: skip
        results.append(result)
    return {
        "object": "bucket",
        "start_time": _epoch(day),
        "end_time": _epoch(day + timedelta(days=1)),
        "results": results,
    }


@dataclass
class Fault:
    """Answer the next ``times`` requests (whose first day is ``day``, when given) with
    ``status``."""

    status: int
    times: int = 1
    retry_after: str | None = None
    day: str | None = None

    def matches(self, record: RequestRecord) -> bool:
        query = record.query
        if self.times <= 0:
            return False
        if self.day is None:
            return True
        start = (query.get("start_time") or ["0"])[0]
        page = (query.get("page") or [""])[0]
        first = (
            page_text(page) if page else datetime.fromtimestamp(int(start), UTC).date().isoformat()
        )
        return first == self.day


class FakeOpenAI(VendorServer):
    """The server and its state. Use as a context manager, or ``start()``/``stop()``."""

    def __init__(self, *, keys: tuple[str, ...] = (DEFAULT_KEY,)) -> None:
        super().__init__(keys=keys)
        self.corrupt_day: str | None = None
        """A day (ISO) whose first result comes without its ``amount`` (partial data)."""
        self.lost_cursor = False
        """Pages say ``has_more`` but give no ``next_page`` (a broken listing)."""

    def ranges_requested(self) -> list[tuple[str, str]]:
        """(first day, day after the last) of each first-page request."""
        out = []
        for r in self.requests:
            if "page" in r.query or "start_time" not in r.query:
                continue
            start = datetime.fromtimestamp(int(r.query["start_time"][0]), UTC).date()
            end = datetime.fromtimestamp(int(r.query["end_time"][0]), UTC).date()
            out.append((start.isoformat(), end.isoformat()))
        return out

    # --- answering ------------------------------------------------------------------------------

    def authorize(self, headers: dict[str, str]) -> Answer | None:
        scheme, _, key = headers.get("authorization", "").partition(" ")
        if scheme == "Bearer" and key in self.keys:
            return None
        if key == PROJECT_KEY:
            return _error(
                403,
                "You have insufficient permissions for this operation. "
                "Missing scopes: api.usage.read.",
            )
        masked = f"{key[:8]}{'*' * 12}{key[-4:]}" if len(key) > 12 else "(none)"
        return _error(
            401,
            f"Incorrect API key provided: {masked}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
        )

    def error(self, status: int, message: str) -> Answer:
        return _error(status, message)

    def route(self, record: RequestRecord) -> Answer:
        if record.path == "/v1/organization/costs":
            return self._costs(record.query)
        return _error(404, f"Invalid URL (GET {record.path})")

    def _costs(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], dict]:
        try:
            start = datetime.fromtimestamp(int(query["start_time"][0]), UTC).date()
            end = (
                datetime.fromtimestamp(int(query["end_time"][0]), UTC).date()
                if "end_time" in query
                else start + timedelta(7)
            )
            limit = int(query.get("limit", ["7"])[0])
        except (KeyError, ValueError):
            return _error(400, "start_time: an integer Unix time in seconds is required")
        if not 1 <= limit <= 180 or query.get("bucket_width", ["1d"])[0] != "1d":
            return _error(400, "limit must be between 1 and 180; bucket_width must be 1d")
        group_by = tuple(query.get("group_by[]", []) + query.get("group_by", []))
        unknown = set(group_by) - {"project_id", "line_item", "api_key_id"}
        if unknown:
            return _error(400, f"group_by: invalid value {sorted(unknown)[0]!r}")
        limit = min(limit, self.page_size or limit)
        first = date.fromisoformat(page_text(query["page"][0])) if "page" in query else start
        days = [first + timedelta(i) for i in range((end - first).days)][:limit]
        after = days[-1] + timedelta(1) if days else end
        more = after < end
        buckets = [bucket(d, group_by) for d in days]
        for d, b in zip(days, buckets, strict=True):
            if d.isoformat() == self.corrupt_day and b["results"]:
                b["results"][0]["amount"] = None
        return (
            200,
            {},
            {
                "object": "page",
                "data": buckets,
                "has_more": more,
                "next_page": (
                    page_token(after.isoformat()) if more and not self.lost_cursor else None
                ),
            },
        )


def _error(status: int, message: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    kind, code = ERRORS.get(status, ("server_error", None))
    request_id = "req_" + hashlib.sha256(f"{status}{message}".encode()).hexdigest()[:32]
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return status, {"x-request-id": request_id}, body
