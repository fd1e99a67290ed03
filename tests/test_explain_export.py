"""`aimetrics explain` and `aimetrics export tags` on a small real store."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.exports.tags import tags_frame
from aimetrics.metrics.privacy import mask_text
from aimetrics.store import create_store_engine, read_table, upgrade, write_frames
from aimetrics.store import schema as s
from aimetrics.tagging import build_ruleset, tag_store
from aimetrics.tagging.explain import explain_commit, explain_pr

from samples import seed_small_store

RULES = build_ruleset()


def _store(url: str) -> sa.Engine:
    engine = create_store_engine(url)
    upgrade(engine)
    seed_small_store(engine)
    tag_store(engine, RULES)
    return engine


def test_explain_agent_pr(sqlite_url: str) -> None:
    result = explain_pr(_store(sqlite_url), RULES, "acme/api#2")
    assert result.verdict == "AI: agent-authored (github-copilot) at confidence ≥ medium"
    assert {(h.entity, h.rule.id, h.matched) for h in result.hits} == {
        ("pull_request", "github-copilot.pr-author", "Copilot"),
        ("pull_request", "github-copilot.branch", "copilot/"),
        ("commit", "github-copilot.agent-author-login", "Copilot"),
        (
            "commit",
            "github-copilot.agent-author-email",
            "198982749+Copilot@users.noreply.github.com",
        ),
    }


def test_explain_pr_without_marker_and_bot(sqlite_url: str) -> None:
    engine = _store(sqlite_url)
    plain = explain_pr(engine, RULES, "acme/api#3")
    assert plain.verdict == "no marker at confidence ≥ medium; reviewed by an AI bot"
    bot = explain_pr(engine, RULES, "acme/api#4")
    assert bot.verdict.startswith("a non-AI bot's pull request")
    missing = explain_pr(engine, RULES, "acme/api#99")
    assert not missing.found and "no pull request acme/api#99" in missing.verdict


def test_explain_commit_and_near_miss(sqlite_url: str) -> None:
    engine = _store(sqlite_url)
    hit = explain_commit(engine, RULES, "a1")
    assert hit.verdict == "AI-assisted (claude-code) at confidence ≥ medium"
    assert [h.matched for h in hit.hits] == ["Co-Authored-By: Claude <noreply@anthropic.com>"]
    engine.dispose()


def test_near_miss_reports_the_literal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_store_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine)
    write_frames(
        engine,
        [
            (s.repositories, pl.DataFrame({"id": [1], "full_name": ["a/b"], "source": ["git"]})),
            (
                s.commits,
                pl.DataFrame(
                    {
                        "repo_id": [1],
                        "sha": ["ffee01"],
                        "message": ["docs: mention Co-Authored-By: <noreply@anthropic.com>"],
                        "authored_at": [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)],
                    }
                ),
            ),
        ],
    )
    result = explain_commit(engine, RULES, "ffee01")
    assert result.hits == []
    assert any(
        m.rule.id == "claude-code.co-author"
        and m.found in ("co-authored-by:", "noreply@anthropic.com")
        for m in result.near_misses
    )


def test_export_tags_masks_people_unless_shown(sqlite_url: str) -> None:
    engine = _store(sqlite_url)
    masked = tags_frame(engine, show_individuals=False)
    assert masked.columns[:4] == ["entity", "repository", "sha", "number"]
    assert masked.height == 6
    review = masked.filter(pl.col("entity") == "review").row(0, named=True)
    assert (review["number"], review["review_id"], review["tool"]) == (3, 10, "github-copilot")
    assert mask_text("Jane Doe (aider)", "commit.author_name") == "[name hidden] (aider)"
    assert mask_text("x <jane@corp.example>", "commit.message") == "x <[email hidden]>"
    assert mask_text("Claude <noreply@anthropic.com>", "commit.message") == (
        "Claude <noreply@anthropic.com>"
    )
    # The catalogue's tool addresses are evidence, kept; a person's no-reply address is not.
    for tool in (
        "Qwen-Coder <qwen-coder@alibabacloud.com>",
        "Gemini CLI <gemini-cli@google.com>",
        "OpenDevin <opendevin@opendevin.ai>",
        "opencode <opencode-agent[bot]@users.noreply.github.com>",
        "claude[bot] <209825114+claude[bot]@users.noreply.github.com>",
    ):
        assert mask_text(tool, "commit.message") == tool
    for person in (
        "kim@google.com",
        "1024+claude@users.noreply.github.com",
        "jules@users.noreply.github.com",
    ):
        assert mask_text(f"Kim <{person}>", "commit.message") == "Kim <[email hidden]>"


def test_cli_explain_and_export(sqlite_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _store(sqlite_url).dispose()
    runner = CliRunner()
    res = runner.invoke(app, ["explain", "acme/api#1", "--db", sqlite_url])
    assert res.exit_code == 0, res.output
    assert "AI-assisted (claude-code)" in res.output
    assert "claude-code.co-author" in res.output
    out = tmp_path / "tags.csv"
    res = runner.invoke(app, ["export", "tags", "--out", str(out), "--db", sqlite_url])
    assert res.exit_code == 0, res.output
    csv = pl.read_csv(out)
    assert csv.columns == [
        "entity", "repository", "sha", "number", "review_id", "tool", "kind", "rule",
        "confidence", "field", "matched",
    ]  # fmt: skip
    assert csv.height == 6
    res = runner.invoke(app, ["explain", "not a ref", "--db", sqlite_url])
    assert res.exit_code == 2
    assert "neither OWNER/REPO#NUMBER nor a commit sha" in res.output


def test_explain_a_git_commit_by_its_no_reply_login(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # `collect git` stores no login; the tagger reads it from GitHub's no-reply address,
    # and `explain` shows the same hit the tag store holds.
    engine = create_store_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine)
    write_frames(
        engine,
        [
            (s.repositories, pl.DataFrame({"id": [1], "full_name": ["a/b"], "source": ["git"]})),
            (
                s.commits,
                pl.DataFrame(
                    {
                        "repo_id": [1, 1],
                        "sha": ["abc001", "abc002"],
                        "message": ["Fix flaky test", "fix: typo"],
                        "author_email": [
                            "161369871+google-labs-jules[bot]@users.noreply.github.com",
                            "1024+claude@users.noreply.github.com",  # a person called Claude
                        ],
                        "authored_at": [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)] * 2,
                    }
                ),
            ),
        ],
    )
    tag_store(engine, RULES)
    stored = read_table(engine, s.ai_tags).select("entity_key", "rule_id", "matched").rows()
    assert stored == [("abc001", "google-jules.author", "google-labs-jules[bot]")]
    jules = explain_commit(engine, RULES, "abc001")
    assert jules.verdict == "AI: authored by an agent (google-jules) at confidence ≥ medium"
    assert [(h.rule.field, h.matched) for h in jules.hits] == [
        ("commit.author_login", "google-labs-jules[bot]")
    ]
    person = explain_commit(engine, RULES, "abc002")
    assert person.hits == [] and person.verdict == "no marker at confidence ≥ medium"
    # The store keeps what the collector wrote: no login was invented in the commits table.
    assert read_table(engine, s.commits)["author_login"].null_count() == 2
    engine.dispose()
