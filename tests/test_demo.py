"""The demo organization: determinism, shape, rollout, real markers, decoys, truth, loading."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal

from aimetrics.demo import (
    DEFAULT_CYCLE_TIME_EFFECT,
    DEFAULT_THROUGHPUT_EFFECT,
    ORG_NAME,
    DemoOrg,
    generate,
    load,
)
from aimetrics.demo.org import PATTERNS
from aimetrics.metrics.freshness import last_collected
from aimetrics.store import schema as s
from aimetrics.store.read import read_table
from aimetrics.store.types import table_schema

END = dt.date(2025, 6, 30)
FK_ORDER = [
    "repositories", "pull_requests", "pull_request_labels", "commits", "pull_request_commits",
    "reviews", "people", "identities", "teams", "team_memberships", "ai_tools", "seat_plans",
    "seat_assignments", "cost_records", "copilot_usage", "commit_ai_lines", "vendor_usage",
]  # fmt: skip
LABEL_RULE = {
    "id": "label:ai-assisted",
    "tool": "github-copilot",
    "kind": "assisted",
    "field": "pr.label",
    "pattern": "^ai-assisted$",
    "confidence": "high",
}


@pytest.fixture(scope="module")
def org() -> DemoOrg:
    return generate(42, END, 1.0)


def _merged_human(org: DemoOrg) -> pl.DataFrame:
    return org.frame("pull_requests").filter(
        pl.col("state") == "MERGED",
        pl.col("author_type") == "User",
        ~pl.col("title").str.starts_with('Revert "'),
    )


# --- determinism and shape ----------------------------------------------------


def test_same_arguments_give_identical_frames() -> None:
    a, b = generate(3, END, 0.5), generate(3, END, 0.5)
    assert [t.name for t, _ in a.frames] == [t.name for t, _ in b.frames]
    for (_, fa), (_, fb) in zip(a.frames, b.frames, strict=True):
        assert_frame_equal(fa, fb)
    assert_frame_equal(a.truth.marker_plan, b.truth.marker_plan)
    assert_frame_equal(a.truth.decoys, b.truth.decoys)
    assert_frame_equal(a.truth.people, b.truth.people)


def test_other_seed_or_effect_gives_other_data() -> None:
    a, b = generate(3, END, 0.5), generate(4, END, 0.5)
    assert not a.frame("commits")["sha"].equals(b.frame("commits")["sha"])
    assert a.frame("pull_requests").height != b.frame("pull_requests").height
    c = generate(3, END, 0.5, throughput_effect=2.0)
    assert c.frame("pull_requests").height > a.frame("pull_requests").height


def test_frames_follow_the_schema_in_foreign_key_order(org: DemoOrg) -> None:
    assert [t.name for t, _ in org.frames] == FK_ORDER
    for table, frame in org.frames:
        assert frame.schema == pl.Schema(table_schema(table)), table.name
        assert not frame.is_empty(), table.name
        pk = [c.name for c in table.primary_key.columns]
        assert frame.select(pk).is_unique().all(), f"{table.name}: duplicate primary keys"
    names = {t.name for t, _ in org.frames}
    assert "ai_tags" not in names  # no pre-set AI flag: tags come from the rules


def test_sizes_are_those_of_the_issue(org: DemoOrg) -> None:
    assert org.frame("teams").height == 6
    assert org.frame("repositories").height == 40
    assert org.truth.engineers.height == sum(p.size for p in PATTERNS) == 76
    repos = org.frame("repositories")
    assert repos["full_name"].str.starts_with(f"{ORG_NAME}/").all()
    assert (repos["web_url"] == "https://github.com/" + repos["full_name"]).all()
    prs = org.frame("pull_requests")
    assert 8_000 <= prs.height <= 14_000
    assert set(prs["state"].unique()) == {"MERGED", "CLOSED", "OPEN"}
    assert prs["is_draft"].any()
    merged = prs.filter(pl.col("state") == "MERGED")
    months = merged["merged_at"].dt.strftime("%Y-%m").unique()
    assert months.len() in (12, 13)  # 12 months ending on END (a partial first month)
    assert merged["merged_at"].max() < dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    human = prs.filter(pl.col("author_type") == "User")
    assert human["commit_count"].min() >= 1
    assert human["commit_count"].max() <= 11  # 1-10, plus an accepted review suggestion
    assert (merged["closed_at"] == merged["merged_at"]).all()  # as GitHub reports it
    # Long tails: the 99th percentile of PR size far above the median.
    assert human["additions"].quantile(0.99) > 10 * human["additions"].median()


def test_weekends_and_late_december_are_quiet(org: DemoOrg) -> None:
    merged = _merged_human(org).with_columns(pl.col("merged_at").dt.weekday().alias("d"))
    per_day = merged.group_by("d").len().sort("d")["len"].to_list()
    assert max(per_day[5:]) < 0.2 * min(per_day[:4])
    weekly = merged.group_by(pl.col("merged_at").dt.truncate("1w").alias("w")).len()
    christmas = weekly.filter(pl.col("w") == dt.datetime(2024, 12, 23, tzinfo=dt.UTC))["len"]
    assert christmas.item() < 0.5 * weekly["len"].median()


def test_reverts_name_the_original_and_its_commit(org: DemoOrg) -> None:
    prs = org.frame("pull_requests")
    reverts = prs.filter(pl.col("title").str.starts_with('Revert "'))
    assert reverts.height > 20
    row = reverts.row(0, named=True)
    repo = org.frame("repositories").filter(pl.col("id") == row["repo_id"])["full_name"].item()
    number = int(row["body"].removeprefix(f"Reverts {repo}#"))
    original = prs.filter(pl.col("repo_id") == row["repo_id"], pl.col("number") == number)
    assert row["title"] == f'Revert "{original["title"].item()}"'
    sha = original["merge_commit_sha"].item()
    commits = org.frame("commits").filter(pl.col("repo_id") == row["repo_id"])
    assert commits["message"].str.contains(f"This reverts commit {sha}.", literal=True).any()


def test_merges_squash_or_merge_commits_by_github(org: DemoOrg) -> None:
    prs = org.frame("pull_requests").filter(pl.col("state") == "MERGED")
    merges = prs.join(
        org.frame("commits"),
        left_on=["repo_id", "merge_commit_sha"],
        right_on=["repo_id", "sha"],
        how="inner",
    )
    assert merges.height == prs.height
    assert (merges["committer_email"] == "noreply@github.com").all()
    assert merges["on_default_branch"].all()
    squash = merges.filter(pl.col("parent_count") == 1)
    assert squash.height > 0 and merges.filter(pl.col("parent_count") == 2).height > 0
    starts = pl.format("{} (#{})", "title", "number")
    assert squash.select(pl.col("message").str.starts_with(starts).all()).item()
    # Branch commits of squash-merged PRs stay off the default branch.
    links = org.frame("pull_request_commits").join(org.frame("commits"), on=["repo_id", "sha"])
    assert not links["on_default_branch"].all() and links["on_default_branch"].any()
    direct = org.frame("commits").filter(
        pl.col("on_default_branch"), pl.col("committer_email") != "noreply@github.com"
    )
    assert direct.height > 100  # direct pushes and release commits


def test_reviews_by_teammates_and_ai_bots(org: DemoOrg) -> None:
    reviews = org.frame("reviews")
    assert set(reviews["state"].unique()) == {"APPROVED", "CHANGES_REQUESTED", "COMMENTED"}
    bots = set(reviews.filter(pl.col("reviewer_type") == "Bot")["reviewer_login"].unique())
    assert bots == {"copilot-pull-request-reviewer[bot]", "coderabbitai[bot]"}
    merged = org.frame("pull_requests").filter(pl.col("state") == "MERGED")
    humans = reviews.filter(pl.col("reviewer_type") == "User")
    reviewed = merged.join(
        humans, left_on=["repo_id", "number"], right_on=["repo_id", "pr_number"], how="semi"
    )
    assert 0.7 * merged.height < reviewed.height < merged.height  # some merge unreviewed
    per_pr = humans.group_by("repo_id", "pr_number").len()["len"]
    assert per_pr.max() <= 3


def test_people_identities_memberships(org: DemoOrg) -> None:
    people = org.frame("people")
    assert people.filter(pl.col("is_bot"))["login"].to_list()
    assert people["excluded"].sum() >= 2  # contractors
    ids = org.frame("identities")
    assert set(ids["kind"].unique()) == {"login", "email", "name"}
    assert ids["value"].str.contains("users.noreply.github.com").any()
    assert (ids["value"] == ids["value"].str.to_lowercase()).all()
    members = org.frame("team_memberships")
    moved = members.group_by("person_id").len().filter(pl.col("len") > 1)
    assert moved.height >= 1
    assert members["valid_to"].is_not_null().any()


# --- the staged rollout, seats and costs ----------------------------------------


def test_rollout_is_staged_with_a_never_adopting_team(org: DemoOrg) -> None:
    truth = org.truth
    start = truth.window_start
    never = truth.teams.filter(pl.col("pattern") == "never")
    assert never.height >= 1 and never["copilot_from"].is_null().all()
    seats = org.frame("seat_assignments")
    assert seats["assigned_on"].min() >= start + dt.timedelta(days=85)  # a 3-month baseline
    copilot = seats.filter(pl.col("tool_id") == "github-copilot")
    assert copilot["assigned_on"].max() >= start + dt.timedelta(days=260)  # month 9
    assert copilot["assigned_on"].n_unique() >= 5  # team by team
    engineers = truth.engineers
    for tool in ("claude-code", "cursor"):  # one team each (its members, before or after a move)
        holders = seats.filter(pl.col("tool_id") == tool)["login"]
        rows = engineers.filter(pl.col("login").is_in(holders.implode()))
        teams = set.intersection(*({r["team"], r["moved_to"]} for r in rows.iter_rows(named=True)))
        assert len(teams - {None}) == 1, tool
    never_members = engineers.filter(
        pl.col("team").is_in(never["slug"].implode()), pl.col("moved_to").is_null()
    )
    assert never_members["adoption_date"].is_null().all()
    # Adoption date = the first seat assignment, tool = that seat's tool.
    first = seats.filter(pl.col("assigned_on") == pl.col("assigned_on").min().over("login"))
    first = first.group_by("login").agg(pl.col("assigned_on").first(), pl.col("tool_id"))
    adopted = engineers.filter(pl.col("adoption_date").is_not_null()).join(first, on="login")
    assert adopted.height == engineers["adoption_date"].is_not_null().sum()
    assert (adopted["adoption_date"] == adopted["assigned_on"]).all()
    assert adopted.select(pl.col("tool_id").list.contains(pl.col("adoption_tool")).all()).item()
    assert engineers.filter(pl.col("adoption_date").is_null()).height >= 10
    # Coding-agent PRs only from month 9.
    agent = org.frame("pull_requests").filter(pl.col("author_login") == "Copilot")
    assert agent.height > 10
    assert agent["created_at"].min().date() >= start + dt.timedelta(days=265)


def test_some_seats_are_idle(org: DemoOrg) -> None:
    seats = org.frame("seat_assignments").filter(pl.col("revoked_on").is_null())
    cutoff = dt.datetime(2025, 6, 30, tzinfo=dt.UTC) - dt.timedelta(days=30)
    idle = seats.filter(
        pl.col("last_activity_at").is_null() | (pl.col("last_activity_at") < cutoff)
    )
    assert 3 <= idle.height < seats.height / 2


def test_seat_plans_and_costs(org: DemoOrg) -> None:
    plans = org.frame("seat_plans")
    prices = dict(plans.group_by("tool_id").agg(pl.col("price_per_seat_month").first()).iter_rows())
    assert prices == {"github-copilot": 19.0, "claude-code": 150.0, "cursor": 40.0}
    copilot = plans.filter(pl.col("tool_id") == "github-copilot").sort("valid_from")
    assert copilot["seats"].first() < copilot["seats"].max()  # seats grow as teams adopt
    assert org.frame("ai_tools")["id"].sort().to_list() == [
        "claude-code",
        "cursor",
        "github-copilot",
    ]
    costs = org.frame("cost_records")
    assert set(costs["tool_id"].unique()) == {"github-copilot", "claude-code", "cursor"}
    assert costs["billed"].any() and costs["record_key"].str.starts_with("demo:").all()
    assert (costs["gross_amount"] >= costs["amount"]).all()
    assert org.frame("copilot_usage")["active_users"].max() > 0


# --- the real markers and the decoys ---------------------------------------------


def _commits_of(org: DemoOrg, plan: pl.DataFrame) -> pl.DataFrame:
    keys = plan.select("repo_id", pl.col("entity_key").cast(pl.Int64).alias("pr_number"))
    links = org.frame("pull_request_commits").join(keys, on=["repo_id", "pr_number"], how="semi")
    return links.join(org.frame("commits"), on=["repo_id", "sha"])


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("claude-code.co-author", "Co-Authored-By: Claude <noreply@anthropic.com>"),
        ("claude-code.co-author", "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>"),
        (
            "claude-code.generated-footer",
            "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
        ),
        ("cursor.agent-co-author", "Co-authored-by: Cursor Agent <cursoragent@cursor.com>"),
        ("cursor.made-with", "Made-with: Cursor"),
        (
            "github-copilot.suggestion-co-author",
            "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
        ),
        ("github-copilot.agent-logs-trailer", "Agent-Logs-Url: https://github.com/acme-demo/"),
    ],
)
def test_planted_prs_carry_the_markers_verbatim(org: DemoOrg, rule: str, text: str) -> None:
    plan = org.truth.marker_plan.filter(
        pl.col("entity") == "pull_request", pl.col("rules").list.contains(rule)
    )
    assert plan.height > 0
    messages = _commits_of(org, plan)["message"]
    assert messages.str.contains(text, literal=True).any(), text


def test_copilot_agent_prs_look_like_the_real_thing(org: DemoOrg) -> None:
    agent = org.frame("pull_requests").filter(pl.col("author_login") == "Copilot")
    assert (agent["author_type"] == "Bot").all()
    assert agent["head_ref"].str.starts_with("copilot/").all()
    commits = _commits_of(
        org, agent.select("repo_id", pl.col("number").cast(pl.String).alias("entity_key"))
    )
    assert (commits["author_email"] == "198982749+Copilot@users.noreply.github.com").all()
    assert commits["message"].str.starts_with("Initial plan").any()
    assert (
        commits["message"]
        .str.contains(r"(?m)^Co-authored-by: [\w-]+ <\d+\+[\w-]+@users\.noreply\.github\.com>$")
        .all()
    )
    squash = org.frame("commits").filter(
        pl.col("author_login") == "Copilot", pl.col("committer_email") == "noreply@github.com"
    )
    assert (
        squash["message"]
        .str.contains(
            "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
            literal=True,
        )
        .all()
    )


def test_claude_pr_bodies_labels_and_squash_trailers(org: DemoOrg) -> None:
    prs = org.frame("pull_requests")
    footer = "🤖 Generated with [Claude Code](https://claude.com/claude-code)"
    assert prs["body"].str.contains(footer, literal=True).sum() > 50
    labels = org.frame("pull_request_labels")
    assert labels.filter(pl.col("label") == "ai-assisted").height > 50
    # Squash merges gather the co-author trailers of the PR's commits (a real trap).
    squash = org.frame("commits").filter(
        pl.col("parent_count") == 1,
        pl.col("committer_email") == "noreply@github.com",
        pl.col("message").str.contains("(?m)^---------$"),
    )
    assert (
        squash["message"]
        .str.contains("(?m)^Co-authored-by: Claude[^<]*<noreply@anthropic.com>$")
        .any()
    )


def test_the_tagging_rules_find_exactly_the_planted_markers(org: DemoOrg) -> None:
    from aimetrics.tagging.rules import build_ruleset
    from aimetrics.tagging.tagger import compute_tags

    rules = build_ruleset(extra_rules=[LABEL_RULE])
    tags = compute_tags(
        rules,
        commits=org.frame("commits"),
        pull_requests=org.frame("pull_requests"),
        labels=org.frame("pull_request_labels"),
        reviews=org.frame("reviews"),
    ).filter(pl.col("kind") != "reviewed")
    truth = org.truth
    explode = {"keep_nulls": False, "empty_as_null": False}

    def rule_sets(frame: pl.DataFrame, column: str) -> pl.DataFrame:
        return frame.group_by("repo_id", "entity_key").agg(
            pl.col(column).list.explode(**explode).unique().sort().alias(column)
            if frame.schema[column] == pl.List(pl.String)
            else pl.col(column).unique().sort()
        )

    # Commits: the rules that fire are exactly those planned, nowhere else.
    found = rule_sets(tags.filter(pl.col("entity") == "commit"), "rule_id")
    planned = rule_sets(truth.marker_plan.filter(pl.col("entity") == "commit"), "rules")
    both = planned.join(found, on=["repo_id", "entity_key"], how="full", coalesce=True)
    assert both.filter(pl.col("rules") != pl.col("rule_id")).is_empty()
    assert both["rules"].null_count() == 0 and both["rule_id"].null_count() == 0

    # PRs: PR-level rules plus those of the PR's own commits, except decoy branches.
    links = org.frame("pull_request_commits").with_columns(
        pl.col("pr_number").cast(pl.String).alias("pr")
    )
    via_commits = tags.filter(pl.col("entity") == "commit").join(
        links, left_on=["repo_id", "entity_key"], right_on=["repo_id", "sha"]
    )
    pr_found = rule_sets(
        pl.concat(
            [
                tags.filter(pl.col("entity") == "pull_request").select(
                    "repo_id", "entity_key", "rule_id"
                ),
                via_commits.select("repo_id", pl.col("pr").alias("entity_key"), "rule_id"),
            ]
        ),
        "rule_id",
    )
    pr_planned = rule_sets(
        pl.concat(
            [
                truth.marker_plan.filter(pl.col("entity") == "pull_request").select(
                    "repo_id", "entity_key", "rules"
                ),
                truth.decoys.filter(
                    pl.col("entity") == "pull_request", pl.col("expected_rules").list.len() > 0
                ).select("repo_id", "entity_key", pl.col("expected_rules").alias("rules")),
            ]
        ),
        "rules",
    )
    both = pr_planned.join(pr_found, on=["repo_id", "entity_key"], how="full", coalesce=True)
    assert both.filter(pl.col("rules") != pl.col("rule_id")).is_empty()
    assert both["rules"].null_count() == 0 and both["rule_id"].null_count() == 0


def test_decoys_are_planted(org: DemoOrg) -> None:
    decoys = org.truth.decoys
    kinds = set(decoys["decoy"].unique())
    assert kinds == {
        "human-named-claude", "human-named-devin", "vendor-domain-email", "assisted-by-human",
        "human-co-author", "non-ai-bot", "human-branch-prefix",
    }  # fmt: skip
    people = org.frame("people")["display_name"]
    assert "Claude Moreau" in people and "Devin Okafor" in people
    commits = org.frame("commits")
    assert commits["author_email"].is_in(["sam@anthropic.com", "riley@openai.com"]).sum() > 10
    assert commits["message"].str.contains(r"(?m)^Assisted-by: [A-Z][a-z]+ [A-Za-z]+ <").any()
    prs = org.frame("pull_requests")
    bots = prs.filter(pl.col("author_login").is_in(["dependabot[bot]", "renovate[bot]"]))
    assert bots.height > 100 and (bots["author_type"] == "Bot").all()
    assert (commits["author_login"] == "github-actions[bot]").any()
    branch = decoys.filter(pl.col("decoy") == "human-branch-prefix")
    assert (branch["expected_confidence"] == "medium").all()
    claude_branches = decoys.filter(
        pl.col("decoy") == "human-named-claude", pl.col("entity") == "pull_request"
    )
    assert (claude_branches["expected_confidence"].drop_nulls() == "low").all()
    # Decoys and planted markers never overlap.
    plan = org.truth.marker_plan.select("entity", "repo_id", "entity_key")
    assert decoys.join(plan, on=["entity", "repo_id", "entity_key"], how="semi").is_empty()


# --- the truth: injected effects ------------------------------------------------------


def _poisson_did(org: DemoOrg, team: str | None = None) -> float:
    """exp(θ) of merged PRs ~ Poisson(person × week × exp(θ · post)), fitted by IPF.

    ``team``: the effect on the adopters that team seated; the other adopters count only
    before their adoption (not yet treated), with the non-adopters, for the weeks."""
    truth = org.truth
    eng = truth.engineers
    start, n_weeks = truth.window_start, (truth.end_date - truth.window_start).days // 7
    counts = (
        _merged_human(org)
        .with_columns(
            ((pl.col("merged_at").dt.date() - pl.lit(start)).dt.total_days() // 7).alias("w")
        )
        .filter(pl.col("w") < n_weeks)
        .group_by("author_login", "w")
        .len()
    )
    index = {login: i for i, login in enumerate(eng["login"])}
    c = np.zeros((eng.height, n_weeks))
    for login, w, n in counts.iter_rows():
        if login in index:
            c[index[login], w] = n
    weeks = np.array([start + dt.timedelta(weeks=w) for w in range(n_weeks)])
    far = dt.date(9999, 1, 1)
    adopt = np.array([d or far for d in eng["adoption_date"]])
    active_from = np.array([d or start for d in eng["active_from"]])
    active_to = np.array([d or far for d in eng["active_to"]])
    a_mask = (weeks >= active_from[:, None]) & (weeks < active_to[:, None])
    post = (weeks >= adopt[:, None]).astype(float)
    if team is not None:
        other = (eng["effect_team"] != team).fill_null(True).to_numpy()[:, None]
        a_mask &= ~(other & (post > 0))
    a_mask = a_mask.astype(float)
    a, b, theta = np.ones(eng.height), np.ones(n_weeks), 0.0
    for _ in range(200):
        e = np.exp(theta * post) * a_mask
        a = (c * a_mask).sum(1) / np.maximum((b * e).sum(1), 1e-12)
        b = (c * a_mask).sum(0) / np.maximum((a[:, None] * e).sum(0), 1e-12)
        theta = np.log((c * a_mask * post).sum() / (a[:, None] * b * a_mask * post).sum())
    return float(np.exp(theta))


def test_truth_records_the_defaults_and_is_json(org: DemoOrg) -> None:
    truth = org.truth
    assert truth.throughput_effect == DEFAULT_THROUGHPUT_EFFECT == 1.20
    assert truth.cycle_time_effect == DEFAULT_CYCLE_TIME_EFFECT == 0.80
    data = json.loads(json.dumps(truth.to_dict()))
    assert data["end_date"] == END.isoformat() and data["seed"] == 42
    assert len(data["people"]) == truth.people.height
    dates = truth.adoption_dates()
    assert len(dates) == 76 and sum(d is not None for d in dates.values()) > 30


def test_throughput_effect_is_recoverable() -> None:
    lifted_org = generate(11, END, 1.0, throughput_effect=1.6)
    lifted = _poisson_did(lifted_org)
    flat_org = generate(11, END, 1.0, throughput_effect=1.0)
    flat = _poisson_did(flat_org)
    # The organization's effect is the PR-weighted mix of its teams' (1.6 typical, 1.0 for the
    # AI-heavy team, 1.3 for Copilot completions only).
    truth = lifted_org.truth.org_throughput_effect()
    assert 1.2 < truth < 1.5
    assert abs(lifted / truth - 1.0) < 0.08
    assert flat_org.truth.org_throughput_effect() == 1.0
    assert 0.88 < flat < 1.12


def test_team_effects_are_heterogeneous_and_recoverable(org: DemoOrg) -> None:
    """The issue's teams: no effect despite heavy spend, slower AI PRs, Copilot completions
    only, one too small to show, two with 20+ adopters whose own effects can be checked."""
    teams = org.truth.team_effects
    assert teams.height == 6
    by = {row["effect"]: row for row in teams.iter_rows(named=True)}
    assert (by["none"]["throughput_effect"], by["none"]["cycle_time_effect"]) == (1.0, 1.0)
    assert by["slower-ai-prs"]["cycle_time_effect"] > 1.0 and by["slower-ai-prs"]["marked_prs"] > 0
    assert by["half"]["markers"] == "none" and by["half"]["marked_prs"] == 0
    assert 1.0 < by["half"]["throughput_effect"] < org.truth.throughput_effect
    assert teams["engineers"].min() < 5  # privacy.min_group_size (default 5)
    large = teams.filter(pl.col("adopters") >= 20)
    assert set(large["effect"]) == {"typical", "none"}
    # The AI-heavy team spends on Claude Code (team premium) and Copilot for nearly everyone.
    heavy = org.truth.engineers.filter(pl.col("team") == by["none"]["slug"])
    seated = heavy.filter(
        pl.col("claude_code_from").is_not_null(), pl.col("copilot_from").is_not_null()
    )
    assert seated.height >= 0.8 * heavy.height
    # Copilot completions only: active seats and usage rows, no marker on their PRs.
    growth = org.truth.engineers.filter(pl.col("effect_team") == by["half"]["slug"])["login"]
    usage = org.frame("copilot_usage").filter(pl.col("user_login").is_in(growth.implode()))
    assert usage["user_login"].n_unique() == growth.len() and usage["code_acceptances"].sum() > 0
    for row in large.iter_rows(named=True):
        measured = _poisson_did(org, row["slug"])
        assert abs(measured / row["throughput_effect"] - 1.0) < 0.1, (row["slug"], measured)
    # The organization's effect is the PR-weighted mix of the teams' (one seed: within 10%,
    # the seed-to-seed spread of this estimate is about 7%).
    mix = org.truth.org_throughput_effect()
    assert 1.0 < mix < org.truth.throughput_effect
    assert abs(_poisson_did(org) / mix - 1.0) < 0.1


def test_the_small_team_is_folded_with_the_comparison_team_only(org: DemoOrg) -> None:
    """Privacy folds mobile (under min_group_size) and, to hide it, the smallest team shown:
    identity (no AI), never the teams that illustrate an effect."""
    from aimetrics.metrics.privacy import group_visibility
    from aimetrics.tagging.rules import build_ruleset
    from aimetrics.tagging.tagger import compute_tags

    from samples import frames_facts

    frame = org.frame
    tags = compute_tags(
        build_ruleset(extra_rules=[LABEL_RULE]),
        commits=frame("commits"),
        pull_requests=frame("pull_requests"),
        labels=frame("pull_request_labels"),
        reviews=frame("reviews"),
    )
    _, activity, _ = frames_facts(frame, tags)
    small = org.truth.team_effects.filter(pl.col("engineers") < 5)["slug"].to_list()
    never = org.truth.team_effects.filter(pl.col("adopters") == 0)["slug"].to_list()
    for start in (org.truth.window_start, END - dt.timedelta(days=90), END - dt.timedelta(days=30)):
        active = activity.filter(pl.col("at").dt.date() >= start).explode("teams")
        shown = group_visibility(active.drop_nulls("teams"), ["teams"], 5)
        folded = shown.filter(pl.col("status") != "shown")["teams"].to_list()
        assert set(small) <= set(folded) <= set(small) | set(never), (start, shown)


def _cycle_frame(org: DemoOrg) -> pl.DataFrame:
    """Merged human PRs: log cycle time ``y``, AI-marked ``ai`` (truth), log size ``s``."""
    first = (
        org.frame("pull_request_commits")
        .join(org.frame("commits"), on=["repo_id", "sha"])
        .group_by("repo_id", "pr_number")
        .agg(pl.col("authored_at").min().alias("first_commit"))
    )
    marked = org.truth.marker_plan.filter(pl.col("cycle_effect")).select(
        "repo_id", pl.col("entity_key").cast(pl.Int64).alias("number"), pl.lit(1.0).alias("ai")
    )
    teams = org.truth.people.select(pl.col("login").alias("author_login"), "effect_team")
    return (
        _merged_human(org)
        .join(first, left_on=["repo_id", "number"], right_on=["repo_id", "pr_number"])
        .join(marked.unique(), on=["repo_id", "number"], how="left")
        .join(teams, on="author_login", how="left")
        .with_columns(
            ((pl.col("merged_at") - pl.col("first_commit")).dt.total_seconds()).log().alias("y"),
            pl.col("ai").fill_null(0.0),
            pl.col("additions").log().alias("s"),
        )
    )


def _within(prs: pl.DataFrame, *, size: bool) -> float:
    """exp of the AI coefficient of log cycle time within engineers (and log size)."""
    cols = ["ai", "s"] if size else ["ai"]
    d = prs.select(
        (pl.col(c) - pl.col(c).mean().over("author_login")) for c in ["y", *cols]
    ).to_numpy()
    beta = np.linalg.lstsq(d[:, 1:], d[:, 0], rcond=None)[0]
    return float(np.exp(beta[0]))


def test_cycle_time_effect_applies_to_marked_prs(org: DemoOrg) -> None:
    prs = _cycle_frame(org)
    assert (prs["y"] > 0).all()  # every merged PR's first commit precedes its merge
    truth = org.truth
    # AI-marked PRs are smaller than the same engineers' other PRs, and smaller PRs are
    # faster: the comparison of the same engineers mixes that in, a pooled one more so
    # (the AI-heavy team also reviews faster); with the size held equal, the injected
    # PR-weighted mix of the teams' effects comes back.
    sizes = prs.group_by("ai").agg(pl.col("s").mean()).sort("ai")["s"].to_list()
    assert abs(np.exp(sizes[1] - sizes[0]) / truth.parameters["ai_pr_size_factor"] - 1) < 0.1
    medians = prs.group_by("ai").agg(pl.col("y").median()).sort("ai")["y"].to_list()
    pooled = np.exp(medians[1] - medians[0])
    within, equal_size = _within(prs, size=False), _within(prs, size=True)
    assert abs(equal_size / truth.org_cycle_time_effect() - 1) < 0.05
    assert abs(within / truth.expected_cycle_ratio() - 1) < 0.06
    assert pooled < within < equal_size
    for row in truth.team_effects.filter(pl.col("adopters") >= 20).iter_rows(named=True):
        team = _within(prs.filter(pl.col("effect_team") == row["slug"]), size=True)
        assert abs(team / row["cycle_time_effect"] - 1) < 0.08, (row["slug"], team)


def test_end_date_defaults_to_today_and_scale_is_checked() -> None:
    tiny = generate(1, scale=0.1)
    assert tiny.truth.end_date == dt.datetime.now(dt.UTC).date()
    with pytest.raises(ValueError, match="scale"):
        generate(1, END, 0.0)


def _newest(org_or_frames: DemoOrg | list[tuple[sa.Table, pl.DataFrame]]) -> dict[str, object]:
    """The latest value of every Date and Datetime column, by ``table.column``."""
    frames = org_or_frames.frames if isinstance(org_or_frames, DemoOrg) else org_or_frames
    newest = {}
    for table, frame in frames:
        for column, dtype in frame.schema.items():
            if dtype == pl.Date or isinstance(dtype, pl.Datetime):
                value = frame[column].max()
                if value is not None:
                    newest[f"{table.name}.{column}"] = value
    return newest


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2025, 6, 30, 10, 17, 3, 123456, tzinfo=dt.UTC),  # a Monday morning
        dt.datetime(2025, 7, 4, 16, 45, tzinfo=dt.UTC),  # a Friday afternoon
        dt.datetime(2025, 7, 1, tzinfo=dt.UTC),  # midnight: the 30th is the last whole day
    ],
)
def test_built_now_nothing_is_dated_after_the_build_moment(now: dt.datetime) -> None:
    a, b = generate(3, scale=0.3, now=now), generate(3, scale=0.3, now=now)
    for (_, fa), (_, fb) in zip(a.frames, b.frames, strict=True):
        assert_frame_equal(fa, fb)  # deterministic for a given moment
    newest = _newest(a)
    for column in (
        "pull_requests.created_at", "pull_requests.merged_at", "pull_requests.closed_at",
        "pull_requests.updated_at", "commits.authored_at", "commits.committed_at",
        "reviews.submitted_at", "seat_assignments.last_activity_at", "copilot_usage.day",
    ):  # fmt: skip
        assert column in newest, column
    for column, value in newest.items():
        if isinstance(value, dt.datetime):
            assert value < now, column
        else:
            assert value <= (now - dt.timedelta(microseconds=1)).date(), column
    # The day is lived up to the moment: today's work so far is there, not later today's.
    assert a.truth.end_date == (now - dt.timedelta(microseconds=1)).date()
    day_start = dt.datetime.combine(a.truth.end_date, dt.time(), dt.UTC)
    if now > day_start + dt.timedelta(hours=12):
        created = a.frame("pull_requests")["created_at"]
        assert created.filter(created >= day_start).len() > 0


def test_with_an_end_date_the_demo_ends_at_that_days_end() -> None:
    org = generate(3, END, 0.3, now=dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC))
    newest = _newest(org)
    end = dt.datetime.combine(END + dt.timedelta(days=1), dt.time(), dt.UTC)
    assert max(v for v in newest.values() if isinstance(v, dt.datetime)) < end
    # Later on the end date than the (ignored) moment: the end date wins.
    assert newest["pull_requests.created_at"] > dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC)
    for (_, fa), (_, fb) in zip(org.frames, generate(3, END, 0.3).frames, strict=True):
        assert_frame_equal(fa, fb)


def test_loaded_without_an_end_date_last_collected_is_after_every_change(
    engine: sa.Engine,
) -> None:
    load(engine, seed=5, scale=0.2)
    loaded = [(t, read_table(engine, t)) for t in (*s.DOMAIN_TABLES, s.sync_state)]
    sync = loaded.pop()[1]
    collected = last_collected(sync.lazy()).collect().item()
    newest = _newest(loaded)
    changes = [v for v in newest.values() if isinstance(v, dt.datetime)]
    assert len(changes) > 5
    assert max(changes) < sync["started_at"].item() <= collected
    assert all(v <= collected.date() for v in newest.values() if not isinstance(v, dt.datetime))


# --- loading into the store (SQLite and PostgreSQL) ------------------------------------


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (*s.DOMAIN_TABLES, s.sync_state)
        }


def test_load_is_idempotent_and_replaces_the_previous_demo(engine: sa.Engine) -> None:
    written = load(engine, seed=5, end_date=END, scale=0.3)
    first = _counts(engine)
    assert {k: v for k, v in first.items() if k in written} == {
        k: v for k, v in written.items() if k != "sync_state"
    } | {"sync_state": 1}
    load(engine, seed=5, end_date=END, scale=0.3)
    assert _counts(engine) == first
    other = load(engine, seed=6, end_date=dt.date(2025, 3, 31), scale=0.2)
    after = _counts(engine)
    for table, rows in other.items():
        assert after[table] == rows, table  # nothing of the previous demo is left
    load(engine, seed=5, end_date=END, scale=0.3)
    assert _counts(engine) == first
    with engine.connect() as conn:
        sync = conn.execute(sa.select(s.sync_state)).mappings().one()
    assert (sync["source"], sync["scope"], sync["status"]) == ("demo", ORG_NAME, "complete")
    assert sync["finished_at"] is not None
