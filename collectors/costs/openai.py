"""OpenAI organization costs (``openai``), counted as OpenAI Codex spend.

Accepted: the JSON of ``GET /v1/organization/costs`` (one page per file, or a
JSON list of the pages of one request): ``data[]`` daily buckets
(``start_time`` in Unix seconds) of ``results[]`` whose ``amount.value`` is in
currency units (dollars, not cents) and ``amount.currency`` a lower-case ISO
code. What OpenAI bills: ``billed`` true. Grouping by ``project_id`` and
``line_item`` is kept in the record key, so a report grouped differently is a
different feed of the same bill (the cost model uses one of them per month).
The usage endpoints (``/usage/completions``, ...) count tokens, not money, and
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

SOURCE = "openai"
TOOL = "openai-codex"


def parse(path: Path) -> pl.DataFrame:
    """The cost records of an OpenAI organization costs response."""
    file, data = path.name, read_json(path)
    responses = pages(data)
    for page in responses:
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise CostImportError(
                file,
                "is not an OpenAI costs response: expected {object: 'page', data: [{start_time, "
                "results: [{amount: {value, currency}}]}]} from /v1/organization/costs",
            )
    records, number = [], 0
    for p, page in enumerate(responses):
        where = f"[{p}]." if isinstance(data, list) else ""
        for bucket in json_rows(file, page["data"], f"{where}data"):
            day = bucket.epoch_day("start_time", millis=False)
            for row in json_rows(file, bucket.get("results") or [], f"{bucket.path}.results"):
                number += 1
                row.number = number
                records.append(_record(row, day, file))
    return to_frame(records)


def _record(row: Any, day: Any, file: str) -> dict[str, Any]:
    kind = row.text("object") or ""
    if kind.startswith("organization.usage"):
        raise CostImportError(
            file,
            "is a usage report (token counts, no cost): export /v1/organization/costs instead",
        )
    amount = row.get("amount")
    if not isinstance(amount, dict):
        raise row.fail("amount", "must be {value, currency}")
    row.values = {**row.values, "value": amount.get("value"), "currency": amount.get("currency")}
    row.labels = {"value": "amount.value", "currency": "amount.currency"}
    value = row.number_value("value") or 0.0
    group = (row.text("project_id"), row.text("line_item"))
    feed = "costs-" + "-".join(n for n, v in zip(("project", "line"), group, strict=True) if v)
    return record(
        record_key(SOURCE, feed.rstrip("-"), day, *group),
        SOURCE,
        TOOL,
        day,
        billed=True,
        amount=value,
        gross_amount=value,
        currency=row.currency("currency"),
    )
