"""Pull requests: who opens them, when, how big, how long they take, which markers they carry.

One row per PR, all kinds together (human, revert, Copilot coding agent,
dependabot, renovate), built from numpy draws without per-PR Python. Times are
int64 microseconds (UTC), -1 where absent. Texts are added by ``texts``,
reviews by ``reviews`` and commits by ``commits``.

Merged human PRs are drawn from the engineer-week rates (``throughput``): the
week a PR merges in is where the throughput effect lives. Its cycle time
(first commit → merge) is the sum of five log-normal components

    coding (first commit → opened) + draft (→ ready) + pickup (→ first review)
    + review (first review → last approval, 2+ reviews) + merge (→ merged)

each times the engineer's cycle factor, their team's ``cycle_speed`` and a size
factor (size ** ``SIZE_CYCLE_ELASTICITY``). When the PR carries an AI marker it is
smaller (× ``AI_PR_SIZE_FACTOR`` lines, so faster through the size factor) and its
whole cycle time is multiplied by the author's ``cycle_time_effect`` (that of the
team that gave them their first seat): the effect at equal size, exactly.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from aimetrics.demo import markers as mk
from aimetrics.demo import wordlists as w
from aimetrics.demo.org import ROLE_ENGINEER, Org
from aimetrics.demo.pr_params import (
    AGENT,
    AGENT_OUTCOME_P,
    AGENT_RATE,
    AI_PR_SIZE_FACTOR,
    BOT_OUTCOME_P,
    BOT_RATE,
    CLOSED,
    CLOSED_PER_MERGED,
    CODING,
    COLUMNS,
    COMMIT_COUNT_P,
    CROSS_TEAM_SHARE,
    DEPENDABOT,
    DRAFT,
    DRAFT_SHARE,
    HUMAN,
    IN_FLIGHT_WEEKS,
    MERGE,
    MERGED,
    OPEN,
    PICKUP,
    RENOVATE,
    REVERT,
    REVERT_SHARE,
    REVIEW,
    REVIEW_COUNT_P,
    REVIEW_COUNTS,
    SIZE_CYCLE_ELASTICITY,
    SIZE_LOG_SD,
    STALE_OPEN_PER_MERGED,
    sizes,
    tool_status,
    week_of,
)
from aimetrics.demo.throughput import Rates, expand
from aimetrics.demo.timeline import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    lognormal_hours,
    sample_in_weeks,
)


def build_pull_requests(rng: np.random.Generator, org: Org, rates: Rates) -> pl.DataFrame:
    """Every PR of the demo, numbered per repository in creation order."""
    picker = _RepoPicker(org)
    merged = _human_merged(rng, org, rates, picker)
    parts = [
        merged,
        _human_unmerged(rng, org, rates, picker),
        _reverts(rng, org, merged),
        _agent(rng, org, rates, picker),
        _bots(rng, org),
    ]
    frame = pl.concat([pl.DataFrame({c: p[c] for c in COLUMNS}) for p in parts], how="vertical")
    frame = _number(rng, org, frame.with_row_index("row"))
    # A demo built "now" ends mid-day: PRs opened, merged or closed later today have not
    # happened yet. Dropped after numbering (reverts name their original by row); with
    # an end date the window ends at midnight and this keeps every row.
    end = org.timeline.end_us
    return frame.filter(
        (pl.col("created") < end), (pl.col("merged") < end), (pl.col("closed") < end)
    )


# --- helpers ------------------------------------------------------------------


class _RepoPicker:
    """Weighted choice of a repository of a given team (vectorized)."""

    def __init__(self, org: Org) -> None:
        repos = org.repos.sort("team", "repo")
        self.order = repos["repo"].to_numpy()
        self.cum = np.cumsum(repos["weight"].to_numpy())
        team = repos["team"].to_numpy()
        n_teams = org.teams.height
        total = np.bincount(team, weights=repos["weight"].to_numpy(), minlength=n_teams)
        self.end = np.cumsum(total)
        self.start = self.end - total
        self.n_teams = n_teams

    def pick(self, rng: np.random.Generator, team: np.ndarray, cross: float = 0.0) -> np.ndarray:
        team = np.where(
            rng.random(len(team)) < cross, rng.integers(0, self.n_teams, len(team)), team
        )
        x = self.start[team] + rng.random(len(team)) * (self.end[team] - self.start[team])
        idx = np.searchsorted(self.cum, x, side="right").clip(0, len(self.cum) - 1)
        return self.order[idx]


def _smaller_if_marked(
    marked: np.ndarray, additions: np.ndarray, deletions: np.ndarray, files: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AI-marked PRs' sizes × ``AI_PR_SIZE_FACTOR`` (changed files ≈ additions^0.45)."""
    shrink = np.where(marked, AI_PR_SIZE_FACTOR, 1.0)
    return (
        np.maximum(1, np.round(additions * shrink)).astype(np.int64),
        np.round(deletions * shrink).astype(np.int64),
        np.maximum(1, np.round(files * shrink**0.45)).astype(np.int64),
    )


def _text_draws(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    p = np.asarray(w.COMMIT_TYPE_WEIGHTS) / np.sum(w.COMMIT_TYPE_WEIGHTS)
    return {
        "ctype": rng.choice(len(w.COMMIT_TYPES), size=n, p=p),
        "scope": np.where(rng.random(n) < 0.8, rng.integers(0, len(w.SCOPES), n), -1),
        "verb": rng.integers(0, len(w.VERBS), n),
        "obj": rng.integers(0, len(w.OBJECTS), n),
    }


def _defaults(n: int) -> dict[str, np.ndarray]:
    minus = np.full(n, -1, dtype=np.int64)
    return {
        "requester": minus,
        "ready": minus,
        "merged": minus,
        "closed": minus,
        "first_review": minus,
        "last_review": minus,
        "n_reviews": np.zeros(n, dtype=np.int64),
        "mark": np.zeros(n, dtype=np.int8),
        "cycle_effect": np.zeros(n, dtype=bool),
        "draft": np.zeros(n, dtype=bool),
        "reverts": minus,
        "dep": minus,
        "v_major": minus,
        "v_minor": minus,
        "v_patch": minus,
        "v_bump": minus,
        "ctype": minus,
        "scope": minus,
        "verb": minus,
        "obj": minus,
    }


def _commit_counts(rng: np.random.Generator, n: int) -> np.ndarray:
    p = np.asarray(COMMIT_COUNT_P, dtype=float)
    return 1 + rng.choice(len(p), size=n, p=p / p.sum())


# --- human PRs --------------------------------------------------------------


def _human_merged(
    rng: np.random.Generator, org: Org, rates: Rates, picker: _RepoPicker
) -> dict[str, np.ndarray]:
    person, week = expand(rng.poisson(rates.rate))
    n = len(person)
    team = org.team_at(person, week)
    tz = org.teams["tz"].to_numpy()
    merged = sample_in_weeks(rng, org.timeline, week, tz[team])
    additions, deletions, files, z = sizes(rng, n)
    n_reviews = rng.choice(REVIEW_COUNTS, size=n, p=REVIEW_COUNT_P)
    draft = rng.random(n) < DRAFT_SHARE
    speed = org.teams["cycle_speed"].to_numpy()[org.col("people", "team_a")[person]]
    factor = rates.cycle_factor[person] * speed * np.exp(SIZE_CYCLE_ELASTICITY * SIZE_LOG_SD * z)
    comps = (
        np.stack(
            [
                lognormal_hours(rng, *CODING, n),
                lognormal_hours(rng, *DRAFT, n) * draft,
                lognormal_hours(rng, *PICKUP, n) * (n_reviews > 0),
                lognormal_hours(rng, *REVIEW, n) * (n_reviews >= 2),
                lognormal_hours(rng, *MERGE, n),
            ]
        )
        * factor
    )
    # The tool in use when the work started decides the markers; a marked PR's
    # components then shrink or grow, by at most the author's slowdown, so its first
    # commit is still after that tool's seat.
    effect = org.col("people", "cycle_time_effect")[person]
    first0 = merged - (comps.sum(axis=0) * np.maximum(effect, 1.0)).astype(np.int64)
    status = np.where(
        first0 >= org.timeline.start_us,
        tool_status(org, person, week_of(org, first0)),
        mk.STATUS_NONE,
    )
    label = org.teams["ai_label"].to_numpy()[org.team_at(person, week_of(org, first0))]
    mark = mk.decide_marks(rng, status, label)
    marked = mark != mk.NONE
    # AI goes to smaller changes: fewer lines, and the size factor follows.
    additions, deletions, files = _smaller_if_marked(marked, additions, deletions, files)
    size_effect = AI_PR_SIZE_FACTOR**SIZE_CYCLE_ELASTICITY
    comps = (comps * np.where(marked, effect * size_effect, 1.0)).astype(np.int64)
    coding, draft_t, pickup, review, merge = comps
    last_review = merged - merge
    first_review = last_review - review
    ready = first_review - pickup
    created = ready - draft_t
    first_commit = created - coding
    has_review = n_reviews > 0
    return {
        **_defaults(n),
        **_text_draws(rng, n),
        "kind": np.full(n, HUMAN),
        "repo": picker.pick(rng, team, CROSS_TEAM_SHARE),
        "author": person,
        "state": np.full(n, MERGED),
        "created": created,
        "ready": ready,
        "merged": merged,
        "first_commit": first_commit,
        "first_review": np.where(has_review, first_review, -1),
        "last_review": np.where(has_review, last_review, -1),
        "n_reviews": n_reviews,
        "n_commits": _commit_counts(rng, n),
        "additions": additions,
        "deletions": deletions,
        "changed_files": files,
        "mark": mark,
        "cycle_effect": marked,
        "draft": draft,
    }


def _human_unmerged(
    rng: np.random.Generator, org: Org, rates: Rates, picker: _RepoPicker
) -> dict[str, np.ndarray]:
    tl = org.timeline
    end = tl.end_us
    n_weeks = tl.n_weeks
    # Closed without merging, and a few left open for months.
    closed_p, closed_w = expand(rng.poisson(rates.rate * CLOSED_PER_MERGED))
    stale_p, stale_w = expand(rng.poisson(rates.rate * STALE_OPEN_PER_MERGED))
    # Work in flight at the end: about IN_FLIGHT_WEEKS of each author's recent rate.
    recent = rates.rate[:, -2:].max(axis=1) * rates.active[:, -1]
    flight_p = np.repeat(np.arange(len(recent)), rng.poisson(recent * IN_FLIGHT_WEEKS))
    flight_w = n_weeks - 1 - rng.integers(0, 2, len(flight_p))
    person = np.concatenate([closed_p, stale_p, flight_p])
    week = np.concatenate([closed_w, stale_w, flight_w])
    group = np.repeat([0, 1, 2], [len(closed_p), len(stale_p), len(flight_p)])
    n = len(person)
    team = org.team_at(person, week)
    created = sample_in_weeks(rng, tl, week, org.teams["tz"].to_numpy()[team])
    additions, deletions, files, _ = sizes(rng, n)
    coding = lognormal_hours(rng, *CODING, n)
    draft = rng.random(n) < np.where(group == 0, DRAFT_SHARE, 0.4)
    ready = np.where(draft, created + lognormal_hours(rng, *DRAFT, n), created)
    closed = np.where(group == 0, ready + lognormal_hours(rng, 50.0, 1.3, n), -1)
    closed = np.where(closed >= end, -1, closed)
    stop = np.where(closed >= 0, closed, end)
    ready = np.where(ready < stop, ready, -1)  # closed (or still) while draft
    first_review = ready + lognormal_hours(rng, *PICKUP, n)
    reviewed = (ready >= 0) & (first_review < stop) & (rng.random(n) < 0.45)
    status = tool_status(org, person, week)
    label = org.teams["ai_label"].to_numpy()[team]
    mark = mk.decide_marks(rng, status, label)
    additions, deletions, files = _smaller_if_marked(mark != mk.NONE, additions, deletions, files)
    return {
        **_defaults(n),
        **_text_draws(rng, n),
        "kind": np.full(n, HUMAN),
        "repo": picker.pick(rng, team, CROSS_TEAM_SHARE),
        "author": person,
        "state": np.where(closed >= 0, CLOSED, OPEN),
        "created": created,
        "ready": ready,
        "closed": closed,
        "first_commit": created - coding,
        "first_review": np.where(reviewed, first_review, -1),
        "last_review": np.where(reviewed, first_review, -1),
        "n_reviews": reviewed.astype(np.int64),
        "n_commits": _commit_counts(rng, n),
        "additions": additions,
        "deletions": deletions,
        "changed_files": files,
        "mark": mark,
        "draft": ready < 0,
    }


def _reverts(
    rng: np.random.Generator, org: Org, merged: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Some merged PRs are reverted by their author a few hours or days later."""
    end = org.timeline.end_us
    eligible = merged["merged"] < end - 3 * US_PER_DAY
    orig = np.flatnonzero(eligible & (rng.random(len(eligible)) < REVERT_SHARE))
    n = len(orig)
    created = merged["merged"][orig] + lognormal_hours(rng, 18.0, 1.0, n)
    review = created + lognormal_hours(rng, 0.7, 0.8, n)
    merged_at = review + lognormal_hours(rng, 0.3, 0.8, n)
    keep = merged_at < end
    orig, created, review, merged_at = orig[keep], created[keep], review[keep], merged_at[keep]
    n = len(orig)
    return {
        **_defaults(n),
        "kind": np.full(n, REVERT),
        "repo": merged["repo"][orig],
        "author": merged["author"][orig],
        "state": np.full(n, MERGED),
        "created": created,
        "ready": created,
        "merged": merged_at,
        "first_commit": created - rng.integers(2, 20, n) * US_PER_MINUTE,
        "first_review": review,
        "last_review": review,
        "n_reviews": np.ones(n, dtype=np.int64),
        "n_commits": np.ones(n, dtype=np.int64),
        "additions": merged["deletions"][orig],
        "deletions": merged["additions"][orig],
        "changed_files": merged["changed_files"][orig],
        "reverts": orig,  # index into the merged human PRs (they come first)
    }


# --- Copilot coding agent -----------------------------------------------------


def _agent(
    rng: np.random.Generator, org: Org, rates: Rates, picker: _RepoPicker
) -> dict[str, np.ndarray]:
    """PRs opened by Copilot's coding agent for engineers of teams that enabled it."""
    people, tl = org.people, org.timeline
    n_people, n_weeks = people.height, tl.n_weeks
    weeks = np.arange(n_weeks)
    pp, ww = np.meshgrid(np.arange(n_people), weeks, indexing="ij")
    team = org.team_at(pp.ravel(), ww.ravel()).reshape(pp.shape)
    agent_week = org.teams["agent_week"].to_numpy()[team]
    eligible = (
        (people["role"].to_numpy()[:, None] == ROLE_ENGINEER)
        & (people["copilot_week"].to_numpy()[:, None] <= weeks)
        & (agent_week <= weeks)
        & rates.active
    )
    person, week = expand(rng.poisson(AGENT_RATE * rates.week_factor * eligible))
    n = len(person)
    team = org.team_at(person, week)
    created = sample_in_weeks(rng, tl, week, org.teams["tz"].to_numpy()[team])
    ready = created + lognormal_hours(rng, 0.4, 0.5, n)
    outcome = rng.choice(3, size=n, p=AGENT_OUTCOME_P)
    n_reviews = 1 + (rng.random(n) < 0.3)
    first_review = ready + lognormal_hours(rng, 5.0, 1.2, n)
    last_review = first_review + lognormal_hours(rng, 3.0, 1.2, n) * (n_reviews >= 2)
    merged = np.where(outcome == MERGED, last_review + lognormal_hours(rng, 1.0, 1.0, n), -1)
    closed = np.where(outcome == CLOSED, ready + lognormal_hours(rng, 30.0, 1.0, n), -1)
    end = tl.end_us
    merged = np.where(merged >= end, -1, merged)
    closed = np.where(closed >= end, -1, closed)
    state = np.select([merged >= 0, closed >= 0], [MERGED, CLOSED], OPEN)
    ready = np.where((outcome == OPEN) | (ready >= end), -1, ready)
    stop = np.select([merged >= 0, closed >= 0], [merged, closed], end)
    reviewed = (ready >= 0) & (first_review < stop)
    n_reviews = np.where(
        reviewed, np.where((state == MERGED) | (last_review < stop), n_reviews, 1), 0
    )
    additions, deletions, files, _ = sizes(rng, n, median=60.0, sigma=1.1)
    return {
        **_defaults(n),
        **_text_draws(rng, n),
        "kind": np.full(n, AGENT),
        "repo": picker.pick(rng, team),
        "author": np.full(n, -1),
        "requester": person,
        "state": state,
        "created": created,
        "ready": ready,
        "merged": merged,
        "closed": closed,
        "first_commit": created - rng.integers(20, 90, n) * 1_000_000,
        "first_review": np.where(reviewed, first_review, -1),
        "last_review": np.where(n_reviews >= 2, last_review, np.where(reviewed, first_review, -1)),
        "n_reviews": n_reviews,
        "n_commits": 1 + rng.integers(1, 6, n),  # "Initial plan" + the work
        "additions": additions,
        "deletions": deletions,
        "changed_files": files,
        "mark": np.full(n, mk.COPILOT_AGENT, dtype=np.int8),
        "draft": ready < 0,
    }


# --- dependency bots ------------------------------------------------------------


def _bots(rng: np.random.Generator, org: Org) -> dict[str, np.ndarray]:
    """Dependabot and renovate PRs: early-morning, weekdays, no holidays."""
    tl = org.timeline
    repos = org.repos
    bot = repos["dependency_bot"].to_numpy()
    kind_of_repo = np.select([bot == "dependabot", bot == "renovate"], [DEPENDABOT, RENOVATE], -1)
    rate = np.select(
        [bot == "dependabot", bot == "renovate"], [BOT_RATE[DEPENDABOT], BOT_RATE[RENOVATE]], 0.0
    )
    weekdays = np.zeros((tl.n_weeks, 7))
    weekdays[:, :5] = tl.day_weights()[:, :5] > 0
    week_share = weekdays.sum(axis=1) / 5
    repo, week = expand(rng.poisson(rate[:, None] * week_share[None, :]))
    n = len(repo)
    created = sample_in_weeks(rng, tl, week, np.zeros(n), day_weights=weekdays)
    created = created - (created % US_PER_DAY) + rng.integers(3 * US_PER_HOUR, 7 * US_PER_HOUR, n)
    outcome = rng.choice(3, size=n, p=BOT_OUTCOME_P)
    end = tl.end_us
    merged = np.where(outcome == MERGED, created + lognormal_hours(rng, 30.0, 1.3, n), -1)
    closed = np.where(outcome == CLOSED, created + lognormal_hours(rng, 150.0, 0.8, n), -1)
    merged = np.where(merged >= end, -1, merged)
    closed = np.where(closed >= end, -1, closed)
    state = np.select([merged >= 0, closed >= 0], [MERGED, CLOSED], OPEN)
    review = np.maximum(merged - lognormal_hours(rng, 0.3, 1.0, n), created + US_PER_MINUTE)
    reviewed = (state == MERGED) & (rng.random(n) < 0.8)
    return {
        **_defaults(n),
        "kind": kind_of_repo[repo],
        "repo": repo,
        "author": np.full(n, -1),
        "state": state,
        "created": created,
        "ready": created,
        "merged": merged,
        "closed": closed,
        "first_commit": created - rng.integers(1, 60, n) * 1_000_000,
        "first_review": np.where(reviewed, review, -1),
        "last_review": np.where(reviewed, review, -1),
        "n_reviews": reviewed.astype(np.int64),
        "n_commits": np.ones(n, dtype=np.int64),
        "additions": rng.integers(2, 60, n),
        "deletions": rng.integers(2, 60, n),
        "changed_files": rng.integers(1, 3, n),
        "dep": rng.integers(0, len(w.DEPENDENCIES), n),
        "v_major": rng.integers(1, 9, n),
        "v_minor": rng.integers(0, 30, n),
        "v_patch": rng.integers(0, 20, n),
        "v_bump": (rng.random(n) < 0.25).astype(np.int64),  # minor bump, else patch
    }


# --- numbering ------------------------------------------------------------------


def _number(rng: np.random.Generator, org: Org, frame: pl.DataFrame) -> pl.DataFrame:
    """PR numbers per repository in creation order, with gaps for issues."""
    n_repos = org.repos.height
    first_number = rng.integers(40, 2500, n_repos)
    frame = frame.sort("repo", "created", "row")
    frame = frame.with_columns(
        pl.Series("number", 1 + rng.poisson(0.35, frame.height))
    ).with_columns(
        (
            pl.col("repo").replace_strict(np.arange(n_repos), first_number, return_dtype=pl.Int64)
            + pl.col("number").cum_sum().over("repo")
        ).alias("number")
    )
    # A revert names its original by row; merged human PRs are the first rows.
    by_row = frame["number"].to_numpy()[np.argsort(frame["row"].to_numpy())]
    orig = frame["reverts"].to_numpy()
    return frame.with_columns(
        pl.Series("reverts_number", np.where(orig >= 0, by_row[np.maximum(orig, 0)], -1)),
        pl.col("mark").cast(pl.Int8),
    )
