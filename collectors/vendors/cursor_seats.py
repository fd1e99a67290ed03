"""Cursor's team members (``GET /teams/members``) as seat assignments (``seat_assignments``,
source ``cursor``), so Cursor's idle seats can be listed as Copilot's are.

Cursor's members list gives no assignment date, so a seat's ``assigned_on`` is the day the
store first saw its holder listed (the first collection day for everyone listed then), and
``revoked_on`` (exclusive) the first day it saw them removed (``isRemoved``), left out of the
list, or turned into an unpaid admin. A stored open seat is never rewritten: its
``assigned_on`` (part of the key) stays stable across runs. ``last_activity_at`` stays null:
the member's daily-usage rows (``vendor_usage``) are the evidence of use, read with the one
definition every figure uses (`aimetrics.metrics.evidence`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa

from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from aimetrics.vocabulary import CURSOR_SEATS, tool_name

UNPAID_ROLES = frozenset({"free-owner"})
"""Roles that hold no paid seat. ``free-owner`` is the members API's name of what Cursor's
team pages call an Unpaid Admin ("not billable, no Pro features"): the name is documented
as a role value, its meaning as the Unpaid Admin is inferred (costs-and-usage.md §6.1)."""
SEAT_SCHEMA = table_schema(s.seat_assignments)


@dataclass
class SeatChanges:
    rows: pl.DataFrame  # the seat_assignments rows to write (new seats, revoked ones)
    opened: int = 0
    revoked: int = 0
    held: int = 0  # paid seats the members list shows


def holders(members: Iterable[Any]) -> tuple[set[str], bool]:
    """The lower-cased e-mails of the members holding a paid seat (listed, not removed, not an
    unpaid admin), and whether the list is whole enough to revoke seats missing from it: every
    entry names an e-mail, and at least one member holds a seat (Cursor keeps one paid member
    on a team at all times, so an empty list is a bad answer, not a team without seats)."""
    held: set[str] = set()
    whole = True
    for m in members:
        email = m.get("email") if isinstance(m, dict) else None
        if not isinstance(email, str) or not email.strip():
            whole = False  # someone unknown: their seat must not be closed for it
            continue
        if m.get("isRemoved") is True or m.get("role") in UNPAID_ROLES:
            continue
        held.add(email.strip().lower())
    return held, whole and bool(held)


def seat_changes(
    held: set[str], whole: bool, stored: pl.DataFrame, tool_id: str, today: date
) -> SeatChanges:
    """The rows that bring the stored Cursor seats (``stored``: this tool's, source
    ``cursor``) in line with ``held`` on ``today``: a holder without an open seat gets one
    from today; an open seat whose holder is no longer held is revoked as of today (only
    when the list is ``whole``). Open seats still held are left as stored."""
    open_seats = stored.filter(pl.col("revoked_on").is_null())
    open_logins = {login.lower() for login in open_seats["login"].to_list()}
    new = [
        {"tool_id": tool_id, "login": login, "assigned_on": today, "revoked_on": None,
         "plan": None, "last_activity_at": None, "source": CURSOR_SEATS}
        for login in sorted(held - open_logins)
    ]  # fmt: skip
    gone = (
        open_seats.filter(~pl.col("login").str.to_lowercase().is_in(sorted(held)))
        .with_columns(pl.lit(today).alias("revoked_on"))
        .to_dicts()
        if whole
        else []
    )
    rows = pl.DataFrame([*new, *gone], schema=SEAT_SCHEMA, orient="row")
    return SeatChanges(rows.sort("login", "assigned_on"), len(new), len(gone), len(held))


def save_seats(engine: sa.Engine, members: list[Any], tool_id: str, today: date) -> SeatChanges:
    """Read this tool's stored Cursor seats, write the changes `seat_changes` finds."""
    t = s.seat_assignments
    stored = read_table(engine, t, where=(t.c.source == CURSOR_SEATS) & (t.c.tool_id == tool_id))
    held, whole = holders(members)
    changes = seat_changes(held, whole, stored, tool_id, today)
    if changes.rows.height:
        tools = pl.DataFrame({"id": [tool_id], "name": [tool_name(tool_id)]})
        write_frames(
            engine, [(s.ai_tools, tools), (t, changes.rows)], keep_existing=[s.ai_tools]
        )  # fmt: skip
    return changes
