"""Cost files: one small parser per vendor export format, and the import into the store.

Each parser is a pure ``parse(path) -> polars.DataFrame`` in the columns of the
``cost_records`` table; :func:`collectors.costs.load.import_file` checks the
currencies and writes one file in one transaction. Formats: ``docs/costs.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from collectors.costs import anthropic, cursor, generic, github_billing, openai
from collectors.costs._common import SEAT_UNITS, CostImportError

PARSERS: dict[str, Callable[[Path], pl.DataFrame]] = {
    "github-billing": github_billing.parse,
    "anthropic": anthropic.parse,
    "openai": openai.parse,
    "cursor": cursor.parse,
    "generic": generic.parse,
}
SOURCES: tuple[str, ...] = tuple(PARSERS)

__all__ = ["PARSERS", "SEAT_UNITS", "SOURCES", "CostImportError", "parse"]


def parse(path: Path, source: str) -> pl.DataFrame:
    """The ``cost_records`` rows of ``path`` read as ``source`` (one of :data:`SOURCES`)."""
    try:
        parser = PARSERS[source]
    except KeyError:
        raise CostImportError(
            path.name, f"unknown source {source!r}; use one of: {', '.join(SOURCES)}"
        ) from None
    return parser(path)
