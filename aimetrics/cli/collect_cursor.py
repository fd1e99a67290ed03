"""`aimetrics collect cursor`: Cursor's Admin API and AI Code Tracking API (and its part
in `collect all`)."""

from __future__ import annotations

import sqlalchemy as sa

from aimetrics.cli.collect import collect_app
from aimetrics.cli.collect_vendors import (
    PLANS,
    RUNNERS,
    QuietOption,
    key_plan,
    run_vendor,
    run_vendor_command,
)
from aimetrics.cli.options import ConfigOption, Context, DbOption


def run_cursor(ctx: Context, engine: sa.Engine, quiet: bool) -> bool:
    """Run the Cursor collector; True when every feed completed (a plan without the
    tracking API is a note, not a failure)."""
    from aimetrics.settings import CursorSettings
    from collectors.vendors.cursor import collect_cursor

    settings = ctx.settings.vendors.cursor or CursorSettings()
    return run_vendor("cursor", collect_cursor, settings, ctx, engine, quiet)


def cursor_plan(ctx: Context) -> list[tuple[str, str | None]]:
    """``cursor`` when the configuration names it, with why it is skipped (None: it runs)."""
    return key_plan("cursor", ctx.settings.vendors.cursor)


RUNNERS["cursor"] = run_cursor
PLANS.append(cursor_plan)


@collect_app.command("cursor")
def collect_cursor_command(
    config: ConfigOption = None, db: DbOption = None, quiet: QuietOption = False
) -> None:
    """Cursor use per member and day, spend, and AI lines per commit, from Cursor's APIs.

    Members, daily usage and spend from the Admin API; per-commit Tab and agent lines from
    the AI Code Tracking API where the plan has it (Enterprise). The key comes from the
    variable vendors.cursor.api_key_env names (CURSOR_API_KEY): an Admin API key.
    Incremental (days not stored, plus vendors.cursor.lookback_days) and safe to
    interrupt: re-run to resume.
    """
    run_vendor_command(run_cursor, config, db, quiet)
