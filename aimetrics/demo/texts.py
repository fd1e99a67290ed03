"""PR titles, bodies, branch names and labels, as polars expressions over the PR rows."""

from __future__ import annotations

import numpy as np
import polars as pl

from aimetrics.demo import markers as mk
from aimetrics.demo import wordlists as w
from aimetrics.demo.org import AI_LABEL, Org
from aimetrics.demo.people_names import BRANCH_FIRST_NAME, BRANCH_LOGIN
from aimetrics.demo.pr_params import AGENT, DEPENDABOT, HUMAN, RENOVATE, REVERT
from aimetrics.demo.random_text import random_hex, random_token, slug

HUMAN_BRANCH_DECOYS = (
    ("docs: update copilot-instructions.md", "copilot/instructions-update"),
    ("chore: tune Copilot code review settings", "copilot/review-settings"),
)


def _words(name: str, values: tuple[str, ...]) -> pl.Expr:
    return pl.col(name).replace_strict(
        list(range(len(values))), list(values), default=None, return_dtype=pl.String
    )


def _cap(expr: pl.Expr) -> pl.Expr:
    return expr.str.slice(0, 1).str.to_uppercase() + expr.str.slice(1)


def add_texts(rng: np.random.Generator, org: Org, prs: pl.DataFrame) -> pl.DataFrame:
    """Adds title, body, head_ref, base_ref, issue, branch_decoy and the Claude model/footer."""
    n = prs.height
    people = org.people.select(
        pl.col("person").alias("author"),
        pl.col("login").alias("author_login_"),
        pl.col("first_name").str.to_lowercase().alias("first_lower"),
        "branch_style",
    )
    repos = org.repos.select(
        "repo", "repo_id", pl.col("full_name").alias("repo_full_name"), "default_branch"
    )
    deps = pl.DataFrame(
        {
            "dep": range(len(w.DEPENDENCIES)),
            "pkg": [d[0] for d in w.DEPENDENCIES],
            "eco": [d[1] for d in w.DEPENDENCIES],
        }
    )
    frame = (
        prs.join(people, on="author", how="left")
        .join(repos, on="repo", how="left")
        .join(deps, on="dep", how="left")
        .with_columns(
            pl.Series("u_body", rng.random(n)),
            pl.Series("u_branch", rng.random(n)),
            pl.Series("u_plain", rng.random(n)),
            pl.Series("summary", rng.integers(0, len(w.PR_SUMMARIES), n)),
            pl.Series("test_note", rng.integers(0, len(w.TEST_NOTES), n)),
            pl.Series("claude_model", rng.integers(0, len(mk.CLAUDE_MODELS), n)),
            pl.Series("claude_footer", rng.integers(0, len(mk.CLAUDE_FOOTERS), n)),
            pl.Series("claude_pr_footer", rng.random(n) < mk.P_CLAUDE_PR_FOOTER),
            pl.Series("token5", random_token(rng, n, 5)),
            pl.Series("hex4", random_hex(rng, n, 2)),
            pl.Series("session", random_token(rng, n, 24)),
        )
        .with_columns(
            pl.when(pl.col("kind") == AGENT)
            .then((pl.Series(rng.random(n)) * (pl.col("number") - 1)).cast(pl.Int64) + 1)
            .alias("issue"),
            pl.format("{}.{}.{}", "v_major", "v_minor", "v_patch").alias("v_old"),
            pl.when(pl.col("v_bump") == 1)
            .then(pl.format("{}.{}.0", "v_major", pl.col("v_minor") + 1))
            .otherwise(pl.format("{}.{}.{}", "v_major", "v_minor", pl.col("v_patch") + 1))
            .alias("v_new"),
        )
    )
    frame = frame.with_columns(_title().alias("title")).with_columns(
        pl.col("title").str.replace_all(r"\s+", " ")
    )
    frame = _branch_decoys(rng, org, frame)
    frame = frame.with_columns(_head_ref().alias("head_ref"))
    # Reverts: the original's title and branch.
    orig = frame.filter(pl.col("kind") == HUMAN).select(
        pl.col("row").alias("reverts"),
        pl.col("title").alias("orig_title"),
        pl.col("head_ref").alias("orig_head"),
    )
    frame = frame.join(orig, on="reverts", how="left").with_columns(
        pl.when(pl.col("kind") == REVERT)
        .then(pl.format('Revert "{}"', "orig_title"))
        .otherwise("title")
        .alias("title"),
        pl.when(pl.col("kind") == REVERT)
        .then(pl.format("revert-{}-{}", "reverts_number", "orig_head"))
        .otherwise("head_ref")
        .alias("head_ref"),
    )
    frame = frame.with_columns(
        _body().alias("body"), pl.col("default_branch").alias("base_ref")
    ).sort("repo", "number")
    return frame.drop(
        "u_body", "u_branch", "u_plain", "summary", "test_note", "token5", "hex4",
        "first_lower", "branch_style", "orig_title", "orig_head", "default_branch",
    )  # fmt: skip


def _title() -> pl.Expr:
    ctype, scope = _words("ctype", w.COMMIT_TYPES), _words("scope", w.SCOPES)
    verb, obj = _words("verb", w.VERBS), _words("obj", w.OBJECTS)
    conventional = (
        pl.when(pl.col("scope") >= 0)
        .then(pl.format("{}({}): {} {}", ctype, scope, verb, obj))
        .otherwise(pl.format("{}: {} {}", ctype, verb, obj))
    )
    plain = _cap(pl.format("{} {}", verb, obj))
    kind = pl.col("kind")
    return (
        pl.when(kind == HUMAN)
        .then(pl.when(pl.col("u_plain") < 0.1).then(plain).otherwise(conventional))
        .when(kind == AGENT)
        .then(plain)
        .when(kind == DEPENDABOT)
        .then(pl.format("Bump {} from {} to {}", "pkg", "v_old", "v_new"))
        .when(kind == RENOVATE)
        .then(pl.format("chore(deps): update dependency {} to v{}", "pkg", "v_new"))
    )


def _head_ref() -> pl.Expr:
    topic = slug(_words("obj", w.OBJECTS))
    ctype = _words("ctype", w.COMMIT_TYPES)
    kind, mark, style = pl.col("kind"), pl.col("mark"), pl.col("branch_style")
    human = (
        pl.when(pl.col("branch_decoy").is_not_null())
        .then(pl.col("branch_decoy"))
        .when(mark == mk.CLAUDE_WEB)
        .then(pl.format("claude/{}-{}", topic, "token5"))
        .when(mark == mk.CURSOR_AGENT)
        .then(pl.format("cursor/{}-{}", topic, "hex4"))
        .when(style == BRANCH_LOGIN)
        .then(pl.format("{}/{}", "author_login_", topic))
        .when(style == BRANCH_FIRST_NAME)
        .then(pl.format("{}/{}", "first_lower", topic))
        .otherwise(pl.format("{}/{}", ctype, topic))
    )
    human = (
        pl.when(pl.col("u_branch") < 0.3).then(pl.format("{}-{}", human, "number")).otherwise(human)
    )
    return (
        pl.when(kind == HUMAN)
        .then(human)
        .when(kind == AGENT)
        .then(
            pl.when(pl.col("u_branch") < 0.5)
            .then(pl.format("copilot/fix-{}", "issue"))
            .otherwise(pl.format("copilot/{}", topic))
        )
        .when(kind == DEPENDABOT)
        .then(pl.format("dependabot/{}/{}-{}", "eco", "pkg", "v_new"))
        .when(kind == RENOVATE)
        .then(pl.format("renovate/{}-{}.x", slug(pl.col("pkg")), "v_major"))
    )


def _body() -> pl.Expr:
    summary = _words("summary", w.PR_SUMMARIES)
    test = _words("test_note", w.TEST_NOTES)
    footer = _words("claude_footer", mk.CLAUDE_FOOTERS)
    kind, mark, u = pl.col("kind"), pl.col("mark"), pl.col("u_body")
    claude = (mark == mk.CLAUDE_WEB) | ((mark == mk.CLAUDE_CLI) & pl.col("claude_pr_footer"))
    human = (
        pl.when(claude)
        .then(pl.format("## Summary\n- {}\n\n## Test plan\n- [x] {}\n\n{}", summary, test, footer))
        .when(u < 0.15)
        .then(pl.lit(None, dtype=pl.String))
        .when(u < 0.5)
        .then(summary)
        .otherwise(pl.format("## Summary\n{}\n\n## Testing\n- {}", summary, test))
    )
    return (
        pl.when(kind == HUMAN)
        .then(human)
        .when(kind == AGENT)
        .then(pl.format("{}\n\nFixes #{}.", summary, "issue"))
        .when(kind == REVERT)
        .then(pl.format("Reverts {}#{}", "repo_full_name", "reverts_number"))
        .when(kind == DEPENDABOT)
        .then(
            pl.format(
                "Bumps {} from {} to {}.\n\n"
                "Dependabot will resolve any conflicts with this PR as long as you don't "
                "alter it yourself.",
                "pkg",
                "v_old",
                "v_new",
            )
        )
        .when(kind == RENOVATE)
        .then(
            pl.format(
                "This PR contains the following updates:\n\n| Package | Change |\n|---|---|\n"
                "| {} | `{}` -> `{}` |\n\n---\n\n"
                "This PR was generated by [Mend Renovate](https://mend.io/renovate/).",
                "pkg",
                "v_old",
                "v_new",
            )
        )
    )


def _branch_decoys(rng: np.random.Generator, org: Org, frame: pl.DataFrame) -> pl.DataFrame:
    """People working on the Copilot setup name their branches `copilot/...` themselves."""
    seat_week = org.people["copilot_week"].to_numpy()
    start, week_us = org.timeline.start_us, 7 * 86_400_000_000
    author = frame["author"].to_numpy()
    week = (frame["created"].to_numpy() - start) // week_us
    ok = (
        (frame["kind"].to_numpy() == HUMAN)
        & (frame["mark"].to_numpy() == mk.NONE)
        & (author >= 0)
        & (seat_week[np.maximum(author, 0)] <= week)
    )
    teams_with_copilot = int((org.teams["copilot_week"].to_numpy() < 10**6).sum())
    candidates = np.flatnonzero(ok)
    chosen = rng.choice(candidates, size=min(len(candidates), teams_with_copilot), replace=False)
    which = np.arange(len(chosen)) % len(HUMAN_BRANCH_DECOYS)
    title = np.full(frame.height, None, dtype=object)
    branch = np.full(frame.height, None, dtype=object)
    title[chosen] = [HUMAN_BRANCH_DECOYS[k][0] for k in which]
    branch[chosen] = [HUMAN_BRANCH_DECOYS[k][1] for k in which]
    decoy_title = pl.Series("decoy_title", title.tolist(), dtype=pl.String)
    return frame.with_columns(
        pl.Series("branch_decoy", branch.tolist(), dtype=pl.String),
        pl.coalesce(decoy_title, pl.col("title")).alias("title"),
    )


def labels(prs: pl.DataFrame) -> pl.DataFrame:
    """(repo_id, pr_number, label) rows: type labels, dependency labels, the AI label."""
    eco_label = {
        "npm_and_yarn": "javascript",
        "pip": "python",
        "go_modules": "go",
        "github_actions": "github_actions",
    }
    kind, ctype = pl.col("kind"), pl.col("ctype")
    feat, fix = w.COMMIT_TYPES.index("feat"), w.COMMIT_TYPES.index("fix")
    frame = prs.select(
        "repo_id",
        pl.col("number").alias("pr_number"),
        "kind",
        "mark",
        "ctype",
        "eco",
        (pl.col("number") * 2654435761 % 100).alias("h"),  # a stable pseudo-random 0..99
    )
    type_label = (
        pl.when((kind == HUMAN) & (ctype == feat) & (pl.col("h") < 35))
        .then(pl.lit("enhancement"))
        .when((kind == HUMAN) & (ctype == fix) & (pl.col("h") < 45))
        .then(pl.lit("bug"))
    )
    parts = [
        frame.select("repo_id", "pr_number", type_label.alias("label")),
        frame.filter(pl.col("mark") == mk.COPILOT_LABEL).select(
            "repo_id", "pr_number", pl.lit(AI_LABEL).alias("label")
        ),
        frame.filter(kind.is_in([DEPENDABOT, RENOVATE])).select(
            "repo_id", "pr_number", pl.lit("dependencies").alias("label")
        ),
    ]
    parts.append(
        frame.filter(kind == DEPENDABOT).select(
            "repo_id", "pr_number", pl.col("eco").replace_strict(eco_label).alias("label")
        )
    )
    return pl.concat(parts).drop_nulls("label").sort("repo_id", "pr_number", "label")
