"""What every cost parser shares: reading files, checking values, building ``cost_records`` rows.

A parser reads one file and returns the ``cost_records`` rows it holds. It never
skips a malformed row: the first bad value raises :class:`CostImportError`
naming the file, the row and the column, and nothing of the file is imported.
Rows the file holds but that are no AI-tool cost (an Actions minute in a GitHub
billing export) are left out on purpose, not by accident.

Row numbers: in a CSV file the header is row 1, as a spreadsheet shows it; in a
JSON file rows are counted 1, 2, ... in the order the file lists them, and the
JSON path is given beside the number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from aimetrics.errors import AimetricsError
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from aimetrics.vocabulary import SEAT_UNITS

COST_SCHEMA = table_schema(s.cost_records)
__all__ = ["COST_SCHEMA", "SEAT_UNITS", "CostImportError", "Row"]


class CostImportError(AimetricsError):
    """A cost file cannot be imported: names the file, and the row and column when one is bad."""

    def __init__(
        self, file: str, message: str, row: int | str | None = None, column: str | None = None
    ) -> None:
        self.file, self.row, self.column = file, row, column
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}. Nothing from {file} was imported")


@dataclass
class Row:
    """Where a value comes from: the file, the row number and (for JSON) the path."""

    file: str
    number: int
    path: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)  # our name -> the file's name

    def fail(self, column: str, message: str) -> CostImportError:
        row_text = f"{self.number} ({self.path})" if self.path else str(self.number)
        label = self.labels.get(column, column)
        return CostImportError(self.file, message, row=row_text, column=label)

    def rename(self, columns: Mapping[str, str]) -> Row:
        """The row with its values under our names (``columns``: our name -> the file's)."""
        values = {ours: self.values.get(theirs) for ours, theirs in columns.items()}
        return Row(self.file, self.number, self.path, values, dict(columns))

    def get(self, column: str) -> Any:
        return self.values.get(column)

    def text(self, column: str, *, required: bool = False) -> str | None:
        value = self.values.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(column, "is empty; every row needs a value here")
            return None
        if isinstance(value, (dict, list)):
            raise self.fail(column, f"must be text, got {_show(value)}")
        return str(value).strip()

    def number_value(
        self, column: str, *, required: bool = True, scale: float = 1.0
    ) -> float | None:
        value = self.values.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(column, "is empty; every row needs a number here, e.g. 12.50")
            return None
        number = parse_number(value)
        if number is None:
            raise self.fail(column, f"must be a number such as 12.50, got {_show(value)}")
        return number / scale

    def day(self, column: str) -> date:
        value = self.values.get(column)
        day = parse_day(value)
        if day is None:
            raise self.fail(
                column, f"must be a date written YYYY-MM-DD (or an ISO time), got {_show(value)}"
            )
        return day

    def epoch_day(self, column: str, *, millis: bool) -> date:
        value = self.values.get(column)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            unit = "milliseconds" if millis else "seconds"
            raise self.fail(column, f"must be a Unix time in {unit}, got {_show(value)}")
        seconds = value / 1000 if millis else value
        try:
            return datetime.fromtimestamp(seconds, UTC).date()
        except (OverflowError, OSError, ValueError):
            raise self.fail(column, f"is not a usable Unix time: {_show(value)}") from None

    def currency(self, column: str) -> str:
        value = self.text(column, required=True) or ""
        code = value.upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise self.fail(
                column, f"must be a 3-letter currency code such as USD, got {_show(value)}"
            )
        return code


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return "a JSON object" if isinstance(value, dict) else "a JSON list"
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(value: Any) -> float | None:
    """A finite number from a JSON number or a text such as ``12.5``, ``"$0.07"``, ``" 3 "``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        negative = text.startswith("-")
        text = text.lstrip("+-").strip().removeprefix("$").strip()
        if not _NUMBER.fullmatch(text):
            return None
        number = -float(text) if negative else float(text)
    else:
        return None
    return number if math.isfinite(number) else None


def parse_day(value: Any) -> date | None:
    """The UTC day of ``2026-07-01``, ``2026-07-01T09:14:02.511Z`` or ``2026-07-01 09:14``."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def read_text(path: Path) -> str:
    """The file's text (UTF-8, with or without a byte-order mark)."""
    name = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CostImportError(str(path), "no such file") from None
    except OSError as exc:
        raise CostImportError(str(path), f"cannot be read: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CostImportError(
            name, f"is not UTF-8 text (byte {exc.start}); save or export it as UTF-8 CSV/JSON"
        ) from None


def is_json(path: Path) -> bool:
    """Whether the file holds JSON (its first character after any BOM is ``{`` or ``[``)."""
    return read_text(path).lstrip()[:1] in ("{", "[")


def read_json(path: Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CostImportError(
            path.name, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def read_csv(path: Path) -> tuple[list[str], Iterator[Row]]:
    """The header (as written, trimmed) and the data rows; row 1 is the header.

    Fully quoted, partly quoted and unquoted files all read the same; quoted
    fields may hold commas and line breaks. A row with more fields than the
    header is an error.
    """
    text = read_text(path)
    name = path.name
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CostImportError(name, f"is not a readable CSV file ({exc})", row=1) from None
    if not header or not any(h.strip() for h in header):
        raise CostImportError(name, "is empty: expected a CSV header row")
    header = [h.strip() for h in header]

    def rows() -> Iterator[Row]:
        number = 1
        try:
            for fields in reader:
                number += 1
                if not fields or not any(f.strip() for f in fields):
                    continue  # blank line
                if len(fields) > len(header):
                    raise CostImportError(
                        name,
                        f"has {len(fields)} fields but the header has {len(header)}; "
                        "quote values that contain commas",
                        row=number,
                    )
                values = dict(zip(header, fields, strict=False))
                yield Row(name, number, values=values)
        except csv.Error as exc:
            raise CostImportError(name, f"is not readable CSV ({exc})", row=number + 1) from None

    return header, rows()


def find_columns(
    file: str, header: Sequence[str], wanted: Mapping[str, Sequence[str]], required: Sequence[str]
) -> dict[str, str]:
    """Map our names to the file's columns by header name (case and spacing ignored).

    ``wanted``: our name -> accepted header names. A missing required column is
    an error naming the columns the file has.
    """
    by_norm = {_norm(h): h for h in header}
    found: dict[str, str] = {}
    for ours, names in wanted.items():
        for name in names:
            if _norm(name) in by_norm:
                found[ours] = by_norm[_norm(name)]
                break
    missing = [wanted[r][0] for r in required if r not in found]
    if missing:
        raise CostImportError(
            file,
            f"has no column {', '.join(repr(m) for m in missing)} "
            f"(its columns: {', '.join(header)})",
            row=1,
        )
    return found


def _norm(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name.strip().lower())


def record_key(source: str, feed: str, day: date, *parts: Any) -> str:
    """``<source>:<feed>:<day>:<hash of the record's natural key>`` (stable across re-imports).

    The natural key is made of the source's own identifying fields, never of the
    file name, so the same record exported twice (or in two overlapping files of
    one feed) is one row.
    """
    natural = "\x1f".join("" if p is None else str(p) for p in parts)
    digest = hashlib.sha256(natural.encode()).hexdigest()[:20]
    return f"{source}:{feed}:{day.isoformat()}:{digest}"


def to_frame(records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """``cost_records`` rows; rows of one key within a file are added up (one record).

    Exports aggregate on fewer fields than they show (a summarized GitHub report
    repeats a day and SKU once per cost center), so equal keys are parts of one
    record, never duplicates to drop.
    """
    frame = pl.DataFrame(list(records), schema=COST_SCHEMA, orient="row")
    if frame.is_empty():
        return frame
    sums = ("amount", "gross_amount", "quantity")
    return (
        frame.group_by("record_key", maintain_order=True)
        .agg(
            *(pl.col(c).sum() if c == "amount" else _sum_or_null(c) for c in sums),
            *(pl.col(c).first() for c in COST_SCHEMA if c not in (*sums, "record_key")),
        )
        .select(list(COST_SCHEMA))
        .sort("day", "record_key")
    )


def _sum_or_null(column: str) -> pl.Expr:
    return (
        pl.when(pl.col(column).is_null().all())
        .then(None)
        .otherwise(pl.col(column).sum())
        .alias(column)
    )


def record(
    key: str,
    source: str,
    tool_id: str,
    day: date,
    *,
    billed: bool,
    amount: float,
    currency: str,
    gross_amount: float | None = None,
    quantity: float | None = None,
    unit: str | None = None,
    user_login: str | None = None,
    team_slug: str | None = None,
) -> dict[str, Any]:
    """One ``cost_records`` row as a dict (the column names of the table)."""
    return {
        "record_key": key,
        "source": source,
        "tool_id": tool_id,
        "day": day,
        "billed": billed,
        "amount": amount,
        "gross_amount": gross_amount,
        "currency": currency,
        "quantity": quantity,
        "unit": unit,
        "user_login": user_login,
        "team_slug": team_slug,
    }


def json_rows(file: str, items: Any, path: str) -> Iterator[Row]:
    """Each object of the JSON list ``items`` (at ``path``) as a :class:`Row`, numbered from 1."""
    if not isinstance(items, list):
        raise CostImportError(file, f"{path} must be a list, got {_show(items)}")
    for i, item in enumerate(items):
        row = Row(file, i + 1, f"{path}[{i}]", item if isinstance(item, dict) else {})
        if not isinstance(item, dict):
            raise row.fail(path, f"must be a JSON object, got {_show(item)}")
        yield row


def pages(data: Any) -> list[Any]:
    """API responses saved one page per file, or several pages as a JSON list."""
    return data if isinstance(data, list) else [data]
