"""The generic cost CSV (``generic``): for invoices and exports no other parser reads.

Columns (header names, any order, case ignored; see ``docs/costs.md``):

- required: ``date`` (YYYY-MM-DD), ``tool`` (a catalogue id such as
  ``github-copilot``, ``claude-code``, ``cursor``), ``amount`` (what was
  billed, e.g. ``12.50``; a leading ``$`` is accepted), ``currency`` (ISO code);
- optional: ``user`` (GitHub login or e-mail), ``team`` (team slug),
  ``description``, ``quantity``, ``unit`` (``seat-months``/``user-months``/
  ``seats`` marks a seat-licence charge, which replaces the seat estimate for
  the tool and month), ``gross_amount`` (list value before discounts), and
  ``billed`` (``true``, the default: an invoice; ``false``: an estimate).

Rows with the same date, tool, currency, user, team, description and unit are
parts of one record and are added up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from aimetrics.vocabulary import TOOL_IDS
from collectors.costs._common import Row, find_columns, read_csv, record, record_key, to_frame

SOURCE = "generic"

COLUMNS = {
    "date": ("date", "day"),
    "tool": ("tool", "tool_id"),
    "amount": ("amount", "net_amount"),
    "currency": ("currency",),
    "user": ("user", "user_login", "login", "email"),
    "team": ("team", "team_slug"),
    "description": ("description",),
    "quantity": ("quantity",),
    "unit": ("unit",),
    "gross_amount": ("gross_amount", "gross"),
    "billed": ("billed",),
}
_TRUE, _FALSE = ("true", "yes", "1", "y"), ("false", "no", "0", "n")


def parse(path: Path) -> pl.DataFrame:
    """The cost records of a generic cost CSV."""
    header, rows = read_csv(path)
    cols = find_columns(path.name, header, COLUMNS, ("date", "tool", "amount", "currency"))
    return to_frame([_record(raw.rename(cols)) for raw in rows])


def _record(row: Row) -> dict[str, Any]:
    day = row.day("date")
    tool = row.text("tool", required=True) or ""
    if tool not in TOOL_IDS:
        lowered = tool.lower().replace(" ", "-")
        hint = f" (did you mean {lowered!r}?)" if lowered in TOOL_IDS else ""
        raise row.fail(
            "tool", f"{tool!r} is not a known tool id{hint}; use one of: {', '.join(TOOL_IDS)}"
        )
    billed_text = (row.text("billed") or "true").lower()
    if billed_text not in (*_TRUE, *_FALSE):
        raise row.fail("billed", f"must be true or false, got {billed_text!r}")
    currency = row.currency("currency")
    user, team = row.text("user"), row.text("team")
    description, unit = row.text("description"), row.text("unit")
    key = record_key(SOURCE, "csv", day, tool, currency, user, team, description, unit)
    return record(
        key,
        SOURCE,
        tool,
        day,
        billed=billed_text in _TRUE,
        amount=row.number_value("amount") or 0.0,
        gross_amount=row.number_value("gross_amount", required=False),
        currency=currency,
        quantity=row.number_value("quantity", required=False),
        unit=unit,
        user_login=user,
        team_slug=team,
    )
