"""Tagging over a real store (SQLite and PostgreSQL), and PR/commit classification."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from polars.testing import assert_frame_equal

from aimetrics.store import read_table
from aimetrics.store import schema as s
from aimetrics.tagging import build_ruleset, pr_flags, tag_store

from samples import seed_small_store


def test_tag_store_then_classify(engine: sa.Engine) -> None:
    seed_small_store(engine)
    rules = build_ruleset()
    assert tag_store(engine, rules) == {"commit": 3, "pull_request": 2, "review": 1}
    tags = read_table(engine, s.ai_tags).sort("entity", "entity_key", "rule_id")
    assert tags.select("entity", "entity_key", "rule_id").rows() == [
        ("commit", "a1", "claude-code.co-author"),
        ("commit", "b1", "github-copilot.agent-author-email"),
        ("commit", "b1", "github-copilot.agent-author-login"),
        ("pull_request", "2", "github-copilot.branch"),
        ("pull_request", "2", "github-copilot.pr-author"),
        ("review", "10", "github-copilot.reviewer"),
    ]
    # Re-tagging is idempotent: same tags, no duplicates.
    tag_store(engine, rules)
    again = read_table(engine, s.ai_tags).sort("entity", "entity_key", "rule_id")
    assert_frame_equal(again.drop("tagged_at"), tags.drop("tagged_at"))

    flags = (
        pr_flags(
            read_table(engine, s.pull_requests).lazy(),
            read_table(engine, s.pull_request_commits).lazy(),
            tags.lazy(),
            reviews=read_table(engine, s.reviews).lazy(),
            bot_logins=rules.non_ai_bots.logins,
        )
        .collect()
        .sort("number")
    )
    expected = pl.DataFrame(
        {
            "repo_id": [1] * 5,
            "number": [1, 2, 3, 4, 5],
            "is_ai": [True, True, False, False, False],
            "is_agent": [False, True, False, False, False],
            "is_ai_reviewed": [False, False, True, False, False],
            "ai_tool": ["claude-code", "github-copilot", None, None, None],
            "is_bot_non_ai": [False, False, False, True, False],
        },
        schema_overrides={"repo_id": pl.Int64, "number": pl.Int64},
    )
    assert_frame_equal(flags, expected)


def test_rule_change_retags_without_refetch(engine: sa.Engine) -> None:
    seed_small_store(engine)
    tag_store(engine, build_ruleset())
    team_rule = {
        "id": "team.ai-assisted-label",
        "tool": "unspecified",
        "kind": "assisted",
        "field": "pr.label",
        "pattern": "^ai-assisted$",
        "confidence": "high",
    }
    counts = tag_store(
        engine, build_ruleset(extra_rules=[team_rule], disable=["claude-code.co-author"])
    )
    assert counts == {"commit": 2, "pull_request": 3, "review": 1}
    keys = read_table(engine, s.ai_tags)["rule_id"].to_list()
    assert "team.ai-assisted-label" in keys
    assert "claude-code.co-author" not in keys


def test_min_confidence_high_drops_branch_only_pr() -> None:
    prs = pl.LazyFrame(
        {"repo_id": [1], "number": [9], "author_login": ["erin"], "author_type": ["User"]}
    )
    links = pl.LazyFrame(schema={"repo_id": pl.Int64, "pr_number": pl.Int64, "sha": pl.String})
    tags = pl.LazyFrame(
        {
            "entity": ["pull_request"],
            "repo_id": [1],
            "entity_key": ["9"],
            "rule_id": ["github-copilot.branch"],
            "tool_id": ["github-copilot"],
            "kind": ["authored"],
            "field": ["pr.head_ref"],
            "confidence": ["medium"],
            "matched": ["copilot/"],
        }
    )
    medium = pr_flags(prs, links, tags, "medium").collect()
    high = pr_flags(prs, links, tags, "high").collect()
    assert medium["is_ai"].to_list() == [True]
    assert high["is_ai"].to_list() == [False]
