"""`aimetrics budget check`: each budget's spend to date and month-end forecast, with an exit
code for cron and CI alerts (0 within budget, 1 a forecast exceeds its budget, 2 an error)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from aimetrics.cli.options import ConfigOption, Context, DbOption, console, fail, run

budget_app = typer.Typer(help="Monthly AI budgets against spend.", no_args_is_help=True)

OVER_BUDGET_EXIT = 1


@budget_app.command("check")
def check(
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="The last day with data to forecast from. Default: the store's latest cost "
            "record or merge, never after today (billing data lags).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Spend to date, month-end forecast and gap for every `budgets:` entry of the configuration.

    Exits 0 when every forecast is within its budget, 1 when one exceeds it, 2 on an error
    (no budgets configured, no store)."""

    def work() -> int:
        from aimetrics.figures.budget import budgets
        from aimetrics.figures.facts import load_facts_for
        from aimetrics.format import format_money
        from aimetrics.metrics.budget import OVER, budget_label

        ctx = Context(db, config)
        if not ctx.settings.budgets:
            where = ctx.config_path or "the configuration"
            raise fail(
                f"{where} has no budgets: add e.g. `budgets: [{{tool: github-copilot, "
                "monthly: 2000}, {team: payments, monthly: 1500}]` (amounts in "
                "reporting.currency)"
            )
        engine = ctx.engine(migrate=False)
        try:
            facts = load_facts_for(engine, ctx.settings)
        finally:
            engine.dispose()
        rows = budgets(facts, ctx.settings, as_of.date() if as_of else None)
        first = rows.row(0, named=True)
        table = Table(
            title=f"AI budgets, {first['month']:%B %Y} (data to {first['as_of']}, "
            f"{first['days_left']} days left)",
            header_style="bold",
        )
        for name in ("budget for", "monthly budget", "spent to date", "forecast", "gap", ""):
            table.add_column(name, justify="left" if name in ("budget for", "") else "right")
        for r in rows.iter_rows(named=True):
            cur = r["currency"]
            table.add_row(
                budget_label(r),
                format_money(r["budget"], cur),
                format_money(r["spend_to_date"], cur),
                format_money(r["forecast"], cur),
                format_money(r["gap"], cur),
                r["status"],
            )
        typer.echo(_plain(table))
        over = rows.filter(rows["status"] == OVER)
        if over.height:
            names = ", ".join(budget_label(r) for r in over.iter_rows(named=True))
            console.print(f"Forecast over budget: {names}.")
            return OVER_BUDGET_EXIT
        return 0

    raise typer.Exit(run(work))


def _plain(table: Table) -> str:
    """The table as plain text for stdout (cron mails it; no colour codes)."""
    from rich.console import Console

    out = Console(width=120, color_system=None, record=True, force_terminal=False)
    with out.capture() as captured:
        out.print(table)
    return captured.get().rstrip()
