"""`aimetrics collect cursor`: Cursor's Admin API and AI Code Tracking API (and its part
in `collect all`)."""

from __future__ import annotations

import sqlalchemy as sa
import typer

from aimetrics.cli.collect import collect_app
from aimetrics.cli.collect_vendors import PLANS, RUNNERS, QuietOption, _error, _say
from aimetrics.cli.options import ConfigOption, Context, DbOption, run


def run_cursor(ctx: Context, engine: sa.Engine, quiet: bool) -> bool:
    """Run the Cursor collector; True when every feed completed (a plan without the
    tracking API is a note, not a failure)."""
    from aimetrics.settings import CursorSettings
    from collectors.vendors.cursor import collect_cursor

    settings = ctx.settings.vendors.cursor or CursorSettings()
    summary = collect_cursor(
        settings, engine, ctx.settings.reporting, report=(lambda _l: None) if quiet else _say
    )
    _say(summary.line())
    if quiet:  # the one line a plan without tracking gives, even in cron's output
        for note in summary.notes:
            _say(f"cursor {note}")
    for failure in summary.failed:
        _error(f"cursor {failure}")
    return not summary.failed


def cursor_plan(ctx: Context) -> list[tuple[str, str | None]]:
    """``cursor`` when the configuration names it, with why it is skipped (None: it runs)."""
    cursor = ctx.settings.vendors.cursor
    if cursor is None:
        return []
    return [("cursor", f"${cursor.api_key_env} is not set" if cursor.key() is None else None)]


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

    def work() -> int:
        from aimetrics.pipeline import run_pipeline

        ctx = Context(db, config)
        engine = ctx.engine(migrate=True)
        try:
            ok = run_cursor(ctx, engine, quiet)
            # Tracked commits may add line evidence to stored commits: their repositories
            # are listed for tagging, which this runs (as after `import traces`).
            run_pipeline(engine, ctx.settings, identities=False)
        finally:
            engine.dispose()
        return 0 if ok else 1

    code = run(work)
    if code:
        raise typer.Exit(code)
