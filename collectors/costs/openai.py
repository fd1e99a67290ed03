"""OpenAI organization costs (``openai``), counted as OpenAI Codex spend.

Accepted: the JSON of ``GET /v1/organization/costs`` (one page per file, or a
JSON list of the pages of one request): ``data[]`` daily buckets
(``start_time`` in Unix seconds) of ``results[]`` whose ``amount.value`` is in
currency units (dollars, not cents) and ``amount.currency`` a lower-case ISO
code. What OpenAI bills: ``billed`` true. Grouping by ``project_id``,
``line_item`` (and ``api_key_id``) is kept in the record key, so a report grouped differently is a
different feed of the same bill (the cost model uses one of them per month).
The usage endpoints (``/usage/completions``, ...) count tokens, not money, and
are refused with a message saying so.
"""

from __future__ import annotations

from collections.abc import Callable
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


ToolFor = Callable[[str | None, str | None], str | None]
"""(project_id, api_key_id) -> the tool the row counts for; None leaves the row out."""


def parse(path: Path) -> pl.DataFrame:
    """The cost records of an OpenAI organization costs response."""
    data = read_json(path)
    return _parse(path.name, pages(data), isinstance(data, list), lambda _p, _k: TOOL)


def costs_rows(label: str, responses: list[Any], tool_for: ToolFor) -> pl.DataFrame:
    """The cost records of costs pages as the API answered them (``collect openai``): the
    file import's mapping and record keys, so an API run and an import of the same data
    give the same rows; ``tool_for`` sends a project's or key's rows to a tool (or out)."""
    return _parse(label, responses, True, tool_for)


def _parse(file: str, responses: list[Any], is_list: bool, tool_for: ToolFor) -> pl.DataFrame:
    for page in responses:
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise CostImportError(
                file,
                "is not an OpenAI costs response: expected {object: 'page', data: [{start_time, "
                "results: [{amount: {value, currency}}]}]} from /v1/organization/costs",
            )
    records, number = [], 0
    for p, page in enumerate(responses):
        where = f"[{p}]." if is_list else ""
        for bucket in json_rows(file, page["data"], f"{where}data"):
            day = bucket.epoch_day("start_time", millis=False)
            for row in json_rows(file, bucket.get("results") or [], f"{bucket.path}.results"):
                number += 1
                row.number = number
                found = _record(row, day, file, tool_for)
                if found is not None:
                    records.append(found)
    return to_frame(records)


def _record(row: Any, day: Any, file: str, tool_for: ToolFor) -> dict[str, Any] | None:
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
    currency = row.currency("currency")
    project, key = row.text("project_id"), row.text("api_key_id")
    tool = tool_for(project, key)
    if tool is None:
        return None  # the configuration says this project's or key's spend is no AI tool's
    # The key's id only when set, so a response not grouped by key keeps its keys.
    group = (project, row.text("line_item"), *((key,) if key else ()))
    names = ("project", "line", "key")
    feed = "costs-" + "-".join(n for n, v in zip(names, group, strict=False) if v)
    return record(
        record_key(SOURCE, feed.rstrip("-"), day, *group),
        SOURCE,
        tool,
        day,
        billed=True,
        amount=value,
        gross_amount=value,
        currency=currency,
    )
