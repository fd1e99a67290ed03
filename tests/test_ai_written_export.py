"""The AI-written share of added lines and `ai-lines.csv`: from a history the test builds
with git-ai notes (and an Agent Trace row), through `collect git`, `tag`, the figures and
`export csv`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from aimetrics.exports.csv_export import write_csv_export
from aimetrics.exports.report.ai_lines_block import ai_lines_block
from aimetrics.exports.report.html import render_html
from aimetrics.exports.report.model import report_from_figures
from aimetrics.figures.compute import compute_figures
from aimetrics.figures.facts import load_facts_for
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import Period
from aimetrics.settings import Settings
from tests.test_git_local import Repo
from tests.test_line_evidence_tags import build_history, collect_and_tag

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 8))
REPO = "acme/payments-api"


@pytest.fixture
def history(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    return build_history(tmp_path)


@pytest.fixture
def settings() -> Settings:
    # One engineer wrote this history: a threshold of 1 shows their figures.
    return Settings.model_validate({"privacy": {"min_group_size": 1}})


def _export(engine: sa.Engine, settings: Settings, out: Path, **selection: tuple[str, ...]):  # type: ignore[no-untyped-def]
    facts = load_facts_for(engine, settings)
    figures = compute_figures(
        facts, settings, PERIOD, Selection(**selection) if selection else None
    )
    return figures, write_csv_export(figures, out)


def test_ai_lines_csv_and_the_ai_written_share(
    history: tuple[Repo, dict[str, str]], engine: sa.Engine, settings: Settings, tmp_path: Path
) -> None:
    repo, shas = history
    collect_and_tag(engine, repo, shas)
    _, info = _export(engine, settings, tmp_path)

    lines = pl.read_csv(tmp_path / "ai-lines.csv", schema_overrides={"model": pl.String})
    assert lines.columns == [
        "repository", "sha", "tool", "model", "source", "ai_added_lines", "added_lines",
    ]  # fmt: skip
    got = {
        (r["sha"], r["source"]): (
            r["tool"] or "", r["model"] or "", r["ai_added_lines"], r["added_lines"]
        )
        for r in lines.iter_rows(named=True)
    }  # fmt: skip
    assert got == {
        # Every source is listed; the Agent Trace row is the cross-check of git-ai's.
        (shas["squash"], "git-ai"): ("claude-code", "claude-sonnet-4-5", 4, 6),
        (shas["squash"], "agent-trace"): ("cursor", "gpt-5", 6, 6),
        (shas["marked"], "git-ai"): ("cursor", "gpt-5", 2, 3),
        (shas["human"], "git-ai"): ("", "", 0, 2),  # evidence, no AI line: tool empty
    }
    assert set(lines["repository"]) == {REPO}

    # 5 default-branch commits, 3 with evidence; git-ai counts for the squash commit:
    # (4 + 2) AI lines of (6 + 3 + 2) added.
    summary = pl.read_csv(tmp_path / "ai-written-summary.csv").row(0, named=True)
    assert (summary["changes"], summary["changes_with_evidence"]) == (5, 3)
    assert summary["line_coverage"] == pytest.approx(3 / 5)
    assert (summary["ai_added_lines"], summary["evidence_added_lines"]) == (6, 11)
    assert summary["ai_written_line_share"] == pytest.approx(6 / 11)
    by_tool = pl.read_csv(tmp_path / "ai-written-by-tool.csv")
    assert by_tool.select("tool", "ai_added_lines").rows() == [("claude-code", 4), ("cursor", 2)]
    by_repo = pl.read_csv(tmp_path / "ai-written-by-repository.csv").row(0, named=True)
    assert (by_repo["group"], by_repo["ai_written_line_share"]) == (REPO, pytest.approx(6 / 11))

    assert info["line_evidence"]["commits_with_evidence"] == 3
    assert info["line_evidence"]["sources_in_precedence"] == ["git-ai", "agent-trace", "cursor"]
    assert json.loads((tmp_path / "manifest.json").read_text())["line_evidence"]["commits"] == 5
    names = {f["name"] for f in info["files"]}
    assert {"ai-lines.csv", "ai-written-summary.csv", "ai-written-weekly.csv"} <= names

    # The marked-PR line share is a different figure: PR 12 is marked by its line evidence.
    adoption = pl.read_csv(tmp_path / "adoption-summary.csv").row(0, named=True)
    assert "marked_pr_line_share" in adoption and "ai_line_share" not in adoption


def test_a_tool_filter_keeps_that_tools_lines(
    history: tuple[Repo, dict[str, str]], engine: sa.Engine, settings: Settings, tmp_path: Path
) -> None:
    repo, shas = history
    collect_and_tag(engine, repo, shas)
    _export(engine, settings, tmp_path, tools=("cursor",))
    lines = pl.read_csv(tmp_path / "ai-lines.csv")
    assert sorted(zip(lines["sha"], lines["source"], strict=True)) == sorted(
        [(shas["squash"], "agent-trace"), (shas["marked"], "git-ai")]
    )
    summary = pl.read_csv(tmp_path / "ai-written-summary.csv").row(0, named=True)
    # Cursor's counted lines (git-ai's on the marked commit) over every evidenced line.
    assert summary["ai_written_line_share"] == pytest.approx(2 / 11)


def test_the_report_appendix_has_the_ai_written_block(
    history: tuple[Repo, dict[str, str]], engine: sa.Engine, tmp_path: Path
) -> None:
    repo, shas = history
    collect_and_tag(engine, repo, shas)
    # A minimum of 3 commits with evidence: this history has exactly 3, so the share shows.
    settings = Settings.model_validate(
        {"privacy": {"min_group_size": 1}, "statistics": {"min_prs": 3}}
    )
    facts = load_facts_for(engine, settings)
    figures = compute_figures(facts, settings, PERIOD, breakdowns=("team",))
    block = ai_lines_block(figures)
    assert "<h3>AI-written lines</h3>" in block
    assert f'data-value="{6 / 11}"' in block
    assert "6 of 11 added lines" in block and "3 of 5 default-branch commits" in block
    assert block in render_html(report_from_figures(figures))

    stricter = Settings.model_validate(
        {"privacy": {"min_group_size": 1}, "statistics": {"min_prs": 4}}
    )
    few = compute_figures(load_facts_for(engine, stricter), stricter, PERIOD, breakdowns=("team",))
    assert "not enough data" in ai_lines_block(few)
