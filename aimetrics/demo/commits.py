"""Commits: PR branch commits, accepted review suggestions, merge/squash commits, direct pushes.

Every commit also gets ``rules``: the ids of the catalogue rules its text
should trigger (comma-separated, empty when none), so the truth can say what
the tagger must find. Squash merges gather the co-author trailers of the PR's
commits into one commit, as GitHub does, so they carry the markers too.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl

from aimetrics.demo import markers as mk
from aimetrics.demo.commit_messages import (
    BRANCH,
    DIRECT,
    MERGE,
    RELEASE,
    SUGGESTION,
    commit_messages,
    normalize_rules,
    squash_messages,
)
from aimetrics.demo.org import Org
from aimetrics.demo.pr_params import AGENT, DEPENDABOT, MERGED, RENOVATE, tool_status
from aimetrics.demo.random_text import random_hex
from aimetrics.demo.reviews import pick_teammates
from aimetrics.demo.timeline import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, sample_in_weeks

DIRECT_PUSH_RATE = 0.3  # human pushes to the default branch per repository-week
RELEASE_RATE = 0.12  # github-actions release commits per repository-week


@dataclass(frozen=True)
class Commits:
    frame: pl.DataFrame  # schema columns + repo, part, pr_number, rules, decoy
    links: pl.DataFrame  # pull_request_commits
    merge_sha: pl.DataFrame  # (repo_id, number, merge_commit_sha, commit_count)


CHUNK_ROWS = 400_000  # commits whose texts are built together (bounds peak memory)

FINAL_COLUMNS = (
    "repo_id", "sha", "author_name", "author_email", "author_login", "committer_name",
    "committer_email", "committer_login", "authored_us", "message", "additions", "deletions",
    "part", "p", "pr_number", "person", "merge_commits", "on_default_branch", "rules", "decoy",
)  # fmt: skip


def build_commits(rng: np.random.Generator, org: Org, prs: pl.DataFrame) -> Commits:
    skeleton = pl.concat(
        [
            _branch(rng, org, prs),
            _suggestions(rng, prs),
            _merges(rng, org, prs),
            _direct(rng, org),
        ],
        how="diagonal_relaxed",
    )
    n = skeleton.height
    skeleton = skeleton.with_columns(
        pl.Series("sha", random_hex(rng, n)),
        pl.Series("u_subject", rng.random(n)),
        pl.Series("u_body", rng.random(n)),
        pl.Series("u_email", rng.random(n)),
        pl.Series("u_marker", rng.random(n)),
        pl.Series("u_decoy", rng.random(n)),
        pl.Series("subject_draw", rng.integers(0, 1 << 30, n)),
    )
    pr_info = _pr_info(rng, org, prs, skeleton)
    # Texts are built a few hundred thousand commits at a time, all commits of a PR together.
    p = skeleton["p"].to_numpy()
    cum = np.cumsum(np.bincount(p[p >= 0], minlength=prs.height))
    cuts = np.searchsorted(cum, np.arange(CHUNK_ROWS, cum[-1] if len(cum) else 0, CHUNK_ROWS)) + 1
    edges = [0, *np.unique(cuts).tolist(), prs.height]
    ranges = [(lo, hi) for lo, hi in itertools.pairwise(edges) if hi > lo]
    parts = []
    for lo, hi in ranges:
        chunk = skeleton.filter(pl.col("p").is_between(lo, hi - 1))
        if chunk.height:
            parts.append(
                _finish(rng, org, chunk, pr_info.filter(pl.col("p").is_between(lo, hi - 1)))
            )
    parts.append(_finish(rng, org, skeleton.filter(pl.col("p") < 0), pr_info.clear()))
    del skeleton
    frame = pl.concat(parts, rechunk=False)
    links = frame.filter(pl.col("part").is_in([BRANCH, SUGGESTION])).select(
        "repo_id", pl.col("pr_number"), "sha"
    )
    counts = links.group_by("repo_id", "pr_number").len("commit_count")
    merge_sha = (
        frame.filter(pl.col("part") == MERGE)
        .select("repo_id", "pr_number", pl.col("sha").alias("merge_commit_sha"))
        .join(counts, on=["repo_id", "pr_number"], how="full", coalesce=True)
        .rename({"pr_number": "number"})
    )
    return Commits(frame, links, merge_sha)


def _finish(
    rng: np.random.Generator, org: Org, chunk: pl.DataFrame, pr_info: pl.DataFrame
) -> pl.DataFrame:
    repos = org.repos.select(
        pl.col("repo").alias("direct_repo"),
        pl.col("repo_id").alias("direct_repo_id"),
        pl.col("full_name").alias("direct_full_name"),
        pl.col("merge_commits").alias("direct_merge_commits"),
    )
    frame = (
        chunk.join(pr_info, on="p", how="left")
        .join(repos, on="direct_repo", how="left")
        .with_columns(
            pl.coalesce("repo", "direct_repo").alias("repo"),
            pl.coalesce("repo_id", "direct_repo_id").alias("repo_id"),
            pl.coalesce("repo_full_name", "direct_full_name").alias("repo_full_name"),
            pl.coalesce("merge_commits", "direct_merge_commits").alias("merge_commits"),
        )
    )
    frame = _who(org, frame)
    frame = commit_messages(rng, org, frame)
    frame = squash_messages(org, frame)
    part = pl.col("part")
    return frame.with_columns(
        normalize_rules(pl.col("rules")).alias("rules"),
        (
            part.is_in([MERGE, DIRECT, RELEASE])
            | (pl.col("merge_commits") & pl.col("pr_merged")).fill_null(False)
        ).alias("on_default_branch"),
    ).select(FINAL_COLUMNS)


# --- skeletons: one row per commit, no text yet -----------------------------------


def _branch(rng: np.random.Generator, org: Org, prs: pl.DataFrame) -> pl.DataFrame:
    k = prs["n_commits"].to_numpy()
    p = np.repeat(np.arange(prs.height), k)
    start = np.repeat(np.cumsum(k) - k, k)
    j = np.arange(len(p)) - start
    # Commit times: the first at the PR's first commit, the rest spread up to the anchor
    # (the last review when there were rounds of changes, else ready for review).
    gaps = rng.exponential(1.0, len(p))
    cum = np.cumsum(gaps)
    end = np.repeat(np.cumsum(k) - 1, k)
    pos = (cum - cum[start]) / (cum[end] - cum[start] + gaps[start])
    first = prs["first_commit"].to_numpy()[p]
    created, ready = prs["created"].to_numpy()[p], prs["ready"].to_numpy()[p]
    last_review, n_reviews = prs["last_review"].to_numpy()[p], prs["n_reviews"].to_numpy()[p]
    open_end = np.minimum(created + 24 * US_PER_HOUR, org.timeline.end_us - US_PER_MINUTE)
    anchor = np.where(n_reviews >= 2, last_review, np.where(ready >= 0, ready, open_end))
    anchor = np.maximum(anchor, first)
    at = first + (pos * (anchor - first)).astype(np.int64)
    at = _off_weekends(rng, at, first, anchor, j > 0)
    # PR additions/deletions shared among its commits; the agent's "Initial plan" is empty.
    weight = rng.exponential(1.0, len(p))
    kind = prs["kind"].to_numpy()[p]
    weight = np.where((kind == AGENT) & (j == 0), 0.0, weight)
    share = weight / np.maximum(np.bincount(p, weights=weight, minlength=prs.height)[p], 1e-9)
    return pl.DataFrame(
        {
            "part": np.full(len(p), BRANCH),
            "p": p,
            "j": j,
            "authored_us": at,
            "additions": np.round(prs["additions"].to_numpy()[p] * share).astype(np.int64),
            "deletions": np.round(prs["deletions"].to_numpy()[p] * share).astype(np.int64),
        }
    )


def _off_weekends(
    rng: np.random.Generator, at: np.ndarray, lo: np.ndarray, hi: np.ndarray, movable: np.ndarray
) -> np.ndarray:
    """Most weekend commits move to the Friday before (or the Monday after) within [lo, hi].

    Only later commits move: the first commit and the merge define the cycle time.
    """
    weekday = (at // US_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    back = at - (weekday - 4) * US_PER_DAY  # Friday, same time of day
    ahead = at + (7 - weekday) * US_PER_DAY  # Monday
    move = movable & (weekday >= 5) & (rng.random(len(at)) < 0.8)
    moved = np.where(back >= lo, back, np.where(ahead <= hi, ahead, at))
    return np.where(move, moved, at)


def _suggestions(rng: np.random.Generator, prs: pl.DataFrame) -> pl.DataFrame:
    at = prs["suggestion_at"].to_numpy()
    p = np.flatnonzero(at >= 0)
    return pl.DataFrame(
        {
            "part": np.full(len(p), SUGGESTION),
            "p": p,
            "j": prs["n_commits"].to_numpy()[p],
            "authored_us": at[p],
            "additions": rng.integers(1, 6, len(p)),
            "deletions": rng.integers(1, 6, len(p)),
        }
    )


def _merges(rng: np.random.Generator, org: Org, prs: pl.DataFrame) -> pl.DataFrame:
    p = np.flatnonzero(prs["state"].to_numpy() == MERGED)
    return pl.DataFrame(
        {
            "part": np.full(len(p), MERGE),
            "p": p,
            "j": np.full(len(p), -1),
            "authored_us": prs["merged"].to_numpy()[p],
            "additions": prs["additions"].to_numpy()[p],
            "deletions": prs["deletions"].to_numpy()[p],
        }
    )


def _direct(rng: np.random.Generator, org: Org) -> pl.DataFrame:
    """Pushes straight to the default branch, and github-actions release commits."""
    tl, repos = org.timeline, org.repos
    week_factor = tl.week_factors()
    n_repos = repos.height
    repo, week = _grid(rng.poisson(DIRECT_PUSH_RATE * np.outer(np.ones(n_repos), week_factor)))
    team = repos["team"].to_numpy()[repo]
    person = pick_teammates(rng, org, team, np.full(len(repo), -1))
    people = org.people
    active = (people["join_week"].to_numpy()[person] <= week) & (
        week < people["leave_week"].to_numpy()[person]
    )
    repo, week, team, person = repo[active], week[active], team[active], person[active]
    at = sample_in_weeks(rng, tl, week, org.teams["tz"].to_numpy()[team])
    status = tool_status(org, person, week)
    u = rng.random(len(repo))
    dmark = np.select(
        [
            (status == mk.STATUS_CLAUDE) & (u < mk.P_MARK_CLAUDE),
            (status == mk.STATUS_CURSOR) & (u < mk.P_MARK_CURSOR),
        ],
        [mk.CLAUDE_CLI, mk.CURSOR_MADE_WITH],
        mk.NONE,
    )
    r_repo, r_week = _grid(rng.poisson(RELEASE_RATE * np.outer(np.ones(n_repos), week_factor > 0)))
    r_at = sample_in_weeks(rng, tl, r_week, np.zeros(len(r_repo)))
    n_direct, n_release = len(repo), len(r_repo)
    return pl.DataFrame(
        {
            "part": np.concatenate([np.full(n_direct, DIRECT), np.full(n_release, RELEASE)]),
            "p": np.full(n_direct + n_release, -1),
            "j": np.zeros(n_direct + n_release, dtype=np.int64),
            "authored_us": np.concatenate([at, r_at]),
            "additions": np.concatenate(
                [
                    np.exp(rng.normal(np.log(8), 1.0, n_direct)).astype(np.int64) + 1,
                    rng.integers(3, 40, n_release),
                ]
            ),
            "deletions": np.concatenate(
                [
                    np.exp(rng.normal(np.log(3), 1.0, n_direct)).astype(np.int64),
                    rng.integers(0, 5, n_release),
                ]
            ),
            "direct_repo": np.concatenate([repo, r_repo]),
            "direct_person": np.concatenate([person, np.full(n_release, -1)]),
            "direct_mark": np.concatenate([dmark, np.zeros(n_release, dtype=np.int64)]),
            "release": np.concatenate([np.full(n_direct, ""), _release_versions(rng, n_release)]),
        }
    ).filter(pl.col("authored_us") < tl.end_us)  # built "now": later today's pushes are not yet


def _grid(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n_weeks = counts.shape[1]
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    return flat // n_weeks, flat % n_weeks


def _release_versions(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.integers([1, 0, 0], [5, 40, 12], size=(n, 3))
    return np.array([f"{a}.{b}.{c}" for a, b, c in v]) if n else np.array([], dtype=str)


# --- per-PR context each commit needs ------------------------------------------


def _pr_info(
    rng: np.random.Generator, org: Org, prs: pl.DataFrame, skeleton: pl.DataFrame
) -> pl.DataFrame:
    merge_style = org.repos["merge_commits"].to_numpy()[prs["repo"].to_numpy()]
    # One Agent-Logs-Url session per coding-agent PR (on some of them).
    hexes = random_hex(rng, prs.height, 16)
    author, requester = prs["author"].to_numpy(), prs["requester"].to_numpy()
    teammate = pick_teammates(
        rng, org, org.repos["team"].to_numpy()[prs["repo"].to_numpy()], np.full(prs.height, -1)
    )
    merger = np.where(author >= 0, author, np.where(requester >= 0, requester, teammate))
    info = prs.select(
        pl.int_range(pl.len()).alias("p"),
        "row",
        "repo",
        "repo_id",
        "repo_full_name",
        pl.col("number").alias("pr_number"),
        "kind",
        "mark",
        "author",
        "requester",
        "title",
        "head_ref",
        "claude_model",
        "claude_footer",
        "session",
        "pkg",
        "v_old",
        "v_new",
        "v_bump",
        "reverts",
        "last_review",
        pl.Series("merge_commits", merge_style),
        (pl.col("state") == MERGED).alias("pr_merged"),
        pl.Series("merger", merger),
        pl.Series("agent_logs", rng.random(prs.height) < mk.P_AGENT_LOGS),
        pl.format(
            "{}-{}-{}-{}-{}",
            *(hexes.str.slice(a, b) for a, b in ((0, 8), (8, 4), (12, 4), (16, 4), (20, 12))),
        ).alias("agent_uuid"),
    )
    # Reverted originals: their merge commit's sha and subject.
    merge = skeleton.filter(pl.col("part") == MERGE).select("p", pl.col("sha").alias("merge_sha"))
    orig = info.join(merge, on="p", how="inner").select(
        pl.col("row").alias("reverts"),
        pl.col("merge_sha").alias("orig_sha"),
        pl.when(pl.col("merge_commits"))
        .then(
            pl.format(
                "Merge pull request #{} from {}/{}", "pr_number", pl.lit(org.name), "head_ref"
            )
        )
        .otherwise(pl.format("{} (#{})", "title", "pr_number"))
        .alias("orig_subject"),
    )
    return info.join(orig, on="reverts", how="left")


# --- authors and committers ----------------------------------------------------------


def _who(org: Org, frame: pl.DataFrame) -> pl.DataFrame:
    people = org.people
    n = people.height
    names = people["display_name"]
    logins = people["login"]
    personal = people["personal_email"].fill_null(people["corp_email"])
    emails = pl.concat([people["corp_email"], people["noreply_email"], personal])
    primary = pl.Series(np.where(people["pref_noreply"].to_numpy() >= 0.5, n, 0) + np.arange(n))
    part, kind, mark = pl.col("part"), pl.col("kind"), pl.col("mark")
    frame = frame.with_columns(
        # The human behind the commit (author of the PR or of the push).
        pl.when(part >= DIRECT)
        .then(pl.col("direct_person"))
        .when((part == MERGE) & pl.col("merge_commits"))
        .then(pl.col("merger"))
        .otherwise(pl.col("author"))
        .alias("person"),
    )
    person = frame["person"].to_numpy()
    valid = person >= 0
    safe = np.where(valid, person, 0)
    u = frame["u_email"].to_numpy()
    pc, pn = people["pref_corp"].to_numpy()[safe], people["pref_noreply"].to_numpy()[safe]
    variant = np.select([u < pc, u < pc + pn], [0, 1], 2)
    is_merge = frame["part"].to_numpy() == MERGE
    email_ix = np.where(is_merge, primary.to_numpy()[safe], variant * n + safe)
    frame = frame.with_columns(
        pl.Series("h_name", names.gather(safe)).alias("h_name"),
        pl.Series("h_email", emails.gather(email_ix)),
        pl.Series("h_login", logins.gather(safe)),
        pl.Series("h_linked", is_merge | (variant < 2)),
        pl.Series("valid_person", valid),
    )
    # Squash commits: the PR author; merge commits: whoever pressed the button (the
    # requester of a coding-agent PR, a teammate for dependency bots); primary emails.
    bot = {
        "agent": (mk.COPILOT_AGENT_NAME, mk.COPILOT_AGENT_EMAIL, mk.COPILOT_AGENT_LOGIN),
        "dependabot": (mk.DEPENDABOT[0], mk.DEPENDABOT[1], mk.DEPENDABOT[0]),
        "renovate": (mk.RENOVATE[0], mk.RENOVATE[1], mk.RENOVATE[0]),
        "actions": (mk.GITHUB_ACTIONS[0], mk.GITHUB_ACTIONS[1], mk.GITHUB_ACTIONS[0]),
        "claude": (mk.CLAUDE_WEB_NAME, mk.CLAUDE_WEB_EMAIL, None),
    }
    who = (
        pl.when(part == RELEASE)
        .then(pl.lit("actions"))
        .when((part == MERGE) & pl.col("merge_commits"))
        .then(pl.lit("human"))
        .when(kind == AGENT)
        .then(pl.lit("agent"))
        .when(kind == DEPENDABOT)
        .then(pl.lit("dependabot"))
        .when(kind == RENOVATE)
        .then(pl.lit("renovate"))
        .when((part == BRANCH) & (mark == mk.CLAUDE_WEB))
        .then(pl.lit("claude"))
        .otherwise(pl.lit("human"))
    )
    frame = frame.with_columns(who.alias("who"))

    def field(i: int, human: pl.Expr) -> pl.Expr:
        expr = pl.when(pl.col("who") == "human").then(human)
        for key, values in bot.items():
            expr = expr.when(pl.col("who") == key).then(pl.lit(values[i], dtype=pl.String))
        return expr.otherwise(pl.lit(None, dtype=pl.String))

    web = (part == MERGE) | (part == SUGGESTION) | ((part == BRANCH) & (kind == DEPENDABOT))
    frame = frame.with_columns(
        field(0, pl.col("h_name")).alias("author_name"),
        field(1, pl.col("h_email")).alias("author_email"),
        field(2, pl.when(pl.col("h_linked")).then(pl.col("h_login"))).alias("author_login"),
    )
    return frame.with_columns(
        pl.when(web).then(pl.lit(mk.WEB_FLOW[0])).otherwise("author_name").alias("committer_name"),
        pl.when(web)
        .then(pl.lit(mk.WEB_FLOW[1]))
        .otherwise("author_email")
        .alias("committer_email"),
        pl.when(web)
        .then(pl.lit(mk.WEB_FLOW[2]))
        .otherwise("author_login")
        .alias("committer_login"),
    )


# --- messages --------------------------------------------------------------------------
