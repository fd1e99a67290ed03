"""Anthropic Admin API exports (``anthropic``), counted as Claude Code spend.

Accepted (format read from the file itself; one response per file, or a JSON
list of the pages of one request):

- the cost report (``GET /v1/organizations/cost_report``): ``data[]`` daily
  buckets of ``results[]`` whose ``amount`` is a decimal string in **cents**
  (``"123.45"`` USD is $1.2345). What Anthropic bills: ``billed`` true.
- the Claude Code usage report (``GET /v1/organizations/usage_report/claude_code``):
  one row per day, actor and model of ``model_breakdown[]``, whose
  ``estimated_cost.amount`` is a number in **cents**. An estimate: ``billed``
  false, so a cost report of the same month wins over it. ``user_login`` is
  the actor's e-mail (API-key actors have none).

The messages usage report and the Enterprise analytics have no cost fields and
are refused with a message saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from collectors.costs._common import (
    CostImportError,
    json_rows,
    pages,
    read_json,
    record,
    record_key,
    to_frame,
)

SOURCE = "anthropic"
TOOL = "claude-code"
CENTS = 100.0


def parse(path: Path) -> pl.DataFrame:
    """The cost records of an Anthropic cost report or Claude Code usage report."""
    file, data = path.name, read_json(path)
    responses = pages(data)
    first = _first_item(file, responses)
    if isinstance(first.get("results"), list):
        results = [
            r
            for page in responses
            for bucket in page["data"]
            if isinstance(bucket, dict)
            for r in bucket.get("results") or []
        ]
        if results and all("amount" not in r for r in results if isinstance(r, dict)):
            raise CostImportError(
                file,
                "is a messages usage report (token counts, no cost): export the cost report "
                "(/v1/organizations/cost_report) instead",
            )
        return _cost_report(file, responses, isinstance(data, list))
    if "model_breakdown" in first or "actor" in first:
        return _claude_code(file, responses, isinstance(data, list))
    if "chat_metrics" in first or "claude_code_metrics" in first:
        raise CostImportError(
            file,
            "is an Enterprise analytics export (activity, no cost): seat costs come from the "
            "seat plans in the configuration",
        )
    raise CostImportError(
        file,
        "is not an Anthropic cost report or Claude Code usage report: expected "
        "{data: [{starting_at, results: [{amount, currency, ...}]}]} or "
        "{data: [{date, actor, model_breakdown: [...]}]}",
    )


def cost_report_rows(label: str, responses: list[Any]) -> pl.DataFrame:
    """The cost records of cost report pages as the API answered them (``collect
    anthropic``): the file import's mapping and record keys, so an API run and an import
    of the same data give the same rows."""
    return _cost_report(label, responses, True)


def claude_code_rows(label: str, responses: list[Any]) -> pl.DataFrame:
    """The cost records (estimates) of Claude Code usage report pages, as `cost_report_rows`."""
    return _claude_code(label, responses, True)


def _first_item(file: str, responses: list[Any]) -> dict[str, Any]:
    for page in responses:
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise CostImportError(file, "expected an API response object with a 'data' list")
        for item in page["data"]:
            if isinstance(item, dict):
                return item
    return {"results": []}  # nothing in any page: an empty cost report


def _cost_report(file: str, responses: list[Any], is_list: bool) -> pl.DataFrame:
    records, number = [], 0
    for p, page in enumerate(responses):
        where = f"[{p}]." if is_list else ""
        for bucket in json_rows(file, page["data"], f"{where}data"):
            day = bucket.day("starting_at")
            for row in json_rows(file, bucket.get("results"), f"{bucket.path}.results"):
                number += 1
                row.number = number
                amount = row.number_value("amount", scale=CENTS) or 0.0
                key = record_key(
                    SOURCE,
                    "cost-report",
                    day,
                    row.text("workspace_id"),
                    row.text("description"),
                    row.text("cost_type"),
                    row.text("model"),
                    row.text("token_type"),
                    row.text("service_tier"),
                    row.text("context_window"),
                    row.text("inference_geo"),
                )
                records.append(
                    record(
                        key,
                        SOURCE,
                        TOOL,
                        day,
                        billed=True,
                        amount=amount,
                        gross_amount=amount,
                        currency=row.currency("currency"),
                    )
                )
    return to_frame(records)


def _claude_code(file: str, responses: list[Any], is_list: bool) -> pl.DataFrame:
    records, number = [], 0
    for p, page in enumerate(responses):
        where = f"[{p}]." if is_list else ""
        for item in json_rows(file, page["data"], f"{where}data"):
            day = item.day("date")
            actor = item.get("actor") if isinstance(item.get("actor"), dict) else {}
            email = actor.get("email_address")
            who = email or actor.get("api_key_name")
            for row in json_rows(
                file, item.get("model_breakdown") or [], f"{item.path}.model_breakdown"
            ):
                number += 1
                row.number = number
                cost = row.get("estimated_cost")
                if not isinstance(cost, dict):
                    raise row.fail("estimated_cost", "must be {currency, amount}")
                row.values = {
                    **row.values,
                    "amount": cost.get("amount"),
                    "currency": cost.get("currency"),
                }
                row.labels = {
                    "amount": "estimated_cost.amount",
                    "currency": "estimated_cost.currency",
                }
                amount = row.number_value("amount", scale=CENTS) or 0.0
                tokens = row.get("tokens") if isinstance(row.get("tokens"), dict) else {}
                total = sum(v for v in tokens.values() if isinstance(v, (int, float)))
                key = record_key(
                    SOURCE,
                    "claude-code",
                    day,
                    actor.get("type"),
                    who,
                    item.get("terminal_type"),
                    item.get("customer_type"),
                    item.get("is_remote"),
                    row.text("model"),
                )
                records.append(
                    record(
                        key,
                        SOURCE,
                        TOOL,
                        day,
                        billed=False,
                        amount=amount,
                        gross_amount=amount,
                        currency=row.currency("currency"),
                        quantity=float(total) if tokens else None,
                        unit="tokens" if tokens else None,
                        user_login=email,
                    )
                )
    return to_frame(records)
