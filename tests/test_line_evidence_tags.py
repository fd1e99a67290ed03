"""Line evidence as AI tags (`line-evidence.git-ai`, ...): through `collect git` on a history
the test builds with git-ai notes, `aimetrics tag` and `explain`."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.store import create_store_engine, read_table, upgrade, write_frames
from aimetrics.store import schema as s
from aimetrics.tagging import build_ruleset, commit_flags, pr_flags, tag_store
from aimetrics.tagging.explain import explain_commit, explain_pr
from collectors.git_local import collect_repo, inspect_repo
from tests.test_git_ai_notes import (
    ALICE,
    CLAUDE_SESSION,
    CURSOR_SESSION,
    HUMANS,
    SESSIONS,
    add_note,
    note,
)
from tests.test_git_local import CLAUDE, Repo

RULES = build_ruleset()


@pytest.fixture
def history(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    return build_history(tmp_path)


def build_history(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    """A history with git-ai notes: a squash-merged PR no marker caught, a marked commit,
    a commit with only human lines, a commit without a note."""
    r = Repo(tmp_path / "payments-api")
    shas = {"root": r.commit("chore: initial commit", lines=10)}
    # A squash merge of PR 12 with no marker: Claude wrote 4 of its 6 lines.
    shas["squash"] = r.commit("feat: refunds (#12)", file="refunds.py", lines=6)
    add_note(r, shas["squash"], note(
        {"refunds.py": [(CLAUDE_SESSION, "1-4"), (ALICE, "5-6")]}, sessions=SESSIONS, humans=HUMANS,
    ))  # fmt: skip
    # A Claude co-author trailer (a marker) and 2 lines Cursor wrote: the marker decides.
    shas["marked"] = r.commit(f"fix: rounding\n\n{CLAUDE}", lines=3)
    add_note(r, shas["marked"], note({"app.py": [(CURSOR_SESSION, "11-12")]}, sessions=SESSIONS))
    # Evidence without an AI line: no tag (no AI line recorded is not human work either).
    shas["human"] = r.commit("docs: notes", file="NOTES.md", lines=2)
    add_note(r, shas["human"], note({"NOTES.md": [(ALICE, "1-2")]}, humans=HUMANS))
    shas["plain"] = r.commit("chore: bump", lines=1)
    return r, shas


def collect_and_tag(engine: sa.Engine, repo: Repo, shas: dict[str, str]) -> pl.DataFrame:
    collect_repo(engine, inspect_repo(repo.path), on_warning=lambda _: None)
    repo_id = int(read_table(engine, s.repositories)["id"][0])
    # An Agent Trace record of the squash commit too: git-ai's notes come first.
    trace = {
        "repo_id": repo_id, "sha": shas["squash"], "source": "agent-trace",
        "tool_id": "cursor", "model": "gpt-5", "ai_added_lines": 6, "human_lines": 0,
        "mixed_lines": 0, "untracked_lines": 0, "added_lines": 6,
    }  # fmt: skip
    write_frames(engine, [(s.commit_ai_lines, pl.DataFrame([trace]))])
    tag_store(engine, RULES)
    return read_table(engine, s.ai_tags)


def test_line_evidence_tags_a_change_no_marker_caught(
    history: tuple[Repo, dict[str, str]], engine: sa.Engine
) -> None:
    repo, shas = history
    tags = collect_and_tag(engine, repo, shas)
    lines = tags.filter(pl.col("rule_id").str.starts_with("line-evidence."))
    assert set(lines["kind"]) == {"assisted"} and set(lines["confidence"]) == {"high"}
    assert set(lines["rule_id"]) == {"line-evidence.git-ai"}  # git-ai's notes come first
    got = {
        (r["entity"], r["entity_key"]): (r["tool_id"], r["matched"])
        for r in lines.iter_rows(named=True)
    }
    four = "4 AI lines (claude-code, claude-sonnet-4-5)"
    assert got == {
        ("commit", shas["squash"]): ("claude-code", four),
        ("pull_request", "12"): ("claude-code", four),
        ("commit", shas["marked"]): ("cursor", "2 AI lines (cursor, gpt-5)"),
    }

    commits = read_table(engine, s.commits, columns=["repo_id", "sha"])
    flags = commit_flags(commits.lazy(), tags.lazy()).collect()
    by_sha = {r["sha"]: (r["is_ai"], r["ai_tool"]) for r in flags.iter_rows(named=True)}
    assert by_sha[shas["squash"]] == (True, "claude-code")  # line evidence alone
    assert by_sha[shas["marked"]] == (True, "claude-code")  # the marker names the tool
    assert by_sha[shas["human"]] == (False, None)
    assert by_sha[shas["plain"]] == (False, None)

    prs = read_table(engine, s.pull_requests)
    links = read_table(engine, s.pull_request_commits)
    pr = pr_flags(prs.lazy(), links.lazy(), tags.lazy()).collect().row(0, named=True)
    assert (pr["number"], pr["is_ai"], pr["is_agent"], pr["ai_tool"]) == (
        12,
        True,
        False,
        "claude-code",
    )


def test_explain_lists_line_evidence_and_its_sources(
    history: tuple[Repo, dict[str, str]], engine: sa.Engine
) -> None:
    repo, shas = history
    collect_and_tag(engine, repo, shas)

    squash = explain_commit(engine, RULES, shas["squash"][:10])
    assert squash.verdict == (
        "AI-assisted by line evidence, no marker: 4 AI lines (claude-code, claude-sonnet-4-5)"
    )
    assert [(h.rule.id, h.rule.kind, h.rule.confidence) for h in squash.hits] == [
        ("line-evidence.git-ai", "assisted", "high")
    ]
    sources = squash.lines.select("source", "tool_id", "ai_added_lines", "counts").rows()
    assert sources == [("agent-trace", "cursor", 6, False), ("git-ai", "claude-code", 4, True)]
    # Per file, as the note attributes them (the Agent Trace row was written without files).
    files = squash.files.select("source", "path", "tool_id", "model", "ai_added_lines").rows()
    assert files == [("git-ai", "refunds.py", "claude-code", "claude-sonnet-4-5", 4)]

    marked = explain_commit(engine, RULES, shas["marked"])
    assert marked.verdict.startswith("AI-assisted (claude-code)")
    assert {h.rule.id for h in marked.hits} >= {"line-evidence.git-ai"}

    pr = explain_pr(engine, RULES, "acme/payments-api#12")
    assert pr.verdict.startswith("AI-assisted (claude-code)")
    assert [(h.entity, h.matched) for h in pr.hits if h.rule.id.startswith("line-")] == [
        ("pull_request", "4 AI lines (claude-code, claude-sonnet-4-5)")
    ]

    assert explain_commit(engine, RULES, shas["human"]).verdict.startswith("no marker")


def test_cli_explain_prints_the_line_evidence(
    history: tuple[Repo, dict[str, str]], sqlite_url: str
) -> None:
    repo, shas = history
    engine = create_store_engine(sqlite_url)
    upgrade(engine)
    collect_and_tag(engine, repo, shas)
    engine.dispose()
    res = CliRunner().invoke(app, ["explain", shas["squash"], "--db", sqlite_url])
    assert res.exit_code == 0, res.output
    assert "line-evidence.git-ai (claude-code, assisted, high)" in res.output
    assert f"*commit {shas['squash'][:12]} git-ai: 4 AI lines of 6 added (2 human" in res.output
    assert f" commit {shas['squash'][:12]} agent-trace: 6 AI lines of 6 added" in res.output
    assert "refunds.py: 4 AI lines (claude-code, claude-sonnet-4-5)" in res.output
