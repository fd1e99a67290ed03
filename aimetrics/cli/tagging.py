"""`aimetrics tag` and `explain`: the AI-marker rules over the store."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console

from aimetrics.cli.options import (
    ConfigOption,
    Context,
    DbOption,
    app,
    console,
    fail,
    print_counts,
    run,
)


@app.command()
def tag(db: DbOption = None, config: ConfigOption = None) -> None:
    """Re-apply the AI-marker rules to everything stored (idempotent; nothing is fetched)."""

    def work() -> None:
        from aimetrics.pipeline import run_pipeline

        ctx = Context(db, config)
        engine = ctx.engine(migrate=True)
        started = time.perf_counter()
        # Identities, then every repository's tags (which also empties the list of
        # repositories waiting to be tagged).
        who = run_pipeline(engine, ctx.settings, ctx.ruleset(), retag_all=True)
        engine.dispose()
        print_counts(f"AI tags ({time.perf_counter() - started:.1f} s)", who.tags)
        console.print(
            f"{who.people:,} people, {who.identities:,} identities; "
            f"{who.unresolved:,} emails resolve to no known person (add them to `people:` "
            "in the configuration to merge them)."
        )

    run(work)


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
            raise fail(str(exc)) from None
        ctx = Context(db, config)
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

    run(work)


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
    if result.lines.height:
        _print_lines(out, result.lines, result.files)
    if result.near_misses:
        out.print("Near misses (the marker's text appears, the whole pattern does not match):")
        for miss in result.near_misses:
            out.print(
                f"  {miss.entity} {miss.key[:12]}: rule {miss.rule.id} ({miss.rule.field}) "
                f"looks for /{miss.rule.pattern}/; found {miss.found!r}",
                highlight=False,
                soft_wrap=True,
            )


def _print_lines(out: Console, lines, files) -> None:  # type: ignore[no-untyped-def]
    """The line evidence (commit_ai_lines): per commit and source, AI lines per tool and
    model, then per file and tool where the source recorded files (commit_ai_line_files);
    '*' marks the source that counts."""
    import polars as pl  # the CLI imports its heavy modules when a command runs

    out.print("Line evidence (* the source that counts; the others are kept for cross-checks):")
    for (sha, source), rows in lines.group_by("sha", "source", maintain_order=True):
        first = rows.row(0, named=True)
        mark = "*" if first["counts"] else " "
        out.print(
            f" {mark}commit {str(sha)[:12]} {source}: {rows['ai_added_lines'].sum():,} AI lines "
            f"of {first['added_lines']:,} added ({first['human_lines']:,} human, "
            f"{first['mixed_lines']:,} mixed, {first['untracked_lines']:,} untracked)",
            highlight=False, soft_wrap=True,
        )  # fmt: skip
        for row in rows.filter(pl.col("ai_added_lines") > 0).iter_rows(named=True):
            model = f", {row['model']}" if row["model"] else ""
            out.print(
                f"    {row['ai_added_lines']:,} AI lines ({row['tool_id']}{model})",
                highlight=False, soft_wrap=True,
            )  # fmt: skip
        per_file = files.filter((pl.col("sha") == sha) & (pl.col("source") == source))
        for row in per_file.iter_rows(named=True):
            model = f", {row['model']}" if row["model"] else ""
            out.print(
                f"      {row['path']}: {row['ai_added_lines']:,} AI lines "
                f"({row['tool_id']}{model})",
                highlight=False, soft_wrap=True, markup=False,
            )  # fmt: skip
