"""The `aimetrics` command's shared parts: the typer app, the console, the option types
every command shares, and one clear line for a user-facing error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aimetrics.errors import AimetricsError

app = typer.Typer(
    name="aimetrics",
    help=(
        "Team AI-adoption metrics for engineering managers: how much of your delivery is "
        "AI-assisted, and whether it is worth what you pay.\n\n"
        "Start with `aimetrics demo` to see the dashboard on a realistic demo organization."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store URL (sqlite:///FILE or postgresql://...). Default: $AIMETRICS_DB, "
        "the config's store.url, else sqlite:///aimetrics.db.",
        show_default=False,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Configuration file (YAML). Default: $AIMETRICS_CONFIG, else ./aimetrics.yaml if "
        "present, else built-in defaults.",
        show_default=False,
    ),
]
PortOption = Annotated[int, typer.Option("--port", help="Port for the dashboard.", min=1)]
LOCAL_ADDRESS = "127.0.0.1"  # safe by default: only this machine reaches the dashboard
AddressOption = Annotated[
    str,
    typer.Option(
        "--address",
        envvar="AIMETRICS_ADDRESS",
        help="Address the dashboard listens on (default 127.0.0.1: this machine only; "
        "0.0.0.0: every interface, e.g. in a container; without sign-in a warning says so).",
    ),
]

FromOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--from",
        formats=["%Y-%m-%d"],
        help="First day of the period (reporting time zone). Default: 89 days before --to.",
        show_default=False,
    ),
]
ToOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--to",
        formats=["%Y-%m-%d"],
        help="Last day of the period, included. Default: the day of the latest merged PR.",
        show_default=False,
    ),
]
TeamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--team", help="Team slug (repeat for several). Default: all.", show_default=False
    ),
]
RepoOption = Annotated[
    list[str] | None,
    typer.Option(
        "--repo", help="OWNER/NAME (repeat for several). Default: all.", show_default=False
    ),
]
ToolOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tool",
        help="AI tool id, e.g. github-copilot (repeat for several): what counts as AI-assisted. "
        "Default: all.",
        show_default=False,
    ),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    # Messages quote YAML and logins ("[acme, beta]", "renovate[bot]"): never markup.
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


class Context:
    """Settings and store for one command, opened lazily and closed on exit."""

    def __init__(self, db: str | None, config: Path | None) -> None:
        from aimetrics.settings import load_settings
        from aimetrics.store import resolve_db_url

        self.settings = load_settings(config)
        self.config_path = config
        self.db_url = resolve_db_url(db, self.settings.store.url)

    def engine(self, *, migrate: bool) -> sa.Engine:
        from aimetrics.store import check_current, create_store_engine, upgrade

        engine = create_store_engine(self.db_url, must_exist=not migrate)
        if migrate:
            upgrade(engine)
        else:
            check_current(engine)
        return engine

    def ruleset(self):  # type: ignore[no-untyped-def]
        from aimetrics.tagging import ruleset_from_settings

        return ruleset_from_settings(self.settings)


def run(fn):  # type: ignore[no-untyped-def]
    """Turn user-facing errors into one clear line and a non-zero exit."""
    try:
        return fn()
    except AimetricsError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None


def print_counts(title: str, counts: dict[str, int]) -> None:
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
