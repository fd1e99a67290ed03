"""Reviews: teammates of the repository's team, and AI review bots on some repositories.

Human reviews follow the times drawn in ``activity`` (first review, last
approval). Copilot code review comments on PRs in repositories where the team
enabled it; CodeRabbit on a few repositories. A merged PR reviewed by Copilot
sometimes accepts one of its suggestions (a commit co-authored by Copilot,
added by ``commits``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from aimetrics.demo import markers as mk
from aimetrics.demo.org import Org
from aimetrics.demo.pr_params import AGENT, HUMAN, MERGED, REVERT
from aimetrics.demo.timeline import US_PER_MINUTE, US_PER_WEEK, lognormal_hours

P_COPILOT_REVIEW = 0.6  # PRs reviewed by Copilot where it is enabled
P_CODERABBIT = 0.9
REVIEW_ID_BASE = 1_900_000_000

APPROVED, CHANGES_REQUESTED, COMMENTED = "APPROVED", "CHANGES_REQUESTED", "COMMENTED"


def pick_teammates(
    rng: np.random.Generator, org: Org, team: np.ndarray, exclude: np.ndarray
) -> np.ndarray:
    """A random engineer of each team's roster, other than ``exclude`` where possible."""
    members, offsets, sizes, position = org.roster()
    size = sizes[team]
    pos = np.where(exclude >= 0, position[np.maximum(exclude, 0)], -1)
    pos = np.where(org.people["team_a"].to_numpy()[np.maximum(exclude, 0)] == team, pos, -1)
    others = np.maximum(size - 1, 1)
    idx = np.where(
        (pos >= 0) & (size > 1),
        (pos + 1 + rng.integers(0, 1 << 30, len(team)) % others) % np.maximum(size, 1),
        rng.integers(0, 1 << 30, len(team)) % np.maximum(size, 1),
    )
    return members[offsets[team] + idx]


def build_reviews(
    rng: np.random.Generator, org: Org, prs: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(reviews, prs with ``suggestion_at``): reviews in schema columns plus ``reviewer``."""
    human = _human_reviews(rng, org, prs)
    bots, copilot_at = _bot_reviews(rng, org, prs)
    reviews = (
        pl.concat([human, bots])
        .sort("repo_id", "pr_number", "submitted_us", "reviewer_login")
        .with_row_index("review_ix")
        .with_columns((pl.col("review_ix").cast(pl.Int64) + REVIEW_ID_BASE).alias("review_id"))
        .drop("review_ix")
    )
    return reviews, _suggestions(rng, prs, copilot_at)


def _human_reviews(rng: np.random.Generator, org: Org, prs: pl.DataFrame) -> pl.DataFrame:
    n_reviews = prs["n_reviews"].to_numpy()
    pr = np.repeat(np.arange(prs.height), n_reviews)
    j = np.arange(len(pr)) - np.repeat(np.cumsum(n_reviews) - n_reviews, n_reviews)
    k = n_reviews[pr]
    first, last = prs["first_review"].to_numpy()[pr], prs["last_review"].to_numpy()[pr]
    middle = first + (rng.random(len(pr)) * (last - first)).astype(np.int64)
    submitted = np.select([j == 0, j == k - 1], [first, last], middle)
    merged = prs["state"].to_numpy()[pr] == MERGED
    u = rng.random(len(pr))
    state = np.select(
        [
            merged & (k == 1),
            merged & (j == k - 1),
            merged & (j == 0),
            merged,
        ],
        [
            np.where(u < 0.9, APPROVED, COMMENTED),
            APPROVED,
            np.where(u < 0.6, CHANGES_REQUESTED, COMMENTED),
            COMMENTED,
        ],
        np.where(u < 0.5, COMMENTED, np.where(u < 0.8, CHANGES_REQUESTED, APPROVED)),
    )
    team = org.repos["team"].to_numpy()[prs["repo"].to_numpy()[pr]]
    author = prs["author"].to_numpy()[pr]
    first_pick = pick_teammates(rng, org, team, author)
    other_pick = pick_teammates(rng, org, team, author)
    # The first reviewer often comes back to approve; later reviews may be someone else.
    first_of_pr = first_pick[np.repeat(np.cumsum(n_reviews) - n_reviews, n_reviews)]
    reviewer = np.where(
        j == 0, first_pick, np.where(rng.random(len(pr)) < 0.5, first_of_pr, other_pick)
    )
    requester = prs["requester"].to_numpy()[pr]
    reviewer = np.where(prs["kind"].to_numpy()[pr] == AGENT, requester, reviewer)
    logins = org.people["login"].to_numpy()
    return pl.DataFrame(
        {
            "repo_id": prs["repo_id"].to_numpy()[pr],
            "pr_number": prs["number"].to_numpy()[pr],
            "reviewer_login": logins[reviewer],
            "reviewer_type": np.full(len(pr), "User"),
            "state": state,
            "submitted_us": submitted,
        }
    )


def _bot_reviews(
    rng: np.random.Generator, org: Org, prs: pl.DataFrame
) -> tuple[pl.DataFrame, np.ndarray]:
    """AI review bots; returns their reviews and each PR's Copilot review time (-1: none)."""
    n = prs.height
    repo = prs["repo"].to_numpy()
    kind = prs["kind"].to_numpy()
    ready = prs["ready"].to_numpy()
    stop = np.select(
        [prs["merged"].to_numpy() >= 0, prs["closed"].to_numpy() >= 0],
        [prs["merged"].to_numpy(), prs["closed"].to_numpy()],
        org.timeline.end_us,
    )
    team = org.repos["team"].to_numpy()[repo]
    review_week = org.teams["copilot_review_week"].to_numpy()[team]
    ready_week = (ready - org.timeline.start_us) // US_PER_WEEK
    copilot_at = ready + lognormal_hours(rng, 4 / 60, 0.5, n)
    copilot = (
        org.repos["copilot_review"].to_numpy()[repo]
        & ((kind == HUMAN) | (kind == REVERT))
        & (ready >= 0)
        & (ready_week >= review_week)
        & (copilot_at < stop - US_PER_MINUTE)
        & (rng.random(n) < P_COPILOT_REVIEW)
    )
    rabbit_at = ready + lognormal_hours(rng, 3 / 60, 0.4, n)
    rabbit = (
        org.repos["coderabbit"].to_numpy()[repo]
        & ((kind == HUMAN) | (kind == AGENT))
        & (ready >= 0)
        & (rabbit_at < stop)
        & (rng.random(n) < P_CODERABBIT)
    )
    parts = []
    for mask, at, login in (
        (copilot, copilot_at, mk.COPILOT_REVIEWER),
        (rabbit, rabbit_at, mk.CODERABBIT),
    ):
        parts.append(
            pl.DataFrame(
                {
                    "repo_id": prs["repo_id"].to_numpy()[mask],
                    "pr_number": prs["number"].to_numpy()[mask],
                    "reviewer_login": np.full(mask.sum(), login),
                    "reviewer_type": np.full(mask.sum(), "Bot"),
                    "state": np.full(mask.sum(), COMMENTED),
                    "submitted_us": at[mask],
                }
            )
        )
    return pl.concat(parts), np.where(copilot, copilot_at, -1)


def _suggestions(
    rng: np.random.Generator, prs: pl.DataFrame, copilot_at: np.ndarray
) -> pl.DataFrame:
    """When a merged PR takes one of Copilot's review suggestions (the web UI's commit)."""
    n = prs.height
    merged = prs["merged"].to_numpy()
    limit = np.where(prs["n_reviews"].to_numpy() > 0, prs["last_review"].to_numpy(), merged)
    at = copilot_at + lognormal_hours(rng, 0.5, 1.0, n)
    at = np.minimum(at, limit - US_PER_MINUTE)
    take = (
        (copilot_at >= 0)
        & (prs["state"].to_numpy() == MERGED)
        & (prs["kind"].to_numpy() == HUMAN)
        & (at > copilot_at)
        & (rng.random(n) < mk.P_COPILOT_SUGGESTION)
    )
    return prs.with_columns(pl.Series("suggestion_at", np.where(take, at, -1)))
