"""One model for AI lines: source precedence, per-commit and per-PR sums, the AI-written
share of added lines with its coverage (aimetrics.tagging.ai_lines, aimetrics.metrics.ai_lines)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from aimetrics.metrics.ai_lines import ai_written_by_tool, ai_written_line_share
from aimetrics.metrics.period import Period
from aimetrics.tagging.ai_lines import commit_lines, pr_lines, with_precedence

REPO = 9_007_199_254_740_993  # a 64-bit id, as GitHub's database ids grow
PERIOD = Period(dt.date(2026, 3, 2), dt.date(2026, 3, 9))


def _row(sha: str, source: str, tool: str, model: str, ai: int, added: int, **counts: int):
    return {
        "repo_id": REPO, "sha": sha, "source": source, "tool_id": tool, "model": model,
        "ai_added_lines": ai, "human_lines": counts.get("human", 0),
        "mixed_lines": counts.get("mixed", 0), "untracked_lines": counts.get("untracked", 0),
        "added_lines": added,
    }  # fmt: skip


def _lines(*rows: dict) -> pl.LazyFrame:
    return pl.DataFrame(list(rows)).lazy()


def test_precedence_git_ai_then_agent_trace_then_cursor_others_kept_for_cross_checks() -> None:
    lines = _lines(
        # a: all three sources; git-ai counts
        _row("a" * 40, "cursor", "cursor", "", 50, 60),
        _row("a" * 40, "agent-trace", "claude-code", "claude-sonnet-4", 30, 60),
        _row("a" * 40, "git-ai", "claude-code", "claude-sonnet-4", 20, 60),
        _row("a" * 40, "git-ai", "cursor", "gpt-5", 5, 60),
        # b: Agent Trace and Cursor; Agent Trace counts
        _row("b" * 40, "cursor", "cursor", "", 7, 10),
        _row("b" * 40, "agent-trace", "", "", 0, 10),
        # c: Cursor only
        _row("c" * 40, "cursor", "cursor", "", 3, 4),
    )
    marked = with_precedence(lines).collect()
    assert marked.height == 7  # nothing dropped: the other sources stay for cross-checks
    counting = marked.filter("counts").select("sha", "source").unique().sort("sha")
    assert counting.rows() == [
        ("a" * 40, "git-ai"),
        ("b" * 40, "agent-trace"),
        ("c" * 40, "cursor"),
    ]

    per_commit = commit_lines(lines).collect().sort("sha")
    a, b, c = per_commit.iter_rows(named=True)
    assert (a["source"], a["ai_added_lines"], a["added_lines"]) == ("git-ai", 25, 60)
    assert (a["tool_id"], a["model"]) == ("claude-code", "claude-sonnet-4")  # most AI lines
    assert (b["source"], b["ai_added_lines"], b["tool_id"]) == ("agent-trace", 0, "")
    assert (c["source"], c["ai_added_lines"], c["tool_id"]) == ("cursor", 3, "cursor")


def test_an_unknown_source_counts_after_the_known_ones_whatever_the_row_order() -> None:
    rows = [
        _row("d" * 40, "zeta", "cursor", "", 9, 9),
        _row("d" * 40, "cursor", "cursor", "", 1, 9),
    ]
    for order in (rows, rows[::-1]):
        assert commit_lines(_lines(*order)).collect()["source"].to_list() == ["cursor"]


def test_pr_lines_sum_the_commits_and_a_squash_commit_stands_for_its_pr() -> None:
    ev = commit_lines(
        _lines(
            _row("1" * 40, "git-ai", "claude-code", "m", 10, 12),
            _row("2" * 40, "git-ai", "", "", 0, 8),
            _row("3" * 40, "git-ai", "claude-code", "m", 20, 20),  # squash of PR 7
            _row("4" * 40, "git-ai", "claude-code", "m", 10, 20),  # squash of PR 5
        )
    )
    links = pl.LazyFrame(
        {"repo_id": [REPO] * 3, "pr_number": [5, 5, 7], "sha": ["1" * 40, "2" * 40, "9" * 40]}
    )
    prs = pl.LazyFrame(
        {"repo_id": [REPO] * 3, "number": [5, 7, 8], "merge_commit_sha": ["4" * 40, "3" * 40, None]}
    )
    out = pr_lines(ev, links, prs).collect().sort("number")
    # PR 5: its branch commits' evidence (its squash commit's is the same lines again)
    # PR 7: no linked commit has evidence, its squash commit's counts; PR 8: none.
    assert out.rows() == [(REPO, 5, 2, 10, 20), (REPO, 7, 1, 20, 20)]


def _at(day: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC)


def test_ai_written_line_share_is_over_changes_with_evidence_and_shows_coverage() -> None:
    commits = pl.LazyFrame(
        {
            "group": ["x", "x", "x", "x", "y", "x"],
            "at": [_at(3), _at(4), _at(5), _at(6), _at(3), _at(20)],  # the last: out of period
            "counted": [True, True, True, False, True, True],  # the fourth: a bot's
            "evidence_added_lines": [100, 50, None, 40, None, 10],
        }
    )
    tool_rows = pl.LazyFrame(
        {
            "group": ["x", "x", "x", "x", "x"],
            "at": [_at(3), _at(3), _at(4), _at(6), _at(20)],
            "counted": [True, True, True, False, True],
            "tool_id": ["claude-code", "cursor", "", "claude-code", "claude-code"],
            "ai_added_lines": [60, 15, 0, 40, 10],
        }
    )
    out = {
        r["group"]: r
        for r in ai_written_line_share(commits, tool_rows, PERIOD).collect().iter_rows(named=True)
    }
    x, y = out["x"], out["y"]
    assert (x["changes"], x["changes_with_evidence"]) == (3, 2)
    assert x["line_coverage"] == pytest.approx(2 / 3)
    assert (x["ai_added_lines"], x["evidence_added_lines"]) == (75, 150)
    assert x["ai_written_line_share"] == pytest.approx(0.5)
    # No evidence: coverage 0 and no share (not 0 %).
    assert (y["changes"], y["changes_with_evidence"], y["line_coverage"]) == (1, 0, 0.0)
    assert y["ai_written_line_share"] is None

    only_cursor = ai_written_line_share(commits, tool_rows, PERIOD, ("cursor",)).collect()
    assert only_cursor.filter(pl.col("group") == "x")["ai_written_line_share"][0] == pytest.approx(
        0.1
    )

    by_tool = ai_written_by_tool(commits, tool_rows, PERIOD).collect()
    assert by_tool.select("tool", "ai_added_lines", "evidence_added_lines").rows() == [
        ("claude-code", 60, 150), ("cursor", 15, 150)
    ]  # fmt: skip
    assert by_tool["ai_written_line_share"].sum() == pytest.approx(x["ai_written_line_share"])
