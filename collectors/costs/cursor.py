"""Cursor exports (``cursor``).

Accepted (format read from the file itself):

- the usage-events CSV of the dashboard (``Date, [User], [Cloud Agent ID],
  [Automation ID], Kind, Model, Max Mode, ..., Total Tokens, Cost``). Columns
  are found by header name, since older exports lack the optional ones.
  ``Cost`` may read ``0.12``, ``$0.01``, ``Free``, ``Included`` or ``-``. Events
  of kind ``Included`` are covered by the plan (already paid with the seat):
  net ``amount`` 0, their cost kept as ``gross_amount``. ``Free``, ``Errored,
  No Charge`` and ``Aborted, Not Charged`` cost nothing. Every other kind
  (``On-Demand``, usage-based) is billed at its cost. An export counting
  ``Requests`` instead of ``Cost`` carries no money and is refused.
- the JSON of ``POST /teams/spend`` (``teamMemberSpend[]``, ``subscriptionCycleStart``):
  per member, the spend of the current cycle on the cycle's first day. The
  net ``amount`` is the overage ``spendCents - includedSpendCents`` (the
  included part is paid by the seat); ``gross_amount`` is ``spendCents``. A
  member without ``includedSpendCents`` cannot be split, and is recorded as an
  estimate (``billed`` false) of the whole ``spendCents``. A later snapshot of
  the same cycle replaces the earlier one.

The daily-usage and members responses count activity, not money, and are
refused with a message saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from collectors.costs._common import (
    CostImportError,
    Row,
    find_columns,
    is_json,
    json_rows,
    parse_number,
    read_csv,
    read_json,
    record,
    record_key,
    to_frame,
)

SOURCE = "cursor"
TOOL = "cursor"
CENTS = 100.0

EVENT_COLUMNS = {
    "date": ("Date",),
    "user": ("User", "Email", "User Email"),
    "cloud_agent": ("Cloud Agent ID",),
    "automation": ("Automation ID",),
    "kind": ("Kind",),
    "model": ("Model",),
    "max_mode": ("Max Mode",),
    "tokens": ("Total Tokens",),
    "cost": ("Cost",),
}
NO_CHARGE_WORDS = ("free", "included", "-", "")
COVERED_KINDS = ("included",)  # paid by the plan: net 0, gross = the cost shown


def _no_charge(kind: str) -> bool:
    k = kind.lower()
    return k == "free" or "no charge" in k or "not charged" in k


def parse(path: Path) -> pl.DataFrame:
    """The cost records of a Cursor usage-events CSV or team spend JSON."""
    if is_json(path):
        return _spend(path)
    header, rows = read_csv(path)
    names = {h.lower() for h in header}
    if "cost" not in names and "requests" in names:
        raise CostImportError(
            path.name,
            "counts Requests, not Cost: export the usage events with costs (token-based) or "
            "import the team spend JSON instead",
            row=1,
        )
    cols = find_columns(path.name, header, EVENT_COLUMNS, ("date", "kind", "cost"))
    return to_frame([_event(raw.rename(cols)) for raw in rows])


def _event(row: Row) -> dict[str, Any]:
    day = row.day("date")
    kind = row.text("kind", required=True) or ""
    cost_text = (row.text("cost") or "").strip()
    if cost_text.lower() in NO_CHARGE_WORDS:
        cost = 0.0
    else:
        parsed = parse_number(cost_text)
        if parsed is None:
            raise row.fail(
                "cost", f"must be a cost such as 0.12 or $0.01, or Free, got {cost_text!r}"
            )
        cost = parsed
    if _no_charge(kind):
        gross, net = 0.0, 0.0
    elif kind.lower() in COVERED_KINDS:
        gross, net = cost, 0.0
    else:
        gross, net = cost, cost
    user = row.text("user")
    key = record_key(
        SOURCE,
        "usage-events",
        day,
        row.text("date"),
        user,
        row.text("cloud_agent"),
        row.text("automation"),
        kind,
        row.text("model"),
        row.text("max_mode"),
        row.text("tokens"),
    )
    return record(
        key,
        SOURCE,
        TOOL,
        day,
        billed=True,
        amount=net,
        gross_amount=gross,
        currency="USD",
        quantity=row.number_value("tokens", required=False),
        unit="tokens" if row.text("tokens") else None,
        user_login=user,
    )


def _spend(path: Path) -> pl.DataFrame:
    file, data = path.name, read_json(path)
    if not isinstance(data, dict) or "teamMemberSpend" not in data:
        what = "daily usage (request counts)" if isinstance(data, dict) and "data" in data else ""
        what = what or (
            "the member list" if isinstance(data, dict) and "teamMembers" in data else ""
        )
        raise CostImportError(
            file,
            (f"is {what}, not spend: " if what else "is not a Cursor spend response: ")
            + "expected {teamMemberSpend: [...], subscriptionCycleStart} from POST /teams/spend",
        )
    cycle = Row(file, 0, "", data).epoch_day("subscriptionCycleStart", millis=True)
    records = []
    for row in json_rows(file, data["teamMemberSpend"], "teamMemberSpend"):
        spend = row.number_value("spendCents", scale=CENTS) or 0.0
        included = row.number_value("includedSpendCents", required=False, scale=CENTS)
        who = row.text("email") or row.text("userId")
        if who is None:
            raise row.fail("email", "is empty: each member needs an email or userId")
        records.append(
            record(
                record_key(SOURCE, "spend", cycle, who),
                SOURCE,
                TOOL,
                cycle,
                billed=included is not None,
                amount=spend if included is None else max(spend - included, 0.0),
                gross_amount=spend,
                currency="USD",
                user_login=row.text("email"),
            )
        )
    return to_frame(records)
