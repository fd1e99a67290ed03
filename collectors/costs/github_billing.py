"""GitHub billing exports: Copilot seats, AI credits and premium requests (``github-billing``).

Accepted (format read from the file itself):

- the usage report CSV (``date, product, sku, quantity, unit_type, ...net_amount``;
  summarized, or detailed with ``username``; ``usage_at`` is read as ``date``);
- the AI-credit billing report CSV (``date, username, product, sku, model, ...``,
  UTF-8 with a BOM, every value quoted);
- the premium-request analytics CSV (``Timestamp, User, Model, Requests Used,
  Exceeds Monthly Quota, Total Monthly Quota``): request counts only, so each
  row is an *estimate* at $0.04 per request over the quota (``billed`` false);
- the JSON of ``/settings/billing/usage`` (``usageItems`` with ``date``) and of
  ``/settings/billing/premium_request/usage`` and ``/ai_credit/usage``
  (``timePeriod`` + ``usageItems`` with ``netAmount``), one response per file
  or a list of them.

Only Copilot rows are kept (product ``copilot`` or a SKU starting with
``copilot`` or ``coding_agent``); Actions, Packages etc. are not AI spend.
``amount`` is ``net_amount`` (what is billed, after included credits and
discounts); ``gross_amount`` the list value. Seat licences (SKUs
``copilot_for_business``, ``copilot_enterprise``, ``copilot_standalone``, ...)
get a seat unit, so the cost model counts them as the seat component.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from collectors.costs._common import (
    SEAT_UNITS,
    CostImportError,
    Row,
    find_columns,
    is_json,
    json_rows,
    pages,
    read_csv,
    read_json,
    record,
    record_key,
    to_frame,
)

SOURCE = "github-billing"
TOOL = "github-copilot"
PREMIUM_REQUEST_PRICE = 0.04  # USD per premium request beyond the monthly quota (legacy)

_SEAT_SKU = re.compile(r"^copilot_(for_)?(business|enterprise|standalone|pro)(_|$)")
_AI_SKU = re.compile(r"^(copilot|coding_agent)")

USAGE_COLUMNS = {
    "date": ("date", "usage_at"),
    "product": ("product",),
    "sku": ("sku",),
    "quantity": ("quantity",),
    "unit_type": ("unit_type", "unit type"),
    "gross_amount": ("gross_amount",),
    "net_amount": ("net_amount",),
    "username": ("username",),
    "organization": ("organization",),
    "repository": ("repository",),
    "workflow_path": ("workflow_path", "workflow_name"),
    "cost_center_name": ("cost_center_name",),
    "model": ("model",),
}
ANALYTICS_COLUMNS = {
    "timestamp": ("Timestamp",),
    "user": ("User",),
    "model": ("Model",),
    "requests": ("Requests Used",),
    "exceeds": ("Exceeds Monthly Quota",),
}


def parse(path: Path) -> pl.DataFrame:
    """The Copilot cost records of a GitHub billing export (CSV or JSON)."""
    if is_json(path):
        return _parse_json(path)
    header, rows = read_csv(path)
    names = {h.strip().lower() for h in header}
    if "requests used" in names:
        return _parse_analytics(path.name, header, rows)
    if "net_amount" in names:
        return _parse_usage_csv(path.name, header, rows)
    raise CostImportError(
        path.name,
        "is not a GitHub billing export: expected a usage report (date, product, sku, quantity, "
        "unit_type, ..., net_amount), an AI-credit report or a premium-request analytics CSV "
        f"(its columns: {', '.join(header)})",
        row=1,
    )


def is_copilot(product: str | None, sku: str | None) -> bool:
    return (product or "").lower() == "copilot" or bool(_AI_SKU.match((sku or "").lower()))


def seat_unit(sku: str | None, unit: str | None) -> str | None:
    """A seat SKU's unit, made a seat unit when GitHub's is not one (``seats``)."""
    if not _SEAT_SKU.match((sku or "").lower()):
        return unit
    return unit if (unit or "").lower() in SEAT_UNITS else "seats"


def _parse_usage_csv(file: str, header: list[str], rows: Any) -> pl.DataFrame:
    cols = find_columns(file, header, USAGE_COLUMNS, ("date", "sku", "net_amount"))
    credit_report = "model" in cols  # the AI-credit report has a model per row
    feed = "ai-credit" if credit_report else "usage-detailed" if "username" in cols else "usage"
    records = []
    for raw in rows:
        row = raw.rename(cols)
        if not is_copilot(row.text("product"), row.text("sku")):
            continue
        records.append(_usage_record(row, feed))
    return to_frame(records)


def _usage_record(row: Row, feed: str, day: date | None = None) -> dict[str, Any]:
    day = day or row.day("date")
    sku = row.text("sku", required=True)
    user = row.text("username")
    key = record_key(
        SOURCE,
        feed,
        day,
        sku,
        row.text("model"),
        user,
        row.text("organization"),
        row.text("repository"),
        row.text("workflow_path"),
        row.text("cost_center_name"),
    )
    return record(
        key,
        SOURCE,
        TOOL,
        day,
        billed=True,
        amount=row.number_value("net_amount") or 0.0,
        gross_amount=row.number_value("gross_amount", required=False),
        currency="USD",
        quantity=row.number_value("quantity", required=False),
        unit=seat_unit(sku, row.text("unit_type")),
        user_login=user,
    )


def _parse_analytics(file: str, header: list[str], rows: Any) -> pl.DataFrame:
    cols = find_columns(file, header, ANALYTICS_COLUMNS, tuple(ANALYTICS_COLUMNS))
    records = []
    for raw in rows:
        row = raw.rename(cols)
        day = row.day("timestamp")
        requests = row.number_value("requests") or 0.0
        exceeds = (row.text("exceeds", required=True) or "").lower()
        if exceeds not in ("true", "false"):
            raise row.fail("exceeds", f"must be TRUE or FALSE, got {exceeds!r}")
        gross = requests * PREMIUM_REQUEST_PRICE
        user = row.text("user")
        key = record_key(
            SOURCE, "premium-request-analytics", day, row.text("timestamp"), user, row.text("model")
        )
        records.append(
            record(
                key,
                SOURCE,
                TOOL,
                day,
                billed=False,
                amount=gross if exceeds == "true" else 0.0,
                gross_amount=gross,
                currency="USD",
                quantity=requests,
                unit="requests",
                user_login=user,
            )
        )
    return to_frame(records)


# JSON field -> our name, for the usage and the premium-request / AI-credit endpoints.
_JSON_FIELDS = {
    "date": "date",
    "product": "product",
    "sku": "sku",
    "model": "model",
    "quantity": "quantity",
    "grossQuantity": "quantity",
    "unitType": "unit_type",
    "grossAmount": "gross_amount",
    "netAmount": "net_amount",
    "user": "username",
    "username": "username",
    "organizationName": "organization",
    "organization": "organization",
    "repositoryName": "repository",
    "costCenterName": "cost_center_name",
}


def _parse_json(path: Path) -> pl.DataFrame:
    data = read_json(path)
    return _parse_pages(path.name, pages(data), isinstance(data, list))


def usage_response_rows(label: str, responses: list[Any]) -> pl.DataFrame:
    """The cost records of billing usage responses as the API answered them (``collect
    github``): the file import's mapping and record keys, so an API run and an import of
    the same response give the same rows."""
    return _parse_pages(label, responses, True)


def _parse_pages(file: str, responses: list[Any], is_list: bool) -> pl.DataFrame:
    records, number = [], 0
    for p, page in enumerate(responses):
        where = f"[{p}]." if is_list else ""
        if not isinstance(page, dict) or not isinstance(page.get("usageItems"), list):
            raise CostImportError(
                file,
                "is not a GitHub billing usage response: expected an object with 'usageItems' "
                "(from /settings/billing/usage, /premium_request/usage or /ai_credit/usage)",
            )
        period_day = _period_day(file, page.get("timePeriod"))
        for item in json_rows(file, page["usageItems"], f"{where}usageItems"):
            number += 1
            item.number = number
            # Our name -> the item's field (the first of the accepted names it has).
            fields = {}
            for theirs, ours in _JSON_FIELDS.items():
                if ours not in fields and theirs in item.values:
                    fields[ours] = theirs
            row = item.rename(fields)
            row.values = {
                **row.values,
                "username": row.values.get("username") or page.get("user"),
                "organization": row.values.get("organization") or page.get("organization"),
            }
            if not is_copilot(row.text("product"), row.text("sku")):
                continue
            if "date" in fields:
                records.append(_usage_record(row, "usage-api"))
            elif period_day is not None:
                records.append(_usage_record(row, "credit-usage", period_day))
            else:
                raise row.fail("date", "has no date and the response has no timePeriod")
    return to_frame(records)


def _period_day(file: str, period: Any) -> date | None:
    """The first day a ``timePeriod`` ({year, month[, day]}) covers."""
    if period is None:
        return None
    try:
        return date(int(period["year"]), int(period.get("month") or 1), int(period.get("day") or 1))
    except (TypeError, KeyError, ValueError):
        raise CostImportError(
            file, f"timePeriod must be {{year, month[, day]}}, got {period!r}"
        ) from None
