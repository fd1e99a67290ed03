"""Import a cost file into the store: parse, check currencies, write in one transaction.

A file is all or nothing: a bad row (see :mod:`collectors.costs._common`) or an
amount in a currency the configuration cannot convert stops it before anything
is written. Records are upserted on their ``record_key``, so importing the same
file (or an overlapping export of the same feed) again leaves the same rows.
Each import is recorded in ``sync_state`` (source ``costs:<source>``, scope the
file name), in the same transaction as its records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from aimetrics.settings import ReportingSettings
from aimetrics.store import schema as s
from aimetrics.store import write_frames
from aimetrics.store.types import table_schema
from aimetrics.vocabulary import tool_name
from collectors.costs import parse
from collectors.costs._common import CostImportError


@dataclass(frozen=True)
class ImportSummary:
    """What one file brought: shown as one line by the CLI."""

    file: str
    source: str
    records: int
    first_day: date | None
    last_day: date | None
    tools: tuple[str, ...]
    net: tuple[tuple[str, float], ...]  # (currency, net amount), sorted by currency

    def line(self) -> str:
        if not self.records:
            return f"{self.file}: no AI-tool cost records ({self.source})"
        days = f"{self.first_day} .. {self.last_day}"
        money = ", ".join(f"{amount:,.2f} {currency}" for currency, amount in self.net)
        return (
            f"{self.file}: {self.records:,} cost records ({self.source}; "
            f"{', '.join(self.tools)}), {days}, net {money}"
        )


def check_currencies(frame: pl.DataFrame, file: str, reporting: ReportingSettings) -> None:
    """Refuse amounts the metrics could not convert into ``reporting.currency``."""
    for currency in sorted(set(frame["currency"].to_list())):
        if currency != reporting.currency and currency not in reporting.exchange_rates:
            raise CostImportError(
                file,
                f"its amounts are in {currency}, the reporting currency is {reporting.currency}, "
                f"and reporting.exchange_rates has no rate for {currency}. Add one to the "
                f"configuration ({reporting.currency} per {currency}), e.g. "
                f"reporting: {{exchange_rates: {{{currency}: 1.10}}}}",
            )


def import_file(
    engine: sa.Engine,
    path: Path,
    source: str,
    reporting: ReportingSettings,
    now: datetime | None = None,
) -> ImportSummary:
    """Parse ``path`` as ``source`` and upsert its records (nothing on any error)."""
    started = now or datetime.now(UTC)
    frame = parse(path, source)
    check_currencies(frame, path.name, reporting)
    summary = _summary(frame, path.name, source)
    tools = pl.DataFrame(
        {"id": list(summary.tools), "name": [tool_name(t) for t in summary.tools]},
        schema={"id": pl.String, "name": pl.String},
    )
    detail = {
        "records": summary.records,
        "first_day": str(summary.first_day) if summary.first_day else None,
        "last_day": str(summary.last_day) if summary.last_day else None,
        "path": str(path),
    }
    state = pl.DataFrame(
        [
            {
                "source": f"costs:{source}",
                "scope": path.name,
                "cursor": None,
                "status": "complete",
                "detail": json.dumps(detail, sort_keys=True),
                "started_at": started,
                "finished_at": now or datetime.now(UTC),
            }
        ],
        schema=table_schema(s.sync_state),
        orient="row",
    )
    write_frames(
        engine,
        [(s.ai_tools, tools), (s.cost_records, frame), (s.sync_state, state)],
        keep_existing=[s.ai_tools],
    )
    return summary


def _summary(frame: pl.DataFrame, file: str, source: str) -> ImportSummary:
    net = frame.group_by("currency").agg(pl.col("amount").sum()).sort("currency")
    return ImportSummary(
        file=file,
        source=source,
        records=frame.height,
        first_day=frame["day"].min(),  # type: ignore[arg-type]
        last_day=frame["day"].max(),  # type: ignore[arg-type]
        tools=tuple(sorted(set(frame["tool_id"].to_list()))),
        net=tuple((c, float(a)) for c, a in net.iter_rows()),
    )
