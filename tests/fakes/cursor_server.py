"""A local fake of Cursor's Admin API and AI Code Tracking API: real HTTP on 127.0.0.1.

It serves, from rows built on the reference samples in ``tests/fixtures/cursor`` (see its
SOURCE.md), made up from the day and the member so that the same request always gets the
same answer:

- ``GET /teams/members``: the sample's members (one removed; `members`, settable);
- ``POST /teams/daily-usage-data``: ``startDate``/``endDate`` in epoch ms, both required, at
  most 30 days apart (400 beyond, as the real API); with ``page`` and ``pageSize`` every
  current member on every day (idle ones zero-filled, ``isActive`` false; `idle` members
  zero on every day) and a
  ``pagination`` block, without them only the active rows;
- ``POST /teams/spend``: the sample's members with ``spendCents`` from `spend` (settable),
  paged by ``pageSize`` up to ``totalPages``;
- ``GET /analytics/ai-code/commits``: `tracked_commits` of each day in ``startDate..endDate``
  (ISO days, both included), paged by ``page``/``pageSize`` (at most 1000) with
  ``totalCount``; ``tracking`` 403 or 404 answers as a team without the Enterprise plan.

Auth as documented: HTTP Basic, the key as user name and an empty password; an unknown key
gets 401, `MEMBER_KEY` (not an admin key) 403. Faults can be queued (`Fault`): 429 with
``Retry-After``, 5xx, each in Cursor's error body, and ``RESET``. Every request is recorded
(`requests`); ``hold_after`` makes requests after that many wait until ``release()``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from aimetrics.store import schema as s
from aimetrics.store import write_frames

from fakes.vendor_server import Answer, RequestRecord, VendorServer, made_up

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cursor"
DEFAULT_KEY = "key_FAKEcursor0123456789abcdef0123456789abcdef0123456789abcdef01"
MEMBER_KEY = "key_FAKEmember0123456789abcdef0123456789abcdef0123456789abcdef01"
DAY_MS = 86_400_000
MAX_RANGE_MS = 30 * DAY_MS
ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


MEMBERS = _load("cursor-members.json")["teamMembers"]
_USAGE = _load("cursor-daily-usage.json")["data"]
_SPEND = _load("cursor-spend.json")
_COMMITS = _load("cursor-ai-code-commits.json")["items"]
CYCLE_START_MS = _SPEND["subscriptionCycleStart"]
ACTIVE = [m for m in MEMBERS if not m["isRemoved"]]


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def usage_row(day: date, member: dict[str, Any], idle: bool = False) -> dict[str, Any]:
    """One member's row of ``day``: active on most days (the sample's active rows, numbers
    made up), else (and always when ``idle``) the sample's zero row."""
    active = not idle and made_up(day, member["email"], mod=4) != 0
    template = _USAGE[made_up(member["email"], mod=2)] if active else _USAGE[2]
    row = copy.deepcopy(template)
    row.update(userId=member["id"], email=member["email"], day=day.isoformat(), date=_ms(day))
    if active:
        for name, value in list(row.items()):
            if isinstance(value, int) and not isinstance(value, bool) and name not in (
                "userId", "date"
            ):  # fmt: skip
                row[name] = made_up(day, member["email"], name, mod=max(2, value * 2))
    return row


def day_commits(day: date) -> list[dict[str, Any]]:
    """The commits Cursor first reports on ``day``: the sample's four with hashes made from
    the day (the fourth without a repository, as the sample)."""
    out = []
    for i, template in enumerate(_COMMITS):
        item = copy.deepcopy(template)
        item["commitHash"] = commit_hash(day, i)
        stamp = f"{day.isoformat()}T{10 + i:02d}:00:00.000Z"
        item["createdAt"] = stamp
        if item["commitTs"] is not None:
            item["commitTs"] = stamp
        item["tabLinesAdded"] = made_up(day, i, "tab", mod=40)
        item["composerLinesAdded"] = made_up(day, i, "agent", mod=80)
        item["totalLinesAdded"] = item["tabLinesAdded"] + item["composerLinesAdded"] + 7
        if item["nonAiLinesAdded"] is not None:
            item["nonAiLinesAdded"] = 7
        out.append(item)
    return out


def amended(day: date) -> dict[str, Any]:
    """The first commit of the day before ``day``, amended on ``day``: the same hash, five
    more agent lines, a later ``createdAt`` (``commitTs`` keeps the original time)."""
    item = day_commits(day - timedelta(days=1))[0]
    item["createdAt"] = f"{day.isoformat()}T09:00:00.000Z"
    item["composerLinesAdded"] += 5
    item["totalLinesAdded"] += 5
    return item


def tracked_commits(day: date) -> list[dict[str, Any]]:
    """What the tracking API lists for ``day``: `day_commits` and `amended`."""
    return [*day_commits(day), amended(day)]


REPOS = {"acme-eng/payments-api": 501, "acme-eng/web": 502}
"""The sample's repositories as a GitHub collection would store them (made-up ids)."""


def store_commits(engine: sa.Engine, shas: dict[str, list[tuple[str, int | None]]]) -> None:
    """Repositories and commits as a GitHub collection would have stored them."""
    repos = pl.DataFrame(
        {"id": list(REPOS.values()), "full_name": list(REPOS), "source": ["github"] * 2}
    )
    commits = pl.DataFrame(
        [
            {"repo_id": REPOS[repo], "sha": sha, "additions": additions}
            for repo, items in shas.items()
            for sha, additions in items
        ],
        schema={"repo_id": pl.Int64, "sha": pl.String, "additions": pl.Int64},
        orient="row",
    )
    write_frames(engine, [(s.repositories, repos), (s.commits, commits)])


def commit_hash(day: date, i: int) -> str:
    return hashlib.sha1(f"{day.isoformat()}:{i}".encode()).hexdigest()


@dataclass
class Fault:
    """Answer the next ``times`` requests whose path contains ``path`` (and whose start day
    is ``day``, when given) with ``status``."""

    status: int
    path: str = "/"
    times: int = 1
    retry_after: str | None = None
    day: str | None = None

    def matches(self, record: RequestRecord) -> bool:
        return (
            self.times > 0
            and self.path in record.path
            and (self.day is None or start_day(record) == self.day)
        )


def start_day(record: RequestRecord) -> str:
    """The day a request starts at (the body's epoch ms, or the query's ISO day)."""
    if "startDate" in record.body and isinstance(record.body["startDate"], int):
        return datetime.fromtimestamp(record.body["startDate"] / 1000, UTC).date().isoformat()
    return (record.query.get("startDate") or [""])[0]


class FakeCursor(VendorServer):
    """The server and its state. Use as a context manager, or ``start()``/``stop()``."""

    methods = ("GET", "POST")
    retry_header = "Retry-After"

    def __init__(self, *, keys: tuple[str, ...] = (DEFAULT_KEY,)) -> None:
        super().__init__(keys=keys)
        self.without_email: set[str] = set()
        """Members whose daily-usage rows come without ``email`` (as Cursor answers for
        members removed later: partial data)."""
        self.tracking: int | None = None
        """403 or 404: the team's plan has no AI Code Tracking API."""
        self.members: list[dict[str, Any]] = copy.deepcopy(MEMBERS)
        """What ``GET /teams/members`` lists; daily usage has a row for each one not removed."""
        self.idle: set[str] = set()
        """Members (e-mails) with no use on any day: their daily-usage rows are zero rows."""
        self.spend: dict[str, float] = {
            row["email"]: row["spendCents"] for row in _SPEND["teamMemberSpend"]
        }

    def windows(self, path: str) -> list[tuple[str, str]]:
        """(first day, last day) of each first-page request to ``path``."""
        out = []
        for r in self.requests:
            if r.path != path:
                continue
            if r.method == "POST" and r.body.get("page", 1) == 1 and "startDate" in r.body:
                end = datetime.fromtimestamp(r.body["endDate"] / 1000, UTC).date()
                out.append((start_day(r), (end - timedelta(days=1)).isoformat()))
            elif r.method == "GET" and r.query.get("page", ["1"])[0] == "1":
                out.append((r.query["startDate"][0], r.query["endDate"][0]))
        return out

    # --- answering ------------------------------------------------------------------------------

    def authorize(self, headers: dict[str, str]) -> Answer | None:
        key = _basic_user(headers.get("authorization", ""))
        if key in self.keys:
            return None
        if key == MEMBER_KEY:
            return _error(403, "API key does not have admin access")
        return _error(401, "Invalid API key")

    def error(self, status: int, message: str) -> Answer:
        return _error(status, message)

    def route(self, record: RequestRecord) -> Answer:
        routes = {
            ("GET", "/teams/members"): lambda: (200, {}, {"teamMembers": self.members}),
            ("POST", "/teams/daily-usage-data"): lambda: self._daily_usage(record.body),
            ("POST", "/teams/spend"): lambda: self._spend(record.body),
            ("GET", "/analytics/ai-code/commits"): lambda: self._commits(record.query),
        }
        route = routes.get((record.method, record.path))
        if route is None:
            return _error(404, f"Cannot {record.method} {record.path}")
        return route()

    def _daily_usage(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict]:
        start, end = body.get("startDate"), body.get("endDate")
        if not isinstance(start, int) or not isinstance(end, int) or end <= start:
            return _error(400, "startDate and endDate (epoch milliseconds) are required")
        if end - start > MAX_RANGE_MS:
            return _error(400, "Date range cannot exceed 30 days")
        first = datetime.fromtimestamp(start / 1000, UTC).date()
        days = [first + timedelta(days=i) for i in range((end - start) // DAY_MS)]
        paged = "page" in body and "pageSize" in body
        members = sorted((m for m in self.members if not m["isRemoved"]), key=lambda m: m["id"])
        answer: dict[str, Any] = {"period": {"startDate": start, "endDate": end}}
        if not paged:
            rows = [usage_row(d, m, m["email"] in self.idle) for d in days for m in members]
            answer["data"] = [r for r in rows if r["isActive"]]
            for r in answer["data"]:
                del r["isActive"]  # only paginated answers carry it
            return 200, {}, answer
        page, size = int(body["page"]), int(body["pageSize"])
        size = min(size, self.page_size or size)
        pages = max(1, -(-len(members) // size))
        chunk = members[(page - 1) * size : page * size]
        answer["data"] = [usage_row(d, m, m["email"] in self.idle) for d in days for m in chunk]
        for row in answer["data"]:
            if row["email"] in self.without_email:
                row["email"] = None
        answer["pagination"] = {
            "page": page, "pageSize": size, "totalUsers": len(members), "totalPages": pages,
            "hasNextPage": page < pages, "hasPreviousPage": page > 1,
        }  # fmt: skip
        return 200, {}, answer

    def _spend(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict]:
        rows = []
        for template in _SPEND["teamMemberSpend"]:
            row = copy.deepcopy(template)
            row["spendCents"] = self.spend.get(row["email"], row["spendCents"])
            rows.append(row)
        size = int(body.get("pageSize") or 50)
        size = min(size, self.page_size or size)
        page = int(body.get("page") or 1)
        pages = max(1, -(-len(rows) // size))
        return (
            200,
            {},
            {
                "teamMemberSpend": rows[(page - 1) * size : page * size],
                "subscriptionCycleStart": CYCLE_START_MS,
                "totalMembers": len(rows),
                "totalPages": pages,
            },
        )

    def _commits(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], dict]:
        if self.tracking is not None:
            message = "AI Code Tracking API is available on the Enterprise plan"
            return _error(self.tracking, message)
        try:
            first = date.fromisoformat(query["startDate"][0])
            last = date.fromisoformat(query["endDate"][0])
            page = int(query.get("page", ["1"])[0])
            size = int(query.get("pageSize", ["100"])[0])
        except (KeyError, ValueError):
            return _error(400, "startDate and endDate must be ISO dates")
        if not 1 <= size <= 1000:
            return _error(400, "pageSize must be between 1 and 1000")
        size = min(size, self.page_size or size)
        items = [c for i in range((last - first).days + 1)
                 for c in tracked_commits(first + timedelta(days=i))]  # fmt: skip
        return (
            200,
            {},
            {
                "items": items[(page - 1) * size : page * size],
                "totalCount": len(items),
                "page": page,
                "pageSize": size,
            },
        )


def _basic_user(header: str) -> str | None:
    if not header.startswith("Basic "):
        return None
    try:
        user, _, _password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user


def _error(status: int, message: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    return status, {}, {"error": ERRORS.get(status, "Error"), "message": message}
