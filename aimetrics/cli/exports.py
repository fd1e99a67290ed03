"""`aimetrics export tags|csv` and `report`: the store's figures out as files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import sqlalchemy as sa
import typer

from aimetrics.cli.options import (
    ConfigOption,
    Context,
    DbOption,
    FromOption,
    RepoOption,
    TeamOption,
    ToolOption,
    ToOption,
    app,
    console,
    fail,
    run,
)

if TYPE_CHECKING:
    from aimetrics.figures.compute import Figures

export_app = typer.Typer(help="Export tables as CSV.", no_args_is_help=True)


@export_app.command("tags")
def export_tags(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Every AI tag in the store, one row per tag: the audit trail behind every figure."""

    def work() -> None:
        from aimetrics.exports.tags import export_tags as write

        ctx = Context(db, config)
        engine = ctx.engine(migrate=False)
        n = write(engine, out, show_individuals=ctx.settings.privacy.show_individuals)
        engine.dispose()
        console.print(f"Wrote {n:,} tags to {out}.")

    run(work)


def _period(engine: sa.Engine, ctx: Context, start: dt.datetime | None, end: dt.datetime | None):  # type: ignore[no-untyped-def]
    """The period of --from/--to: both days included; the default is the dashboard's (the
    90 days up to the latest merged PR)."""
    from aimetrics.figures.store_reads import latest_merged_at
    from aimetrics.figures.view import default_period
    from aimetrics.metrics.period import DEFAULT_PERIOD_DAYS, Period

    tz = ctx.settings.reporting.timezone
    last = end.date() if end else default_period(latest_merged_at(engine), ctx.settings).last_day
    first = start.date() if start else last - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if first > last:
        raise fail(f"--from {first} is after --to {last}: the period would be empty")
    return Period(first, last + dt.timedelta(days=1), tz)


def _figures(
    db: str | None,
    config: Path | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    filters: tuple[list[str] | None, list[str] | None, list[str] | None],
    status: str,
    breakdowns: tuple[str, ...] | None = None,
) -> Figures:
    """The figures ``export csv`` and ``report`` show: the store of --db / --config, the
    period of --from / --to (:func:`_period`), the selection of --team / --repo / --tool."""
    from aimetrics.figures.compute import BREAKDOWNS, load_figures
    from aimetrics.metrics.adoption import Selection

    team, repo, tool = filters
    ctx = Context(db, config)
    engine = ctx.engine(migrate=False)
    try:
        period = _period(engine, ctx, start, end)
        selection = Selection(tuple(team or ()), tuple(repo or ()), tuple(tool or ()))
        with console.status(status):
            return load_figures(
                engine, ctx.settings, period, selection, breakdowns=breakdowns or BREAKDOWNS
            )
    finally:
        engine.dispose()


@export_app.command("csv")
def export_csv(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the CSV files into.")],
    start: FromOption = None,
    end: ToOption = None,
    team: TeamOption = None,
    repo: RepoOption = None,
    tool: ToolOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The dashboard's tables as CSV files (filters and privacy applied as on the
    dashboard), with manifest.json: period, filters, settings and each file's rows."""

    def work() -> None:
        from aimetrics.exports.csv_export import write_csv_export

        figures = _figures(db, config, start, end, (team, repo, tool), "Computing the tables...")
        period = figures.period
        info = write_csv_export(figures, out, copilot=figures.copilot)
        files = info["files"]
        assert isinstance(files, list)
        console.print(
            f"Wrote {len(files)} CSV files and {out / 'manifest.json'} for "
            f"{period.start} – {period.last_day}."
        )
        reasons: dict[str, int] = {}
        for entry in files:
            if "withheld" in entry:
                reasons[entry["withheld"]] = reasons.get(entry["withheld"], 0) + 1
        for reason, n in reasons.items():
            console.print(f"{n} tables are header only: {reason}.")

    run(work)


@app.command()
def report(
    out: Annotated[
        Path, typer.Option("--out", help="FILE.html (self-contained) or FILE.pdf (Chromium).")
    ],
    start: FromOption = None,
    end: ToOption = None,
    team: TeamOption = None,
    repo: RepoOption = None,
    tool: ToolOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The leadership report: page 1 is a three-sentence verdict (adoption, the measured
    effect, value against spend), the team action table and the weekly AI-assisted share;
    the appendix has every headline figure, spend and ROI, adoption, delivery, quality and
    the method notes. HTML works offline; PDF is printed by Debian's headless Chromium."""
    kind = out.suffix.lower()
    if kind not in (".html", ".htm", ".pdf"):
        raise fail(f"--out {out}: write FILE.html or FILE.pdf")

    def work() -> None:
        from aimetrics.exports.pdf import check_pdf_printing, render_pdf
        from aimetrics.exports.report.html import render_html
        from aimetrics.exports.report.model import REPORTED, report_from_figures

        # Fail before the work when the browser or Playwright's driver cannot run.
        chromium = check_pdf_printing() if kind == ".pdf" else ""
        filters = (team, repo, tool)
        figures = _figures(db, config, start, end, filters, "Computing the figures...", REPORTED)
        period = figures.period
        html = render_html(report_from_figures(figures))
        if kind == ".pdf":
            with console.status("Printing with Chromium..."):
                render_pdf(html, out, chromium)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(html, encoding="utf-8")
        console.print(f"Wrote the report for {period.start} – {period.last_day} to {out}.")

    run(work)
