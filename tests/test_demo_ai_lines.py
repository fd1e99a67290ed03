"""The demo's git-ai line evidence: where it is, that it follows the truth of who used which
tool, and that it counts as git-ai counts (aimetrics.demo.ai_lines)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from aimetrics.demo import markers as mk
from aimetrics.demo.generator import DemoOrg, generate
from aimetrics.demo.org import build_org
from aimetrics.demo.pr_params import tool_status, week_of
from aimetrics.demo.timeline import Timeline

END = dt.date(2025, 6, 30)
SCALE = 0.5


@pytest.fixture(scope="module")
def org() -> DemoOrg:
    return generate(7, END, SCALE)


def _org_model():  # type: ignore[no-untyped-def]
    """The generator's organization (people, seats) for the same arguments: its first
    random stream, as ``generate`` draws it."""
    rng = np.random.default_rng(np.random.SeedSequence(7).spawn(9)[0])
    return build_org(rng, Timeline.ending(END), SCALE, 1.20, 0.80)


def test_line_evidence_is_in_the_agent_teams_repositories_only(org: DemoOrg) -> None:
    lines = org.frame("commit_ai_lines")
    repos = org.frame("repositories")
    noted = repos.filter(pl.col("id").is_in(lines["repo_id"].unique().to_list()))
    assert noted.height == round(2 * SCALE)
    assert set(lines["source"]) == {"git-ai"}
    # Each commit has one row (one tool per commit in the demo), its counts add up.
    assert lines.select("repo_id", "sha").is_unique().all()
    assert (
        lines["ai_added_lines"] + lines["human_lines"] + lines["untracked_lines"]
        == lines["added_lines"]
    ).all()
    assert (lines["mixed_lines"] == 0).all()
    assert ((lines["tool_id"] == "") == (lines["ai_added_lines"] == 0)).all()
    commits = org.frame("commits").join(lines, on=["repo_id", "sha"])
    assert (commits["parent_count"] == 1).all()  # merge commits count no lines
    bots = (mk.DEPENDABOT[1], mk.RENOVATE[1], mk.GITHUB_ACTIONS[1], mk.COPILOT_AGENT_EMAIL)
    assert not commits["author_email"].is_in(bots).any()
    assert lines["ai_added_lines"].sum() > 0 and (lines["ai_added_lines"] == 0).any()


def test_ai_lines_follow_who_used_which_tool_that_week(org: DemoOrg) -> None:
    model = _org_model()
    people = model.people.select(pl.col("login"), pl.int_range(pl.len()).alias("person"))
    lines = org.frame("commit_ai_lines")
    commits = (
        org.frame("commits")
        .join(lines, on=["repo_id", "sha"])
        .join(people, left_on="author_login", right_on="login")
    )
    assert commits.height > 0.8 * lines.height  # most authors carry their login
    us = commits["authored_at"].dt.epoch("us").to_numpy()
    status = tool_status(model, commits["person"].to_numpy(), week_of(model, us))
    tool = commits["tool_id"].to_numpy()
    expected = {mk.STATUS_CLAUDE: "claude-code", mk.STATUS_CURSOR: "cursor",
                mk.STATUS_COPILOT: "github-copilot"}  # fmt: skip
    ai = tool != ""
    # No AI line without a tool that week; with one, the lines are that tool's.
    assert not (ai & (status == mk.STATUS_NONE)).any()
    assert all(tool[i] == expected[status[i]] for i in np.flatnonzero(ai))
