"""The `aimetrics` command: wires the stages together and holds no logic of its own."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
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


def _fail(message: str, code: int = 2) -> typer.Exit:
    # Messages quote YAML and logins ("[acme, beta]", "renovate[bot]"): never markup.
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


class _Context:
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


def _run(fn):  # type: ignore[no-untyped-def]
    """Turn user-facing errors into one clear line and a non-zero exit."""
    try:
        return fn()
    except AimetricsError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        raise _fail("interrupted", 130) from None


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def _serve(ctx: _Context, port: int) -> None:
    if not _port_free(port):
        raise _fail(f"port {port} is in use: stop what uses it or pass --port N")
    import dashboard

    entry = Path(dashboard.__file__).parent / "app.py"
    env = dict(os.environ, AIMETRICS_DB=ctx.db_url)
    if ctx.config_path is not None:
        env["AIMETRICS_CONFIG"] = str(ctx.config_path.resolve())
    console.print(f"Dashboard: [bold]http://localhost:{port}[/]  (Ctrl+C to stop)")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(entry),
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    try:
        raise typer.Exit(subprocess.call(cmd, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


def _print_counts(title: str, counts: dict[str, int]) -> None:
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Random seed: same seed and end date, same org.")] = 42,
    end_date: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Last day of the 12 months. Default: today."),
    ] = None,
    scale: Annotated[
        float, typer.Option(min=0.05, max=200.0, help="Size multiplier (100 ≈ 1M PRs).")
    ] = 1.0,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load only; do not serve.")] = False,
    port: PortOption = 8501,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Build the demo organization into the store (idempotent), tag it, and serve the dashboard."""

    def work() -> _Context:
        from aimetrics import demo as demo_org
        from aimetrics.settings import CONFIG_ENV, DEFAULT_CONFIG_NAME
        from aimetrics.tagging import tag_store
        from aimetrics.tagging.identities import resolve_identities
        from aimetrics.tagging.rules import shipped_config

        # Without a configuration of the user's, the demo organization brings its own
        # (its payments team's "ai-assisted" label rule), as a real team would.
        users = os.environ.get(CONFIG_ENV) or Path(DEFAULT_CONFIG_NAME).exists()
        own = config or (None if users else shipped_config("demo.yaml"))
        ctx = _Context(db, own)
        if not no_serve and not _port_free(port):
            raise _fail(f"port {port} is in use: stop what uses it or pass --port N")
        engine = ctx.engine(migrate=True)
        started = time.perf_counter()
        with console.status("Generating the demo organization..."):
            counts = demo_org.load(
                engine, seed=seed, end_date=end_date.date() if end_date else None, scale=scale
            )
        with console.status("Resolving identities and tagging AI-assisted changes..."):
            rules = ctx.ruleset()
            resolve_identities(engine, rules, ctx.settings)
            tags = tag_store(engine, rules)
        engine.dispose()
        _print_counts(f"Demo organization in {ctx.db_url}", counts)
        console.print(
            f"Tagged {sum(tags.values()):,} AI markers "
            f"({', '.join(f'{k}: {v:,}' for k, v in tags.items())}) "
            f"in {time.perf_counter() - started:.1f} s."
        )
        return ctx

    ctx = _run(work)
    if not no_serve:
        _serve(ctx, port)


@app.command()
def dashboard(port: PortOption = 8501, db: DbOption = None, config: ConfigOption = None) -> None:
    """Serve the dashboard on whatever the store holds (never migrates)."""

    def work() -> _Context:
        from aimetrics.store import check_current, create_store_engine
        from aimetrics.store.engine import StoreUrl

        ctx = _Context(db, config)
        store = StoreUrl.parse(ctx.db_url)
        if store.is_sqlite and not store.sqlite_path.exists():
            # Not an error: the dashboard itself explains how to load data.
            console.print(
                f"No store at {store.sqlite_path} yet: the dashboard shows how to fill it."
            )
            return ctx
        engine = create_store_engine(ctx.db_url)
        check_current(engine)
        engine.dispose()
        return ctx

    _serve(_run(work), port)


@app.command()
def migrate(db: DbOption = None, config: ConfigOption = None) -> None:
    """Bring the store's schema up to date (safe to run at any time)."""

    def work() -> None:
        from aimetrics.store import create_store_engine, upgrade

        ctx = _Context(db, config)
        engine = create_store_engine(ctx.db_url)
        before, after = upgrade(engine)
        engine.dispose()
        if before == after:
            console.print(f"The store {ctx.db_url} is up to date (schema {after}).")
        else:
            console.print(f"Migrated {ctx.db_url}: schema {before or 'empty'} → {after}.")

    _run(work)


@app.command("migrate-store")
def migrate_store(
    source: Annotated[str, typer.Option("--from", help="Store URL to copy from.")],
    target: Annotated[str, typer.Option("--to", help="Store URL to copy into (migrated first).")],
) -> None:
    """Copy a whole store to another backend (SQLite ⇄ PostgreSQL) without loss.

    Safe to re-run after an interruption: every row is an idempotent upsert."""

    def work() -> None:
        from aimetrics.store import check_current, create_store_engine, upgrade
        from aimetrics.store.copy import copy_store

        src = create_store_engine(source, must_exist=True)
        check_current(src)
        dst = create_store_engine(target)
        upgrade(dst)
        started = time.perf_counter()
        with console.status("Copying...") as status:
            counts = copy_store(
                src, dst, on_table=lambda name, n: status.update(f"Copied {name}: {n:,} rows")
            )
        _print_counts(f"Copied in {time.perf_counter() - started:.1f} s", counts)

    _run(work)


@app.command()
def forget(
    person: Annotated[str, typer.Argument(help="A login or an email of the person.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Remove a person's identities and personal fields from the store (their work stays
    in the aggregates under a pseudonym). Cannot be undone."""

    def work() -> None:
        from aimetrics.store.forget import forget_person

        ctx = _Context(db, config)
        engine = ctx.engine(migrate=True)
        if not yes and not typer.confirm(f"Forget {person} in {ctx.db_url}? This cannot be undone"):
            raise typer.Exit(1)
        done = forget_person(engine, person)
        engine.dispose()
        changed = sum(done.rows.values())
        console.print(
            f"Forgot {len(done.values)} identities; {changed:,} fields now read "
            f"{done.pseudonym}. Remove the person from your configuration's people: and "
            "teams: too, or the next run will know them again."
        )

    _run(work)


@app.command()
def prune(
    raw_older_than: Annotated[
        int | None,
        typer.Option(
            "--raw-older-than",
            min=1,
            help="Days; default: the config's retention.raw_payload_days.",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Prune raw API payloads past the retention period (normalized rows stay)."""

    def work() -> None:
        from aimetrics.store.retention import prune_raw_payloads

        ctx = _Context(db, config)
        days = raw_older_than or ctx.settings.retention.raw_payload_days
        if days is None:
            raise _fail(
                "no retention period: pass --raw-older-than DAYS or set "
                "retention.raw_payload_days in the configuration"
            )
        engine = ctx.engine(migrate=True)
        n = prune_raw_payloads(engine, days)
        engine.dispose()
        console.print(f"Pruned {n:,} raw payloads fetched more than {days} days ago.")

    _run(work)


@app.command()
def tag(db: DbOption = None, config: ConfigOption = None) -> None:
    """Re-apply the AI-marker rules to everything stored (idempotent; nothing is fetched)."""

    def work() -> None:
        from aimetrics.tagging import tag_store
        from aimetrics.tagging.identities import resolve_identities

        ctx = _Context(db, config)
        engine = ctx.engine(migrate=True)
        started = time.perf_counter()
        rules = ctx.ruleset()
        who = resolve_identities(engine, rules, ctx.settings)
        counts = tag_store(engine, rules)
        engine.dispose()
        _print_counts(f"AI tags ({time.perf_counter() - started:.1f} s)", counts)
        console.print(
            f"{who['people']:,} people, {who['identities']:,} identities; "
            f"{who['unresolved']:,} emails resolve to no known person (add them to `people:` "
            "in the configuration to merge them)."
        )

    _run(work)


@app.command()
def explain(
    ref: Annotated[str, typer.Argument(help="OWNER/REPO#NUMBER for a pull request, or a sha.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Why a pull request or commit counts as AI: every rule that fired, with the
    matched text, the near misses, and the verdict at the configured confidence."""

    def work() -> None:
        from aimetrics.tagging.explain import explain_commit, explain_pr, parse_ref

        try:
            kind = parse_ref(ref)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        ctx = _Context(db, config)
        engine = ctx.engine(migrate=False)
        rules, floor = ctx.ruleset(), ctx.settings.tagging.min_confidence
        result = (
            explain_pr(engine, rules, ref, floor)
            if kind == "pr"
            else explain_commit(engine, rules, ref, floor)
        )
        engine.dispose()
        _print_explanation(result)
        if not result.found:
            raise typer.Exit(1)

    _run(work)


def _print_explanation(result) -> None:  # type: ignore[no-untyped-def]
    out = Console()
    out.print(f"[bold]{result.subject}[/]: {result.verdict}", highlight=False)
    if result.hits:
        out.print("Rules that fired:")
        for h in result.hits:
            out.print(
                f"  {h.entity} {h.key[:12]}: {h.rule.id} ({h.rule.tool}, {h.rule.kind}, "
                f"{h.rule.confidence}) matched {h.matched!r}",
                highlight=False,
                soft_wrap=True,
            )
    elif result.found:
        out.print("No rule fired.")
    if result.near_misses:
        out.print("Near misses (the marker's text appears, the whole pattern does not match):")
        for miss in result.near_misses:
            out.print(
                f"  {miss.entity} {miss.key[:12]}: rule {miss.rule.id} ({miss.rule.field}) "
                f"looks for /{miss.rule.pattern}/; found {miss.found!r}",
                highlight=False,
                soft_wrap=True,
            )


collect_app = typer.Typer(
    help="Collect data from outside sources into the store.", no_args_is_help=True
)
app.add_typer(collect_app, name="collect")


@collect_app.command("git")
def collect_git(
    paths: Annotated[list[Path], typer.Argument(help="Local clones to read.")],
    branch: Annotated[
        str | None, typer.Option(help="Branch to read (default: the checked-out branch).")
    ] = None,
    all_refs: Annotated[bool, typer.Option("--all", help="Read every branch and tag.")] = False,
    repo_name: Annotated[
        str | None,
        typer.Option("--repo-name", help="OWNER/NAME to store it under (one path only)."),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Re-read the whole history.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Read local git clones (no token needed): commits, trailers, numstat, and pull
    requests recovered from merge and squash messages. Incremental."""

    def work() -> None:
        from rich.progress import MofNCompleteColumn, Progress, TimeRemainingColumn

        from aimetrics.tagging import tag_store
        from collectors.git_local import collect_repo, count_commits, inspect_repo

        if repo_name and len(paths) > 1:
            raise _fail("--repo-name names one repository: pass one path with it")
        if branch and all_refs:
            raise _fail("--branch and --all exclude each other")
        ctx = _Context(db, config)
        engine = ctx.engine(migrate=True)
        rules = ctx.ruleset()
        columns = (
            *Progress.get_default_columns()[:-1],
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, transient=False) as progress:
            for path in paths:
                repo = inspect_repo(path, repo_name, branch)
                task = progress.add_task(
                    repo.full_name, total=count_commits(repo, all_refs=all_refs)
                )
                counts = collect_repo(
                    engine, repo, all_refs=all_refs, full=full,
                    on_progress=lambda n, task=task: progress.advance(task, n),
                )  # fmt: skip
                tag_store(engine, rules, repo_ids=[counts["repo_id"]])
                progress.update(task, completed=progress.tasks[task].total)
                console.print(
                    f"{repo.full_name}: {counts['commits']:,} new commits, "
                    f"{counts['pull_requests']:,} pull requests recovered from messages"
                )
        engine.dispose()

    _run(work)


export_app = typer.Typer(help="Export tables as CSV.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("tags")
def export_tags(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Every AI tag in the store, one row per tag: the audit trail behind every figure."""

    def work() -> None:
        from aimetrics.exports.tags import export_tags as write

        ctx = _Context(db, config)
        engine = ctx.engine(migrate=False)
        n = write(engine, out, show_individuals=ctx.settings.privacy.show_individuals)
        engine.dispose()
        console.print(f"Wrote {n:,} tags to {out}.")

    _run(work)


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


def _period(engine: sa.Engine, ctx: _Context, start: dt.datetime | None, end: dt.datetime | None):  # type: ignore[no-untyped-def]
    """The period of --from/--to: both days included; the default is the dashboard's (the
    90 days up to the latest merged PR)."""
    from aimetrics.exports.figures import latest_merged_at
    from aimetrics.metrics.period import DEFAULT_PERIOD_DAYS, Period

    tz = ctx.settings.reporting.timezone
    last = end.date() if end else Period.ending_at(latest_merged_at(engine), tz).last_day
    first = start.date() if start else last - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if first > last:
        raise _fail(f"--from {first} is after --to {last}: the period would be empty")
    return Period(first, last + dt.timedelta(days=1), tz)


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
        from aimetrics.exports.figures import load_figures
        from aimetrics.metrics.adoption import Selection

        ctx = _Context(db, config)
        engine = ctx.engine(migrate=False)
        try:
            period = _period(engine, ctx, start, end)
            selection = Selection(tuple(team or ()), tuple(repo or ()), tuple(tool or ()))
            with console.status("Computing the tables..."):
                figures = load_figures(engine, ctx.settings, period, selection)
        finally:
            engine.dispose()
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

    _run(work)


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
    """The leadership ROI report: a one-page summary (spend, adoption, throughput and cycle
    time, quality guardrails, ROI with both methods, idle seats) and an appendix with the
    method notes. HTML works offline; PDF is printed by Debian's headless Chromium."""
    kind = out.suffix.lower()
    if kind not in (".html", ".htm", ".pdf"):
        raise _fail(f"--out {out}: write FILE.html or FILE.pdf")

    def work() -> None:
        from aimetrics.exports.figures import load_figures
        from aimetrics.exports.report.html import render_html
        from aimetrics.exports.report.model import REPORTED, report_from_figures
        from aimetrics.exports.report.pdf import chromium_path, render_pdf
        from aimetrics.metrics.adoption import Selection

        if kind == ".pdf":
            chromium_path()  # fail before the work when there is no browser
        ctx = _Context(db, config)
        engine = ctx.engine(migrate=False)
        try:
            period = _period(engine, ctx, start, end)
            selection = Selection(tuple(team or ()), tuple(repo or ()), tuple(tool or ()))
            with console.status("Computing the figures..."):
                figures = load_figures(engine, ctx.settings, period, selection, breakdowns=REPORTED)
        finally:
            engine.dispose()
        html = render_html(report_from_figures(figures))
        if kind == ".pdf":
            with console.status("Printing with Chromium..."):
                render_pdf(html, out)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(html, encoding="utf-8")
        console.print(f"Wrote the report for {period.start} – {period.last_day} to {out}.")

    _run(work)


_REPO_ARG = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@collect_app.command("github")
def collect_github(
    config: ConfigOption = None,
    db: DbOption = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Only pull requests updated on or after this day; Copilot usage back to it.",
        ),
    ] = None,
    repo: Annotated[
        list[str] | None,
        typer.Option(
            "--repo",
            help="OWNER/NAME to collect (repeat for several). Default: github.orgs and "
            "github.repos from the configuration.",
            show_default=False,
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Re-fetch everything, ignoring the last run's cursor.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Only warnings and one closing line (for cron).")
    ] = False,
    log_format: Annotated[
        str, typer.Option("--log-format", help="text, or json: one JSON object per line (CI).")
    ] = "text",
) -> None:
    """Pull requests, commits, reviews, default-branch commits, Copilot seats and usage, and
    (with github.teams_from_github) teams, from GitHub; then resolves identities.

    Incremental (only what changed since the last run) and safe to interrupt: re-run to resume.
    The token comes from the environment variable named by github.token_env (GITHUB_TOKEN).
    """
    if log_format not in ("text", "json"):
        raise _fail(f"--log-format must be text or json, got {log_format!r}")
    bad = [r for r in repo or [] if not _REPO_ARG.fullmatch(r)]
    if bad:
        raise _fail(f"--repo {bad[0]!r} is not OWNER/NAME, e.g. --repo my-org/payments-api")

    def work() -> int:
        from aimetrics.tagging.identities import resolve_identities
        from collectors.github import CollectOptions, make_reporter
        from collectors.github import collect_github as collect

        ctx = _Context(db, config)
        engine = ctx.engine(migrate=True)
        reporter = make_reporter(console, quiet=quiet, log_format=log_format)
        options = CollectOptions(
            repos=list(repo or []), full=full, since=since.date() if since else None
        )
        rules = ctx.ruleset()
        try:
            summary = collect(ctx.settings, engine, rules, options, reporter)
            # People and identities over everything stored, GitHub's new evidence included.
            resolve_identities(engine, rules, ctx.settings)
        finally:
            engine.dispose()
        return 1 if summary.incomplete else 0

    code = _run(work)
    if code:
        raise typer.Exit(code)


import_app = typer.Typer(help="Import files into the store.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("costs")
def import_costs(
    files: Annotated[list[Path], typer.Argument(help="Cost exports (CSV or JSON) to import.")],
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="The format: github-billing, anthropic, openai, cursor or generic "
            "(see docs/costs.md).",
            show_default=False,
        ),
    ],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """AI-tool spend from billing and cost exports. Idempotent: importing a file again
    leaves the same rows. A file with a bad row is not imported at all (the error names
    the row); the other files still are."""
    from collectors.costs import SOURCES

    if source not in SOURCES:
        raise _fail(f"--source {source!r} is not one of: {', '.join(SOURCES)}")

    def work() -> int:
        from collectors.costs.load import import_file

        ctx = _Context(db, config)
        engine = ctx.engine(migrate=True)
        failed = 0
        try:
            for path in files:
                try:
                    summary = import_file(engine, path, source, ctx.settings.reporting)
                except AimetricsError as exc:
                    failed += 1
                    console.print(
                        f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
                    )
                    continue
                console.print(escape(summary.line()), highlight=False, soft_wrap=True)
        finally:
            engine.dispose()
        return failed

    if _run(work):
        raise typer.Exit(2)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
