"""Commit messages: each commit's subject and body, its AI markers and decoys (with the
catalogue rules they should trigger), and the squash commits' gathered trailers. Also the
commit kinds (``part``: branch, suggestion, merge, direct push, release).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from aimetrics.demo import markers as mk
from aimetrics.demo import wordlists as w
from aimetrics.demo.org import Org
from aimetrics.demo.pr_params import AGENT, DEPENDABOT, HUMAN, RENOVATE, REVERT
from aimetrics.demo.reviews import pick_teammates

BRANCH, SUGGESTION, MERGE, DIRECT, RELEASE = 0, 1, 2, 3, 4
P_FOLLOW_UP = 0.6  # later commits of a PR with an informal subject
P_COMMIT_BODY = 0.25


def _words(name: str, values: tuple[str, ...]) -> pl.Expr:
    return pl.col(name).replace_strict(
        list(range(len(values))), list(values), default=None, return_dtype=pl.String
    )


def _draw(values: tuple[str, ...], salt: int) -> pl.Expr:
    """A word picked by the commit's random draw (different salts: independent-ish picks)."""
    return ((pl.col("subject_draw") // salt) % len(values)).replace_strict(
        list(range(len(values))), list(values), return_dtype=pl.String
    )


def commit_messages(rng: np.random.Generator, org: Org, frame: pl.DataFrame) -> pl.DataFrame:
    part, kind, j = pl.col("part"), pl.col("kind"), pl.col("j")
    mark = pl.when(part == DIRECT).then(pl.col("direct_mark")).otherwise(pl.col("mark"))
    marked = (j == 0) | (pl.col("u_marker") < mk.P_COMMIT_MARKED)
    in_pr_or_push = (part == BRANCH) | (part == DIRECT)
    claude = in_pr_or_push & (mark == mk.CLAUDE_CLI) & marked
    conventional = pl.format(
        "{}: {} {}",
        _draw(w.COMMIT_TYPES, 1),
        _draw(w.VERBS, 13),
        _draw(w.OBJECTS, 211),
    )
    scoped = pl.format(
        "{}({}): {} {}",
        _draw(("fix", "chore", "docs", "ci"), 1),
        _draw(w.SCOPES, 7),
        _draw(w.VERBS, 13),
        _draw(w.OBJECTS, 211),
    )
    plain = pl.format("{} {}", _draw(w.VERBS, 13), _draw(w.OBJECTS, 211))
    plain = plain.str.slice(0, 1).str.to_uppercase() + plain.str.slice(1)
    subject = (
        pl.when(part == RELEASE)
        .then(pl.format("chore(release): {} [skip ci]", "release"))
        .when(part == DIRECT)
        .then(scoped)
        .when(part == SUGGESTION)
        .then(pl.lit("Apply suggestions from code review"))
        .when(kind == REVERT)
        .then(pl.format('Revert "{}"', "orig_subject"))
        .when(kind == AGENT)
        .then(pl.when(j == 0).then(pl.lit("Initial plan")).otherwise(plain))
        .when(kind.is_in([DEPENDABOT, RENOVATE]))
        .then(pl.col("title"))
        .when(j == 0)
        .then(pl.col("title"))
        .when(pl.col("u_subject") < P_FOLLOW_UP)
        .then(_draw(w.FOLLOW_UPS, 1))
        .otherwise(conventional)
    )
    body = (
        pl.when(kind == REVERT)
        .then(pl.format("This reverts commit {}.", "orig_sha"))
        .when(kind == DEPENDABOT)
        .then(
            pl.format(
                "Bumps {} from {} to {}.\n\n---\nupdated-dependencies:\n- dependency-name: {}\n"
                "  dependency-version: {}\n  dependency-type: direct:production\n"
                "  update-type: version-update:semver-{}\n...",
                "pkg",
                "v_old",
                "v_new",
                "pkg",
                "v_new",
                pl.when(pl.col("v_bump") == 1).then(pl.lit("minor")).otherwise(pl.lit("patch")),
            )
        )
        .when((part == BRANCH) & (kind == HUMAN) & (pl.col("u_body") < P_COMMIT_BODY))
        .then(_draw(w.COMMIT_BODIES, 17))
    )
    footer = pl.when(claude & (pl.col("u_body") < mk.P_CLAUDE_COMMIT_FOOTER)).then(
        pl.coalesce(_words("claude_footer", mk.CLAUDE_FOOTERS), pl.lit(mk.CLAUDE_FOOTERS[0]))
    )
    # Decoys only in otherwise unmarked human PRs.
    plain_human = (part == BRANCH) & (kind == HUMAN) & (mark == mk.NONE)
    assisted_by = plain_human & (pl.col("u_decoy") < mk.P_ASSISTED_BY_HUMAN)
    pair = (
        plain_human
        & (pl.col("u_decoy") >= mk.P_ASSISTED_BY_HUMAN)
        & (pl.col("u_decoy") < mk.P_ASSISTED_BY_HUMAN + mk.P_HUMAN_CO_AUTHOR)
    )
    frame = _helpers(rng, org, frame)
    agent_logs = (kind == AGENT) & (j > 0) & pl.col("agent_logs")
    trailers = pl.concat_str(
        [
            pl.when(in_pr_or_push & (mark == mk.CURSOR_MADE_WITH) & marked).then(
                pl.lit(mk.CURSOR_MADE_WITH_TRAILER)
            ),
            pl.when((part == BRANCH) & (mark == mk.CLAUDE_WEB)).then(
                pl.lit(mk.CLAUDE_SESSION) + pl.col("session")
            ),
            pl.when(agent_logs).then(
                pl.format(mk.AGENT_LOGS.replace("{repo}", "{}"), "repo_full_name")
                + pl.col("agent_uuid")
            ),
            pl.when(assisted_by).then(
                pl.format("Assisted-by: {} <{}>", "helper_name", "helper_email")
            ),
            pl.when((part == BRANCH) & (kind == DEPENDABOT)).then(pl.lit(mk.DEPENDABOT_SIGNOFF)),
        ],
        separator="\n",
        ignore_nulls=True,
    )
    co_authors = pl.concat_str(
        [
            pl.when(claude).then(
                pl.format(
                    "Co-Authored-By: {} <noreply@anthropic.com>",
                    pl.coalesce(_words("claude_model", mk.CLAUDE_MODELS), pl.lit("Claude")),
                )
            ),
            pl.when((part == BRANCH) & (mark == mk.CURSOR_AGENT) & marked).then(
                pl.lit(mk.CURSOR_AGENT_CO_AUTHOR)
            ),
            pl.when((part == BRANCH) & (kind == AGENT)).then(
                pl.format("Co-authored-by: {} <{}>", "requester_login", "requester_email")
            ),
            pl.when(pair).then(pl.format("Co-authored-by: {} <{}>", "helper_name", "helper_email")),
            pl.when(part == SUGGESTION).then(pl.lit(mk.COPILOT_SUGGESTION_CO_AUTHOR)),
        ],
        separator="\n",
        ignore_nulls=True,
    )
    rules = pl.concat_str(
        [
            pl.when(claude).then(pl.lit("claude-code.co-author")),
            pl.when(footer.is_not_null()).then(pl.lit("claude-code.generated-footer")),
            pl.when((part == BRANCH) & (mark == mk.CLAUDE_WEB)).then(
                pl.lit("claude-code.session-trailer,claude-code.web-author")
            ),
            pl.when(in_pr_or_push & (mark == mk.CURSOR_MADE_WITH) & marked).then(
                pl.lit("cursor.made-with")
            ),
            pl.when((part == BRANCH) & (mark == mk.CURSOR_AGENT) & marked).then(
                pl.lit("cursor.agent-co-author")
            ),
            pl.when((part == BRANCH) & (kind == AGENT)).then(
                pl.lit("github-copilot.agent-author-login,github-copilot.agent-author-email")
            ),
            pl.when(agent_logs).then(pl.lit("github-copilot.agent-logs-trailer")),
            pl.when(part == SUGGESTION).then(pl.lit("github-copilot.suggestion-co-author")),
        ],
        separator=",",
        ignore_nulls=True,
    )
    decoy = (
        pl.when(assisted_by)
        .then(pl.lit("assisted-by-human"))
        .when(pair)
        .then(pl.lit("human-co-author"))
    )
    frame = frame.with_columns(
        subject.alias("subject"),
        body.alias("body"),
        footer.alias("footer"),
        trailers.alias("trailers"),
        co_authors.alias("co_authors"),
        rules.alias("rules"),
        decoy.alias("decoy"),
    ).with_columns(
        pl.concat_str(
            [
                pl.col("subject"),
                pl.when(pl.col("body").is_not_null()).then(pl.lit("\n\n") + pl.col("body")),
                pl.when(pl.col("footer").is_not_null()).then(pl.lit("\n\n") + pl.col("footer")),
                pl.when(pl.col("trailers") != "").then(pl.lit("\n\n") + pl.col("trailers")),
            ],
            ignore_nulls=True,
        ).alias("bullet"),
    )
    trailer_block = pl.concat_str(
        [
            pl.when(pl.col("trailers") != "").then(pl.col("trailers")),
            pl.when(pl.col("co_authors") != "").then(pl.col("co_authors")),
        ],
        separator="\n",
        ignore_nulls=True,
    )
    return frame.with_columns(
        pl.concat_str(
            [
                pl.col("subject"),
                pl.when(pl.col("body").is_not_null()).then(pl.lit("\n\n") + pl.col("body")),
                pl.when(pl.col("footer").is_not_null()).then(pl.lit("\n\n") + pl.col("footer")),
                pl.when(trailer_block != "").then(pl.lit("\n\n") + trailer_block),
            ],
            ignore_nulls=True,
        ).alias("message")
    )


def _helpers(rng: np.random.Generator, org: Org, frame: pl.DataFrame) -> pl.DataFrame:
    """Per commit: a teammate (for the decoy trailers) and the coding agent's requester."""
    people = org.people
    team = org.repos["team"].to_numpy()[frame["repo"].to_numpy()]
    helper = pick_teammates(rng, org, team, frame["person"].fill_null(-1).to_numpy())
    requester = np.maximum(frame["requester"].fill_null(-1).to_numpy(), 0)
    return frame.with_columns(
        pl.Series("helper_name", people["display_name"].gather(helper)),
        pl.Series("helper_email", people["corp_email"].gather(helper)),
        pl.Series("requester_login", people["login"].gather(requester)),
        pl.Series("requester_email", people["noreply_email"].gather(requester)),
    )


def squash_messages(org: Org, frame: pl.DataFrame) -> pl.DataFrame:
    """Merge commits: GitHub's squash message (bullets + gathered co-authors) or merge message."""
    in_pr = frame.filter(pl.col("part").is_in([BRANCH, SUGGESTION])).sort("p", "j")
    gathered = in_pr.group_by("p", maintain_order=True).agg(
        pl.format("* {}", "bullet").str.join("\n\n").alias("bullets"),
        pl.col("co_authors")
        .filter(pl.col("co_authors") != "")
        .str.split("\n")
        .explode()
        .str.replace(r"(?i)^co-authored-by:", "Co-authored-by:")
        .unique(maintain_order=True)
        .str.join("\n")
        .alias("gathered"),
        pl.col("rules").filter(pl.col("rules") != "").str.join(",").alias("commit_rules"),
    )
    merges = frame.filter(pl.col("part") == MERGE).join(gathered, on="p", how="left")
    agent = pl.col("kind") == AGENT
    co = pl.concat_str(
        [
            pl.when(agent).then(pl.lit(mk.COPILOT_AGENT_SQUASH_CO_AUTHOR)),
            pl.when(pl.col("gathered") != "").then(pl.col("gathered")),
        ],
        separator="\n",
        ignore_nulls=True,
    )
    squash = pl.concat_str(
        [
            pl.format("{} (#{})", "title", "pr_number"),
            pl.when(pl.col("bullets").is_not_null()).then(pl.lit("\n\n") + pl.col("bullets")),
            pl.when(co != "").then(pl.lit("\n\n---------\n\n") + co),
        ],
        ignore_nulls=True,
    )
    merge_message = pl.format(
        "Merge pull request #{} from {}/{}\n\n{}",
        "pr_number",
        pl.lit(org.name),
        "head_ref",
        "title",
    )
    # Squash commits keep every text marker of the PR's commits (not the author-based ones).
    text_rules = (
        pl.col("commit_rules")
        .fill_null("")
        .str.replace_all(r"claude-code\.web-author|github-copilot\.agent-author-\w+", "")
    )
    squash_rules = pl.concat_str(
        [
            text_rules,
            pl.when(agent).then(
                pl.lit(
                    "github-copilot.agent-author-login,github-copilot.agent-author-email,"
                    "github-copilot.agent-co-author"
                )
            ),
        ],
        separator=",",
        ignore_nulls=True,
    )
    merges = merges.with_columns(
        pl.when(pl.col("merge_commits")).then(merge_message).otherwise(squash).alias("message"),
        pl.when(pl.col("merge_commits")).then(pl.lit("")).otherwise(squash_rules).alias("rules"),
    ).drop("bullets", "gathered", "commit_rules")
    return pl.concat([frame.filter(pl.col("part") != MERGE), merges])


def normalize_rules(expr: pl.Expr) -> pl.Expr:
    """Comma lists without empties and repeats, sorted."""
    return (
        expr.str.split(",")
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.unique()
        .list.sort()
        .list.join(",")
    )
