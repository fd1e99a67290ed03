"""The `aimetrics` command: wires the stages together and holds no logic of its own.

One module per group of commands; :mod:`.options` holds the app and the option types they
share. Commands register in the order ``aimetrics --help`` lists them.
"""

from __future__ import annotations

from aimetrics.cli import (  # noqa: F401 (registers the commands)
    collect_cursor,
    collect_vendors,
    store,
    tagging,
)
from aimetrics.cli.budget import budget_app
from aimetrics.cli.collect import collect_app, import_app
from aimetrics.cli.exports import export_app
from aimetrics.cli.options import app

app.add_typer(budget_app, name="budget")
app.add_typer(collect_app, name="collect")
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry point
    app()
