"""`aimetrics collect git|github` and `import costs`: outside data into the store."""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from aimetrics.cli.options import (
    ConfigOption,
    Context,
    DbOption,
    console,
    fail,
    run,
)
from aimetrics.errors import AimetricsError

collect_app = typer.Typer(
    help="Collect data from outside sources into the store.", no_args_is_help=True
)
import_app = typer.Typer(help="Import files into the store.", no_args_is_help=True)


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

        from aimetrics.pipeline import run_pipeline
        from aimetrics.tagging.identities import is_bot_email
        from collectors.git_local import collect_repo, count_commits, inspect_repo

        if repo_name and len(paths) > 1:
            raise fail("--repo-name names one repository: pass one path with it")
        if branch and all_refs:
            raise fail("--branch and --all exclude each other")
        ctx = Context(db, config)
        engine = ctx.engine(migrate=True)
        rules = ctx.ruleset()
        bots = functools.partial(is_bot_email, ruleset=rules)
        columns = (
            *Progress.get_default_columns()[:-1],
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )

        def warn(message: str) -> None:
            console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)

        with Progress(*columns, console=console, transient=False) as progress:
            for path in paths:
                repo = inspect_repo(path, repo_name, branch)
                task = progress.add_task(
                    repo.full_name, total=count_commits(repo, all_refs=all_refs)
                )
                counts = collect_repo(
                    engine, repo, all_refs=all_refs, full=full, bot_email=bots,
                    on_progress=lambda n, task=task: progress.advance(task, n),
                    on_warning=warn,  # shallow or partial clone: what is missing, the fix
                )  # fmt: skip
                progress.update(task, completed=progress.tasks[task].total)
                notes = counts.get("ai_line_commits", 0)
                console.print(
                    f"{repo.full_name}: {counts['commits']:,} new commits, "
                    f"{counts['pull_requests']:,} pull requests recovered from messages"
                    + (f", git-ai line notes of {notes:,} commits" if notes else "")
                )
        # People and identities over everything stored, as after `collect github`: commit
        # and PR authors' e-mails become people (one person across repositories); then the
        # repositories that changed are tagged.
        who = run_pipeline(engine, ctx.settings, rules)
        engine.dispose()
        console.print(
            f"{who.people:,} people; {who.unresolved:,} e-mails resolve to no known "
            "person (add them to `people:` in the configuration to merge them)."
        )

    run(work)


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
        raise fail(f"--log-format must be text or json, got {log_format!r}")
    bad = [r for r in repo or [] if not _REPO_ARG.fullmatch(r)]
    if bad:
        raise fail(f"--repo {bad[0]!r} is not OWNER/NAME, e.g. --repo my-org/payments-api")

    def work() -> int:
        from aimetrics.pipeline import run_pipeline
        from collectors.github import CollectOptions, make_reporter
        from collectors.github import collect_github as collect

        ctx = Context(db, config)
        engine = ctx.engine(migrate=True)
        reporter = make_reporter(console, quiet=quiet, log_format=log_format)
        options = CollectOptions(
            repos=list(repo or []), full=full, since=since.date() if since else None
        )
        rules = ctx.ruleset()
        try:
            summary = collect(ctx.settings, engine, options, reporter)
            # People and identities over everything stored, GitHub's new evidence included;
            # then the repositories whose rows changed are tagged.
            run_pipeline(engine, ctx.settings, rules)
        finally:
            engine.dispose()
        return 1 if summary.incomplete else 0

    code = run(work)
    if code:
        raise typer.Exit(code)


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
        raise fail(f"--source {source!r} is not one of: {', '.join(SOURCES)}")

    def work() -> int:
        from aimetrics.pipeline import run_pipeline
        from collectors.costs.load import import_file

        ctx = Context(db, config)
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
            # Costs change no repository: nothing is re-tagged, but repositories a killed
            # collection left waiting are tagged now.
            run_pipeline(engine, ctx.settings, identities=False)
        finally:
            engine.dispose()
        return failed

    if run(work):
        raise typer.Exit(2)


@import_app.command("traces")
def import_traces(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Agent Trace records: JSON or JSON Lines files, or folders."),
    ],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Line-level AI authorship from Agent Trace records (agent-trace.dev), joined to the
    commits already stored by their revision: AI, human, mixed and untracked lines per
    commit. Revisions not in the store are counted, not an error. Idempotent."""

    def work() -> None:
        from aimetrics.pipeline import run_pipeline
        from collectors.agent_trace import import_traces as load

        ctx = Context(db, config)
        engine = ctx.engine(migrate=True)
        try:
            for path in paths:
                if not path.exists():
                    raise fail(f"{path}: no such file or folder")
                console.print(escape(load(engine, path).line()), highlight=False, soft_wrap=True)
            # The commits given line evidence are listed as waiting: they are tagged now.
            run_pipeline(engine, ctx.settings, identities=False)
        finally:
            engine.dispose()

    run(work)
