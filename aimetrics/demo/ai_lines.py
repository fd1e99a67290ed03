"""git-ai line evidence for the demo: ``commit_ai_lines`` rows (source ``git-ai``) of the
commits of the repositories whose team installed git-ai.

Derived from the demo's truth of who used which AI tool when (``pr_params.tool_status``:
the latest seat a person holds in the commit's week), never from the markers: an engineer
using Claude Code or Cursor leaves AI lines in the notes whether or not their commit carries
a co-author trailer, which is how line evidence finds AI use the markers miss. As git-ai
counts them: a merge commit has no lines; a bot's or GitHub Actions' commit has no note
(git-ai runs on an engineer's machine); a commit made without an AI tool that week has a
note with only human and untracked lines.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from aimetrics.demo import markers as mk
from aimetrics.demo.commit_messages import MERGE
from aimetrics.demo.org import NEVER, Org
from aimetrics.demo.pr_params import tool_status, week_of
from aimetrics.vocabulary import GIT_AI

REPOS_PER_SCALE = 2  # repositories with git-ai notes per unit of scale

# Per tool status: catalogue tool id, model, mean share of a commit's added lines the AI
# wrote (git-ai's own reports put agent-heavy teams at about half), and the chance a commit
# of an AI week has no AI line at all (a hand-written fix).
_TOOLS = {
    mk.STATUS_CLAUDE: ("claude-code", "claude-sonnet-4-5", 0.60, 0.20),
    mk.STATUS_CURSOR: ("cursor", "gpt-5", 0.45, 0.25),
    mk.STATUS_COPILOT: ("github-copilot", "gpt-4.1", 0.20, 0.45),
}
_BETA_STRENGTH = 4.0  # Beta(mean * k, (1 - mean) * k): commits vary a lot around the mean
_KNOWN_HUMAN = 0.6  # of the lines the AI did not write, those git-ai attests to a known human
_BOT_EMAILS = (
    mk.DEPENDABOT[1], mk.RENOVATE[1], mk.GITHUB_ACTIONS[1], mk.COPILOT_AGENT_EMAIL,
    mk.CLAUDE_WEB_EMAIL,
)  # fmt: skip

SCHEMA = {
    "repo_id": pl.Int64, "sha": pl.String, "source": pl.String, "tool_id": pl.String,
    "model": pl.String, "ai_added_lines": pl.Int64, "human_lines": pl.Int64,
    "mixed_lines": pl.Int64, "untracked_lines": pl.Int64, "added_lines": pl.Int64,
}  # fmt: skip


def noted_repos(org: Org, scale: float) -> pl.DataFrame:
    """``repo_id, full_name``: the repositories with git-ai notes, those of the teams that
    took up Claude Code or Cursor first (git-ai records their sessions; in a small demo
    without such a team, Copilot's), squash-merged ones first (git-ai carries a branch's
    notes over to its squash commit)."""
    teams = org.teams.select(
        "team",
        pl.min_horizontal("claude_code_week", "cursor_week").alias("agent_week"),
        "copilot_week",
    )
    n = max(1, round(REPOS_PER_SCALE * scale))
    return (
        org.repos.join(teams, on="team")
        .filter(pl.min_horizontal("agent_week", "copilot_week") < NEVER)
        .sort("agent_week", "copilot_week", "merge_commits", "repo_id")
        .head(n)
        .select("repo_id", "full_name")
    )


def line_evidence(
    rng: np.random.Generator, org: Org, commits: pl.DataFrame, scale: float
) -> pl.DataFrame:
    """``commit_ai_lines`` rows for the commits (the generator's commit frame: ``repo_id,
    sha, person, authored_us, additions, part, merge_commits, author_email``) of
    :func:`noted_repos`."""
    repos = noted_repos(org, scale)["repo_id"].to_list()
    merge = (pl.col("part") == MERGE) & pl.col("merge_commits")
    noted = commits.filter(
        pl.col("repo_id").is_in(repos)
        & ~merge
        & (pl.col("person") >= 0)
        & ~pl.col("author_email").is_in(_BOT_EMAILS)
    ).sort("repo_id", "sha")  # the draws follow a fixed order
    if noted.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    person = noted["person"].to_numpy()
    status = tool_status(org, person, week_of(org, noted["authored_us"].to_numpy()))
    added = noted["additions"].fill_null(0).to_numpy().astype(np.int64)
    n = len(added)
    u, share_draw = rng.random(n), rng.random(n)
    tool, model = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    ai = np.zeros(n, dtype=np.int64)
    for code, (tool_id, model_name, mean, p_none) in _TOOLS.items():
        on = (status == code) & (u >= p_none)
        share = rng.beta(mean * _BETA_STRENGTH, (1 - mean) * _BETA_STRENGTH, n)
        ai = np.where(on, np.round(added * share).astype(np.int64), ai)
        tool = np.where(on, tool_id, tool)
        model = np.where(on, model_name, model)
    # A commit whose AI share rounds to no line is a commit without AI lines.
    none = ai == 0
    tool, model = np.where(none, "", tool), np.where(none, "", model)
    human = np.round((added - ai) * _KNOWN_HUMAN * (0.5 + share_draw)).astype(np.int64)
    human = np.minimum(human, added - ai)
    return pl.DataFrame(
        {
            "repo_id": noted["repo_id"],
            "sha": noted["sha"],
            "source": pl.Series([GIT_AI] * n, dtype=pl.String),
            "tool_id": pl.Series(tool.tolist(), dtype=pl.String),
            "model": pl.Series(model.tolist(), dtype=pl.String),
            "ai_added_lines": ai,
            "human_lines": human,
            "mixed_lines": np.zeros(n, dtype=np.int64),
            "untracked_lines": added - ai - human,
            "added_lines": added,
        },
        schema=SCHEMA,
    )
