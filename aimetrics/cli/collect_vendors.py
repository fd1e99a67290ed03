"""`aimetrics collect anthropic`, `collect openai` and `collect all`: AI vendors' APIs, and
every configured collector in one run (for cron and CI)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.markup import escape

from aimetrics.cli.collect import collect_app
from aimetrics.cli.options import ConfigOption, Context, DbOption, console, run
from aimetrics.errors import AimetricsError

QuietOption = Annotated[
    bool, typer.Option("--quiet", help="Only warnings and one closing line (for cron).")
]


Runner = Callable[[Context, sa.Engine, bool], bool]
"""Runs one collector; True when it completed."""
Plan = Callable[[Context], list[tuple[str, str | None]]]
"""The collectors of a module the configuration names, each with why it is skipped."""
RUNNERS: dict[str, Runner] = {}
PLANS: list[Plan] = []
"""Collectors in modules of their own (`collect_cursor`) register here when imported, so
`collect all` runs them without this module importing theirs."""


def _say(line: str) -> None:
    console.print(escape(line), highlight=False, soft_wrap=True)


def _error(line: str) -> None:
    console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)


def run_vendor(
    name: str,
    collect: Callable[..., Any],
    settings: Any,
    ctx: Context,
    engine: sa.Engine,
    quiet: bool,
) -> bool:
    """Run one vendor collector (``collect(settings, engine, reporting, report=...)``), print
    its summary line and each failure; True when every feed completed. A summary's notes
    (``cursor``: a plan without the tracking API) are printed in quiet runs too, since the
    progress lines that carry them are not."""
    summary = collect(
        settings, engine, ctx.settings.reporting, report=(lambda _l: None) if quiet else _say
    )
    _say(summary.line())
    if quiet:
        for note in getattr(summary, "notes", ()):
            _say(f"{name} {note}")
    for failure in summary.failed:
        _error(f"{name} {failure}")
    return not summary.failed


def run_vendor_command(runner: Runner, config: Path | None, db: str | None, quiet: bool) -> None:
    """The body of ``collect <vendor>``: run ``runner`` on a migrated store, then the
    pipeline without identities. Vendor usage changes no repository, so nothing is re-tagged,
    but repositories a killed collection left waiting (or whose commits a vendor's tracked
    commits gave line evidence) are tagged now, as after `import costs` / `import traces`.
    Exits 1 when a feed failed."""

    def work() -> int:
        from aimetrics.pipeline import run_pipeline

        ctx = Context(db, config)
        engine = ctx.engine(migrate=True)
        try:
            ok = runner(ctx, engine, quiet)
            run_pipeline(engine, ctx.settings, identities=False)
        finally:
            engine.dispose()
        return 0 if ok else 1

    code = run(work)
    if code:
        raise typer.Exit(code)


def key_plan(name: str, settings: Any) -> list[tuple[str, str | None]]:
    """``name`` when the configuration has its section (``settings``), with why it is skipped
    (None: it runs): its key variable unset."""
    if settings is None:
        return []
    return [(name, f"${settings.key_env()} is not set" if settings.key() is None else None)]


def _anthropic(ctx: Context, engine: sa.Engine, quiet: bool) -> bool:
    """Run the Anthropic collector; True when every feed completed."""
    from aimetrics.settings import AnthropicSettings
    from collectors.vendors.anthropic import collect_anthropic

    settings = ctx.settings.vendors.anthropic or AnthropicSettings()
    return run_vendor("anthropic", collect_anthropic, settings, ctx, engine, quiet)


def _openai(ctx: Context, engine: sa.Engine, quiet: bool) -> bool:
    """Run the OpenAI collector; True when it completed."""
    from aimetrics.settings import OpenAISettings
    from collectors.vendors.openai import collect_openai

    settings = ctx.settings.vendors.openai or OpenAISettings()
    return run_vendor("openai", collect_openai, settings, ctx, engine, quiet)


def _github(ctx: Context, engine: sa.Engine, quiet: bool) -> bool:
    from collectors.github import CollectOptions, collect_github, make_reporter

    reporter = make_reporter(console, quiet=quiet, log_format="text")
    summary = collect_github(ctx.settings, engine, CollectOptions(), reporter)
    return not summary.incomplete


@collect_app.command("anthropic")
def collect_anthropic_command(
    config: ConfigOption = None, db: DbOption = None, quiet: QuietOption = False
) -> None:
    """Claude spend and Claude Code use per user and day, from Anthropic's Admin API.

    The cost report (billed spend) and the Claude Code usage report. The key comes from the
    variable vendors.anthropic.admin_key_env names (ANTHROPIC_ADMIN_KEY): an Admin API key.
    Incremental (days not stored, plus vendors.anthropic.lookback_days) and safe to
    interrupt: re-run to resume.
    """
    run_vendor_command(_anthropic, config, db, quiet)


@collect_app.command("openai")
def collect_openai_command(
    config: ConfigOption = None, db: DbOption = None, quiet: QuietOption = False
) -> None:
    """OpenAI spend per day, project and line item, from the organization costs API.

    Billed spend, counted for vendors.openai.tool (openai-codex) unless vendors.openai.projects
    or api_keys send a project's or key's spend elsewhere (or leave it out). The key comes
    from the variable vendors.openai.admin_key_env names (OPENAI_ADMIN_KEY): an Admin API key.
    Incremental (days not stored, plus vendors.openai.lookback_days) and safe to interrupt:
    re-run to resume.
    """
    run_vendor_command(_openai, config, db, quiet)


def planned(ctx: Context) -> list[tuple[str, str | None]]:
    """The collectors the configuration names, each with why it is skipped (None: it runs)."""
    github = ctx.settings.github
    out: list[tuple[str, str | None]] = []
    if github.orgs or github.repos:
        out.append(("github", None))
    out += key_plan("anthropic", ctx.settings.vendors.anthropic)
    out += key_plan("openai", ctx.settings.vendors.openai)
    for plan in PLANS:
        out += plan(ctx)
    return out


@collect_app.command("all")
def collect_all(
    config: ConfigOption = None, db: DbOption = None, quiet: QuietOption = False
) -> None:
    """Every collector the configuration names, one after another (for cron and CI).

    github (github.orgs or github.repos), anthropic (vendors.anthropic), openai
    (vendors.openai) and cursor (vendors.cursor), each vendor with its key variable set.
    A failing collector does not stop the others; the exit status is 1 and the last line
    names the ones that failed.
    Local clones are read by `collect git PATH...`.
    """

    def work() -> int:
        from aimetrics.pipeline import run_pipeline

        ctx = Context(db, config)
        plan = planned(ctx)
        if not plan:
            _error(
                "the configuration names no collector: set github.orgs (or github.repos), "
                "vendors.anthropic, vendors.openai or vendors.cursor; see docs/collecting.md"
            )
            return 2
        engine = ctx.engine(migrate=True)
        runners: dict[str, Runner] = {
            "github": _github,
            "anthropic": _anthropic,
            "openai": _openai,
            **RUNNERS,
        }
        failed: list[str] = []
        try:
            for name, skipped in plan:
                if skipped:
                    _say(f"{name}: skipped ({skipped})")
                    continue
                try:
                    ok = runners[name](ctx, engine, quiet)
                except AimetricsError as exc:
                    _error(f"{name}: {exc}")
                    ok = False
                except Exception as exc:  # one collector's bug must not stop the others
                    first = (str(exc).strip().splitlines() or [""])[0]
                    _error(f"{name}: unexpected {type(exc).__name__}: {first}")
                    ok = False
                if not ok:
                    failed.append(name)
            # Identities and tags once, over everything the collectors stored.
            run_pipeline(engine, ctx.settings, ctx.ruleset())
        finally:
            engine.dispose()
        if failed:
            _error(f"collect all: failed: {', '.join(failed)} (the others completed)")
            return 1
        _say(f"collect all: {', '.join(n for n, s in plan if not s)} completed")
        return 0

    code = run(work)
    if code:
        raise typer.Exit(code)
