"""The demo's pull-request kinds and states, the parameters of their draws, and the small
draws every kind shares (sizes, the tool a person used in a week). Parameters: cycle-time
components, sizes, review and commit counts, how often PRs are closed, reverted, or opened by
an agent or a dependency bot. :mod:`aimetrics.demo.activity` draws the PRs with them.
"""

from __future__ import annotations

import numpy as np

from aimetrics.demo import markers as mk
from aimetrics.demo.org import Org
from aimetrics.demo.timeline import US_PER_WEEK

HUMAN, REVERT, AGENT, DEPENDABOT, RENOVATE = 0, 1, 2, 3, 4
MERGED, CLOSED, OPEN = 0, 1, 2
STATE_NAMES = ("MERGED", "CLOSED", "OPEN")

# Cycle-time components of human PRs: (median hours, log-sd).
CODING = (10.0, 1.2)
DRAFT = (20.0, 1.0)
PICKUP = (5.0, 1.4)
REVIEW = (10.0, 1.2)
MERGE = (2.0, 1.3)
SIZE_CYCLE_ELASTICITY = 0.3  # log cycle time per log of PR size (additions)
SIZE_LOG_SD = 1.4  # log-sd of human PRs' additions
AI_PR_SIZE_FACTOR = 0.6  # AI-marked PRs: × lines added and deleted (AI goes to small changes)
DRAFT_SHARE = 0.15
REVIEW_COUNTS, REVIEW_COUNT_P = (0, 1, 2, 3), (0.10, 0.58, 0.24, 0.08)
COMMIT_COUNT_P = (18, 17, 15, 13, 10, 8, 6, 5, 4, 4)  # 1..10 commits per human PR
CROSS_TEAM_SHARE = 0.08  # PRs to another team's repositories

CLOSED_PER_MERGED = 0.11
STALE_OPEN_PER_MERGED = 0.004
IN_FLIGHT_WEEKS = 0.8  # PRs still open at the end ≈ this many weeks of the author's rate
REVERT_SHARE = 0.015

AGENT_RATE = 0.3  # coding-agent PRs per enabled engineer-week
AGENT_OUTCOME_P = (0.65, 0.25, 0.10)  # merged, closed, still open
BOT_RATE = {DEPENDABOT: 0.6, RENOVATE: 0.5}  # PRs per repository-week
BOT_OUTCOME_P = (0.70, 0.25, 0.05)

# Columns every PR kind provides (int64 unless noted).
COLUMNS = (
    "kind", "repo", "author", "requester", "state", "created", "ready", "merged", "closed",
    "first_commit", "first_review", "last_review", "n_reviews", "n_commits", "additions",
    "deletions", "changed_files", "mark", "cycle_effect", "draft", "ctype", "scope", "verb",
    "obj", "reverts", "dep", "v_major", "v_minor", "v_patch", "v_bump",
)  # fmt: skip


def tool_status(org: Org, person: np.ndarray, week: np.ndarray) -> np.ndarray:
    """The AI tool each person used in each week: the latest seat they hold wins."""
    p = org.people
    copilot, claude, cursor = (
        p[c].to_numpy()[person] for c in ("copilot_week", "claude_code_week", "cursor_week")
    )
    return np.select(
        [cursor <= week, claude <= week, copilot <= week],
        [mk.STATUS_CURSOR, mk.STATUS_CLAUDE, mk.STATUS_COPILOT],
        mk.STATUS_NONE,
    )


def week_of(org: Org, us: np.ndarray) -> np.ndarray:
    return (us - org.timeline.start_us) // US_PER_WEEK


def sizes(rng: np.random.Generator, n: int, median: float = 45.0, sigma: float = SIZE_LOG_SD):
    log_add = rng.normal(np.log(median), sigma, n)
    additions = np.clip(np.round(np.exp(log_add)), 1, 20_000).astype(np.int64)
    deletions = np.clip(
        np.round(additions * rng.beta(1.2, 3.0, n) + np.exp(rng.normal(np.log(4), 1.2, n))),
        0,
        20_000,
    ).astype(np.int64)
    files = np.clip(np.round(np.exp(0.45 * log_add + rng.normal(-0.3, 0.6, n))), 1, 300)
    z = (log_add - np.log(median)) / sigma
    return additions, deletions, files.astype(np.int64), z
