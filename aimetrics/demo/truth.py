"""What the generator did on purpose: the injected effects, adoption, markers, decoys.

Tests and the metrics' self-check read the truth from here, never from the
store (the store holds no AI flag at all: tags come from running the rules).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from aimetrics.demo import markers as mk
from aimetrics.demo.commit_messages import MERGE, RELEASE
from aimetrics.demo.org import NEVER, ROLE_ENGINEER, Org, week_dates
from aimetrics.demo.pr_params import AGENT, DEPENDABOT, HUMAN, MERGED, RENOVATE
from aimetrics.demo.texts import HUMAN_BRANCH_DECOYS
from aimetrics.demo.throughput import Rates

MARKER_PLAN_SCHEMA = {
    "entity": pl.String(),  # pull_request | commit
    "repo_id": pl.Int64(),
    "repo": pl.String(),
    "entity_key": pl.String(),  # PR number as text, or the sha
    "pr_number": pl.Int64(),  # the PR a commit belongs to (None: pushed to the default branch)
    "tool_id": pl.String(),
    "kind": pl.String(),  # authored | assisted
    "rules": pl.List(pl.String()),  # rule ids of config/ai_rules.yaml that should fire
    "confidence": pl.String(),  # the best confidence among those rules
    "cycle_effect": pl.Boolean(),  # PR rows: cycle time multiplied by cycle_time_effect
}
DECOY_SCHEMA = {
    "entity": pl.String(),
    "repo_id": pl.Int64(),
    "repo": pl.String(),
    "entity_key": pl.String(),
    "decoy": pl.String(),
    "expected_rules": pl.List(pl.String()),  # empty: no rule may fire
    "expected_confidence": pl.String(),  # None, or the most any tag may claim (by design)
}


@dataclass(frozen=True, eq=False)
class DemoTruth:
    """The known answers for one generated demo (see docs/demo.md)."""

    seed: int
    end_date: dt.date
    scale: float
    org: str
    window_start: dt.date  # first Monday of the 12-month window
    # The typical teams' effects (the arguments); each team's own are in ``team_effects``.
    throughput_effect: float  # × merged PRs per engineer-week from the adoption date on
    cycle_time_effect: float  # × cycle time (first commit → merge) of AI-marked human PRs
    people: pl.DataFrame  # one row per person: role, teams, adoption date and tool, seats
    teams: pl.DataFrame  # rollout plan per team
    marker_plan: pl.DataFrame  # MARKER_PLAN_SCHEMA
    decoys: pl.DataFrame  # DECOY_SCHEMA
    decoy_counts: dict[str, int] = field(default_factory=dict)
    parameters: dict[str, float] = field(default_factory=dict)
    # One row per team: its adopters' injected effects and how much each weighs.
    team_effects: pl.DataFrame = field(default_factory=pl.DataFrame)

    def org_throughput_effect(self) -> float:
        """The organization's throughput effect: the teams' effects weighted by the merged PRs
        their adopters would have made after adopting without any effect (``post_prs``),
        which is what a difference-in-differences over all adopters recovers."""
        t = self.team_effects
        weight = t["post_prs"].sum()
        if not weight:
            return 1.0
        return float((t["throughput_effect"] * t["post_prs"]).sum() / weight)

    def org_cycle_time_effect(self) -> float:
        """The organization's cycle-time effect at equal PR size: the geometric mean of the
        teams' effects weighted by their AI-marked merged PRs (``marked_prs``)."""
        t = self.team_effects
        weight = t["marked_prs"].sum()
        if not weight:
            return 1.0
        return float(np.exp((t["cycle_time_effect"].log() * t["marked_prs"]).sum() / weight))

    def size_cycle_factor(self) -> float:
        """How much faster AI-marked PRs are for being smaller alone (× their lines ** the
        cycle time's elasticity to size): not an effect of the tool."""
        p = self.parameters
        return float(p["ai_pr_size_factor"] ** p["size_cycle_elasticity"])

    def expected_cycle_ratio(self) -> float:
        """What a comparison of the same engineers' AI-marked and no-marker PRs that ignores
        size finds: the cycle-time effect times the smaller PRs' speed-up."""
        return self.org_cycle_time_effect() * self.size_cycle_factor()

    @property
    def engineers(self) -> pl.DataFrame:
        """People who open PRs and count as engineers (no managers, no contractors)."""
        return self.people.filter(pl.col("role") == "engineer")

    def adoption_dates(self) -> dict[str, dt.date | None]:
        """Engineer login → adoption date (first seat), None for never-adopters."""
        e = self.engineers
        return dict(zip(e["login"].to_list(), e["adoption_date"].to_list(), strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able (dates as ISO text, frames as lists of records)."""

        def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
            out = frame.with_columns(
                pl.col(c).cast(pl.String)
                for c, t in frame.schema.items()
                if t in (pl.Date, pl.Datetime) or isinstance(t, pl.Datetime)
            )
            return out.to_dicts()

        return {
            "seed": self.seed,
            "end_date": self.end_date.isoformat(),
            "scale": self.scale,
            "org": self.org,
            "window_start": self.window_start.isoformat(),
            "throughput_effect": self.throughput_effect,
            "cycle_time_effect": self.cycle_time_effect,
            "people": records(self.people),
            "teams": records(self.teams),
            "marker_plan": records(self.marker_plan),
            "decoys": records(self.decoys),
            "decoy_counts": dict(self.decoy_counts),
            "parameters": dict(self.parameters),
            "team_effects": records(self.team_effects),
            "org_throughput_effect": self.org_throughput_effect(),
            "org_cycle_time_effect": self.org_cycle_time_effect(),
        }


COMMIT_FACTS = (
    "repo_id", "sha", "part", "p", "pr_number", "person", "merge_commits", "rules", "decoy",
    "author_name", "author_email", "committer_email",
)  # fmt: skip


def commit_facts(commits: pl.DataFrame) -> pl.DataFrame:
    """The commit columns the truth needs (never the messages: gigabytes at scale 100)."""
    return commits.select(COMMIT_FACTS)


def build_truth(
    *,
    seed: int,
    scale: float,
    throughput_effect: float,
    cycle_time_effect: float,
    org: Org,
    rates: Rates,
    prs: pl.DataFrame,
    commits: pl.DataFrame,
    parameters: dict[str, float],
) -> DemoTruth:
    tl = org.timeline
    commits = commits.join(
        org.repos.select("repo_id", pl.col("full_name").alias("repo_full_name")),
        on="repo_id",
        how="left",
    )
    return DemoTruth(
        seed=seed,
        end_date=tl.end_date,
        scale=scale,
        org=org.name,
        window_start=tl.start,
        throughput_effect=throughput_effect,
        cycle_time_effect=cycle_time_effect,
        people=_people(org, rates),
        teams=_teams(org),
        marker_plan=_marker_plan(prs, commits),
        decoys=_decoys(org, prs, commits),
        decoy_counts={
            "web-merge-committer": int((commits["committer_email"] == mk.WEB_FLOW[1]).sum()),
        },
        parameters=parameters,
        team_effects=_team_effects(org, rates, prs),
    )


def _team_effects(org: Org, rates: Rates, prs: pl.DataFrame) -> pl.DataFrame:
    """Per team: the effects injected for the adopters it seated, and their weights."""
    t, p = org.teams, org.people
    n_teams = t.height
    engineer = p["role"].to_numpy() == ROLE_ENGINEER
    effect_team = p["effect_team"].to_numpy()
    adopter = engineer & (effect_team >= 0)
    team_of = np.maximum(effect_team, 0)
    # Expected merged PRs after adoption, without the effect: the weights of the mix.
    post = (rates.rate * rates.post).sum(axis=1) / p["throughput_effect"].to_numpy()
    marked = prs.filter(pl.col("kind") == HUMAN, pl.col("state") == MERGED, pl.col("cycle_effect"))[
        "author"
    ].to_numpy()
    # The markers on its adopters' own PRs: the label, Claude Code's or Cursor's trailers,
    # or none (Copilot completions leave none); null for a team without AI seats.
    marker = []
    for row in t.iter_rows(named=True):
        kinds = [
            name
            for name, used in (
                (mk.LABEL_RULE, row["ai_label"]),
                (mk.CLAUDE_CODE, row["claude_code_week"] < NEVER),
                (mk.CURSOR, row["cursor_week"] < NEVER),
            )
            if used
        ]
        seats = min(row["copilot_week"], row["claude_code_week"], row["cursor_week"]) < NEVER
        marker.append(", ".join(kinds) or ("none" if seats else ""))
    return pl.DataFrame(
        {
            "slug": t["slug"],
            "pattern": t["pattern"],
            "effect": t["effect"],
            "engineers": np.bincount(p["team_a"].to_numpy()[engineer], minlength=n_teams),
            "adopters": np.bincount(team_of[adopter], minlength=n_teams),
            "throughput_effect": t["throughput_effect"],
            "cycle_time_effect": t["cycle_time_effect"],
            "cycle_speed": t["cycle_speed"],
            "markers": pl.Series(marker, dtype=pl.String).replace("", None),
            "post_prs": np.bincount(team_of[adopter], weights=post[adopter], minlength=n_teams),
            "marked_prs": np.bincount(team_of[marked], minlength=n_teams),
        }
    )


def _people(org: Org, rates: Rates) -> pl.DataFrame:
    tl, p = org.timeline, org.people
    slugs = org.teams["slug"].to_numpy()

    def dates(column: str) -> pl.Series:
        return pl.Series(week_dates(tl, p[column].to_numpy()), dtype=pl.Date)

    leave = p["leave_week"].to_numpy()
    move = p["move_week"].to_numpy()
    return pl.DataFrame(
        {
            "login": p["login"],
            "person_id": p["person_id"],
            "display_name": p["display_name"],
            "role": p["role"],
            "excluded": p["excluded"],
            "decoy": p["decoy"],
            "team": slugs[p["team_a"].to_numpy()],
            "moved_to": np.where(move < NEVER, slugs[p["team_b"].to_numpy()], None).tolist(),
            "moved_on": pl.Series(week_dates(tl, move), dtype=pl.Date),
            "active_from": pl.Series(week_dates(tl, p["join_week"].to_numpy()), dtype=pl.Date),
            "active_to": pl.Series(
                week_dates(tl, np.where(leave < tl.n_weeks, leave, NEVER)), dtype=pl.Date
            ),
            "declined_seats": p["declined"],
            "adoption_date": dates("adoption_week"),
            "adoption_tool": p["adoption_tool"],
            "effect_team": np.where(
                p["effect_team"].to_numpy() >= 0,
                slugs[np.maximum(p["effect_team"].to_numpy(), 0)],
                None,
            ).tolist(),
            "throughput_effect": p["throughput_effect"],
            "cycle_time_effect": p["cycle_time_effect"],
            "copilot_from": dates("copilot_week"),
            "claude_code_from": dates("claude_code_week"),
            "cursor_from": dates("cursor_week"),
            "base_rate": rates.base,
        },
        schema_overrides={"moved_to": pl.String, "effect_team": pl.String},
    )


def _teams(org: Org) -> pl.DataFrame:
    t, tl = org.teams, org.timeline

    def dates(column: str) -> pl.Series:
        return pl.Series(week_dates(tl, t[column].to_numpy()), dtype=pl.Date)

    return pl.DataFrame(
        {
            "slug": t["slug"],
            "pattern": t["pattern"],
            "copilot_from": dates("copilot_week"),
            "claude_code_from": dates("claude_code_week"),
            "cursor_from": dates("cursor_week"),
            "coding_agent_from": dates("agent_week"),
            "copilot_review_from": dates("copilot_review_week"),
            "ai_label": t["ai_label"],
            "effect": t["effect"],
            "throughput_effect": t["throughput_effect"],
            "cycle_time_effect": t["cycle_time_effect"],
            "cycle_speed": t["cycle_speed"],
        }
    )


def _tool_rows(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Explode comma-separated rules into one row per (entity, tool) with its rules."""
    tools = {r: mk.rule_tool(r) for r in mk.RULE_CONFIDENCE}
    return (
        frame.filter(pl.col("rules") != "")
        .with_columns(pl.col("rules").str.split(","))
        .explode("rules")
        .with_columns(
            pl.col("rules").replace_strict(tools).alias("tool_id"),
            pl.col("rules").replace_strict(mk.RULE_KIND).alias("rule_kind"),
            pl.col("rules").replace_strict(mk.RULE_CONFIDENCE).alias("rule_confidence"),
        )
        .group_by([*keys, "tool_id"], maintain_order=True)
        .agg(
            pl.col("rules").unique().sort(),
            pl.when((pl.col("rule_kind") == "authored").any())
            .then(pl.lit("authored"))
            .otherwise(pl.lit("assisted"))
            .alias("kind"),
            pl.col("rule_confidence")
            .replace_strict({"high": 0, "medium": 1, "low": 2})
            .min()
            .replace_strict({0: "high", 1: "medium", 2: "low"})
            .alias("confidence"),
        )
    )


def _marker_plan(prs: pl.DataFrame, commits: pl.DataFrame) -> pl.DataFrame:
    mark, kind = pl.col("mark"), pl.col("kind")
    claude_footer = (mark == mk.CLAUDE_WEB) | ((mark == mk.CLAUDE_CLI) & pl.col("claude_pr_footer"))
    pr_rules = pl.concat_str(
        [
            pl.when(kind == AGENT).then(pl.lit("github-copilot.pr-author,github-copilot.branch")),
            pl.when(claude_footer).then(pl.lit("claude-code.pr-body-footer")),
            pl.when(mark == mk.CLAUDE_WEB).then(pl.lit("claude-code.branch")),
            pl.when(mark == mk.CURSOR_AGENT).then(pl.lit("cursor.branch")),
            pl.when(mark == mk.COPILOT_LABEL).then(pl.lit(mk.LABEL_RULE)),
        ],
        separator=",",
        ignore_nulls=True,
    )
    in_pr = commits.filter(
        pl.col("rules") != "", pl.col("part") != MERGE, pl.col("pr_number").is_not_null()
    )
    commit_rules = in_pr.group_by("repo_id", "pr_number").agg(
        pl.col("rules").str.join(",").alias("commit_rules")
    )
    pr_frame = (
        prs.select(
            "repo_id",
            pl.col("repo_full_name").alias("repo"),
            pl.col("number").alias("pr_number"),
            pr_rules.alias("pr_rules"),
            ((kind == HUMAN) & (mark != mk.NONE)).alias("marked_human"),
        )
        .join(commit_rules, on=["repo_id", "pr_number"], how="left")
        .with_columns(
            pl.concat_str(["pr_rules", "commit_rules"], separator=",", ignore_nulls=True)
            .str.strip_chars(",")
            .alias("rules"),
            pl.col("pr_number").cast(pl.String).alias("entity_key"),
        )
    )
    pr_rows = _tool_rows(pr_frame, ["repo_id", "repo", "entity_key", "pr_number"])
    # The cycle-time effect belongs to the PR's own marker plan, not to an accepted
    # Copilot review suggestion that happens to sit in it.
    plan_tool = prs.select(
        "repo_id",
        pl.col("number").alias("pr_number"),
        mark.replace_strict(
            list(range(len(mk.MARK_TOOL))), list(mk.MARK_TOOL), return_dtype=pl.String
        ).alias("plan_tool"),
        ((kind == HUMAN) & (mark != mk.NONE)).alias("marked_human"),
    )
    pr_rows = pr_rows.join(plan_tool, on=["repo_id", "pr_number"], how="left").with_columns(
        (pl.col("marked_human") & (pl.col("tool_id") == pl.col("plan_tool"))).alias("cycle_effect"),
        pl.lit("pull_request").alias("entity"),
    )
    commit_rows = _tool_rows(
        commits.select(
            "repo_id", pl.col("repo_full_name").alias("repo"), "sha", "pr_number", "rules"
        ).rename({"sha": "entity_key"}),
        ["repo_id", "repo", "entity_key", "pr_number"],
    ).with_columns(
        pl.lit("commit").alias("entity"), pl.lit(None, dtype=pl.Boolean).alias("cycle_effect")
    )
    cols = list(MARKER_PLAN_SCHEMA)
    return (
        pl.concat([pr_rows.select(cols), commit_rows.select(cols)])
        .cast(MARKER_PLAN_SCHEMA)
        .sort("entity", "repo_id", "entity_key", "tool_id")
    )


def _decoys(org: Org, prs: pl.DataFrame, commits: pl.DataFrame) -> pl.DataFrame:
    people = org.people.select(
        pl.col("person").alias("author"), pl.col("decoy").alias("person_decoy")
    )
    branch_decoys = [b for _, b in HUMAN_BRANCH_DECOYS]
    p = prs.join(people, on="author", how="left")
    pr_decoy = (
        pl.when(pl.col("branch_decoy").is_in(branch_decoys))
        .then(pl.lit("human-branch-prefix"))
        .when(pl.col("person_decoy").is_in(["human-named-claude", "human-named-devin"]))
        .then(pl.col("person_decoy"))
        .when(pl.col("kind").is_in([DEPENDABOT, RENOVATE]))
        .then(pl.lit("non-ai-bot"))
    )
    expected = (
        pl.when(pl.col("head_ref").str.starts_with("copilot/"))
        .then(pl.lit(["github-copilot.branch"]))
        .when(pl.col("head_ref").str.starts_with("claude/"))
        .then(pl.lit(["claude-code.branch"]))
        .otherwise(pl.lit([], dtype=pl.List(pl.String)))
    )
    # A decoy PR that also carries a planted marker (an accepted Copilot review
    # suggestion) is a marked PR, not a decoy.
    marked_commits = commits.filter(
        pl.col("rules") != "", pl.col("part") != MERGE, pl.col("pr_number").is_not_null()
    ).select("repo_id", pl.col("pr_number").alias("number"))
    pr_rows = (
        p.filter(pl.col("mark") == mk.NONE)
        .join(marked_commits, on=["repo_id", "number"], how="anti")
        .select(
            pl.lit("pull_request").alias("entity"),
            "repo_id",
            pl.col("repo_full_name").alias("repo"),
            pl.col("number").cast(pl.String).alias("entity_key"),
            pr_decoy.alias("decoy"),
            expected.alias("expected_rules"),
        )
        .filter(pl.col("decoy").is_not_null())
    )
    # Commits: human helper trailers (and the squash commits gathering them), decoy
    # people, vendor-domain emails, non-AI bots.
    c = commits.join(people, left_on="person", right_on="author", how="left")
    squash_of_decoy = (
        c.filter(pl.col("decoy").is_not_null())
        .group_by("p")
        .agg(pl.col("decoy").first().alias("gathered_decoy"))
    )
    c = c.join(squash_of_decoy, on="p", how="left")
    vendor = pl.col("author_email").str.contains(r"@(anthropic|openai)\.com$")
    bot_authors = [mk.DEPENDABOT[0], mk.RENOVATE[0], mk.GITHUB_ACTIONS[0]]
    commit_decoy = (
        pl.when(pl.col("decoy").is_not_null())
        .then(pl.col("decoy"))
        .when(
            (pl.col("part") == MERGE)
            & ~pl.col("merge_commits")
            & pl.col("gathered_decoy").is_not_null()
        )
        .then(pl.col("gathered_decoy"))
        .when(pl.col("person_decoy").is_in(["human-named-claude", "human-named-devin"]))
        .then(pl.col("person_decoy"))
        .when(vendor)
        .then(pl.lit("vendor-domain-email"))
        .when(pl.col("author_name").is_in(bot_authors) | (pl.col("part") == RELEASE))
        .then(pl.lit("non-ai-bot"))
    )
    commit_rows = (
        c.filter(pl.col("rules") == "")
        .select(
            pl.lit("commit").alias("entity"),
            "repo_id",
            pl.col("repo_full_name").alias("repo"),
            pl.col("sha").alias("entity_key"),
            commit_decoy.alias("decoy"),
            pl.lit([], dtype=pl.List(pl.String)).alias("expected_rules"),
        )
        .filter(pl.col("decoy").is_not_null())
    )
    return (
        pl.concat([pr_rows, commit_rows])
        .with_columns(
            pl.col("expected_rules")
            .list.first()
            .replace_strict(mk.RULE_CONFIDENCE, default=None, return_dtype=pl.String)
            .alias("expected_confidence")
        )
        .cast(DECOY_SCHEMA)
        .sort("entity", "repo_id", "entity_key")
    )
