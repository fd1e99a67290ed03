"""Why a commit or pull request counts as AI (or not): every rule that fired, and near misses.

A near miss is a rule on a field the entity has, whose distinctive literal text
(e.g. ``noreply@anthropic.com``) appears in that field although the whole
pattern did not match: the usual answer to "why isn't this PR counted?".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa

from aimetrics.store import read_table
from aimetrics.store import schema as s
from aimetrics.tagging.ai_lines import with_precedence
from aimetrics.tagging.classify import pr_flags
from aimetrics.tagging.line_evidence import LineRule, line_evidence_tags
from aimetrics.tagging.rules import Rule, RuleSet
from aimetrics.tagging.tagger import TAG_SCHEMA, tag_frame
from aimetrics.vocabulary import CONFIDENCE_RANK

_REF = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)#(?P<number>\d+)$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")


@dataclass(frozen=True)
class Hit:
    entity: str  # commit | pull_request | review
    key: str  # sha, PR number or review id
    rule: Rule | LineRule
    matched: str


@dataclass(frozen=True)
class NearMiss:
    entity: str
    key: str
    rule: Rule
    found: str  # the literal that appeared


@dataclass
class Explanation:
    subject: str
    found: bool = True
    hits: list[Hit] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)
    verdict: str = ""
    # commit_ai_lines rows of the commits explained, every source, with ``counts`` (the
    # source that counts for its commit) and, where stored, per file (``path``).
    lines: pl.DataFrame = field(default_factory=pl.DataFrame)
    files: pl.DataFrame = field(default_factory=pl.DataFrame)  # commit_ai_line_files rows


def _literals(pattern: str) -> list[str]:
    """Distinctive literal runs of a regex (≥ 6 characters), unescaped, lower-cased."""
    text = re.sub(r"\\([.\[\]()+?*{}|^$\\/-])", r"\1", pattern)
    text = re.sub(r"\\[A-Za-z]", " ", text)
    runs = re.split(r"[\[\]()|?*+{}^$<>]", text)
    return [r.strip().lower() for r in runs if len(r.strip()) >= 6]


def _distinctive(ruleset: RuleSet) -> dict[str, list[str]]:
    """Per rule, its literals that no rule of another tool shares: text that points at
    this tool (``noreply@anthropic.com``), not boilerplate (``co-authored-by:``)."""
    by_rule = {r.id: _literals(r.pattern) for r in ruleset.rules}
    tools_of: dict[str, set[str]] = {}
    for rule in ruleset.rules:
        for lit in by_rule[rule.id]:
            tools_of.setdefault(lit, set()).add(rule.tool)
    return {
        rid: [lit for lit in lits if len(tools_of[lit]) == 1 and len(lit) >= 8]
        for rid, lits in by_rule.items()
    }


def _scan(frame: pl.DataFrame, ruleset: RuleSet, entity: str) -> tuple[list[Hit], list[NearMiss]]:
    tags = tag_frame(frame, ruleset, entity)
    fired = set(zip(tags["entity_key"], tags["rule_id"], strict=True))
    hits = [
        Hit(entity, key, ruleset.by_id(rule_id), matched)
        for key, rule_id, matched in tags.select("entity_key", "rule_id", "matched").iter_rows()
    ]
    # A tool already recognised on an entity needs no near miss of its other rules.
    tools_hit = {(h.key, h.rule.tool) for h in hits}
    literals = _distinctive(ruleset)
    misses: list[NearMiss] = []
    for row in frame.iter_rows(named=True):
        for rule in ruleset.for_entity(entity):
            value = row.get(rule.column)
            key = row["entity_key"]
            if not value or (key, rule.id) in fired or (key, rule.tool) in tools_hit:
                continue
            low = str(value).lower()
            found = next((lit for lit in literals[rule.id] if lit in low), None)
            if found:
                misses.append(NearMiss(entity, key, rule, found))
    return hits, misses


def _repo_id(engine: sa.Engine, full_name: str) -> int | None:
    repos = read_table(engine, s.repositories, where=s.repositories.c.full_name == full_name)
    return int(repos["id"][0]) if repos.height else None


def explain_commit(
    engine: sa.Engine, ruleset: RuleSet, sha: str, min_confidence: str = "medium"
) -> Explanation:
    commits = read_table(engine, s.commits, where=s.commits.c.sha.startswith(sha.lower()))
    out = Explanation(subject=f"commit {sha}")
    if commits.is_empty():
        out.found, out.verdict = False, f"no commit starting with {sha} in the store"
        return out
    frame = commits.rename({"sha": "entity_key"})
    out.hits, out.near_misses = _scan(frame, ruleset, "commit")
    out.lines, out.files = _lines(engine, commits.select("repo_id", "sha"))
    out.hits += _line_hits(out.lines, pl.DataFrame(), pl.DataFrame())
    out.verdict = _verdict(out.hits, min_confidence)
    return out


def _lines(engine: sa.Engine, commits: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The line evidence of ``commits`` (``repo_id, sha``), every source, ``counts`` marked,
    and its AI lines per file (where the source recorded files)."""

    def of(t: sa.Table) -> pl.DataFrame:
        if commits.is_empty():
            return read_table(engine, t, where=sa.false())
        where = sa.or_(
            *(
                (t.c.repo_id == repo) & t.c.sha.in_(shas)
                for repo, shas in commits.group_by("repo_id").agg("sha").iter_rows()
            )
        )
        return read_table(engine, t, where=where)

    lines = with_precedence(of(s.commit_ai_lines).lazy()).collect()
    files = of(s.commit_ai_line_files).sort("sha", "source", "path", "tool_id", "model")
    return lines.sort("sha", "source", "tool_id", "model"), files


def _line_hits(lines: pl.DataFrame, links: pl.DataFrame, prs: pl.DataFrame) -> list[Hit]:
    """The line-evidence tags of the commits (and, given links and PRs, of the PR)."""
    if lines.is_empty():
        return []
    links = links if links.width else pl.DataFrame(schema=_LINK_SCHEMA)
    prs = prs if prs.width else pl.DataFrame(schema=_PR_SCHEMA)
    tags = line_evidence_tags(lines.drop("counts").lazy(), links.lazy(), prs.lazy())
    return [
        Hit(entity, key, LineRule(rule_id, tool, field=field_), matched)
        for entity, key, rule_id, tool, field_, matched in tags.select(
            "entity", "entity_key", "rule_id", "tool_id", "field", "matched"
        ).iter_rows()
    ]


_LINK_SCHEMA = {"repo_id": pl.Int64, "pr_number": pl.Int64, "sha": pl.String}
_PR_SCHEMA = {"repo_id": pl.Int64, "number": pl.Int64, "merge_commit_sha": pl.String}


def explain_pr(
    engine: sa.Engine, ruleset: RuleSet, ref: str, min_confidence: str = "medium"
) -> Explanation:
    m = _REF.match(ref)
    assert m, "callers check the reference with parse_ref"
    out = Explanation(subject=ref)
    repo_id = _repo_id(engine, m["repo"])
    number = int(m["number"])
    if repo_id is None:
        out.found, out.verdict = False, f"no repository {m['repo']} in the store"
        return out
    pr_where = (s.pull_requests.c.repo_id == repo_id) & (s.pull_requests.c.number == number)
    prs = read_table(engine, s.pull_requests, where=pr_where)
    if prs.is_empty():
        out.found, out.verdict = False, f"no pull request {ref} in the store"
        return out
    links = read_table(
        engine,
        s.pull_request_commits,
        where=(s.pull_request_commits.c.repo_id == repo_id)
        & (s.pull_request_commits.c.pr_number == number),
    )
    shas = links["sha"].to_list()
    commits = read_table(
        engine, s.commits, where=(s.commits.c.repo_id == repo_id) & s.commits.c.sha.in_(shas)
    )
    labels = read_table(
        engine,
        s.pull_request_labels,
        where=(s.pull_request_labels.c.repo_id == repo_id)
        & (s.pull_request_labels.c.pr_number == number),
    )
    reviews = read_table(
        engine,
        s.reviews,
        where=(s.reviews.c.repo_id == repo_id) & (s.reviews.c.pr_number == number),
    )
    key = pl.lit(str(number)).alias("entity_key")
    parts = [
        _scan(prs.with_columns(key), ruleset, "pull_request"),
        _scan(labels.with_columns(key), ruleset, "pull_request"),
        _scan(commits.rename({"sha": "entity_key"}), ruleset, "commit"),
        _scan(
            reviews.with_columns(pl.col("review_id").cast(pl.String).alias("entity_key")),
            ruleset,
            "review",
        ),
    ]
    for hits, misses in parts:
        out.hits += hits
        out.near_misses += misses
    # Line evidence: the PR's commits', or its squash commit's (aimetrics.tagging.ai_lines).
    merge = prs.select("repo_id", pl.col("merge_commit_sha").alias("sha")).drop_nulls()
    evidence_of = pl.concat([links.select("repo_id", "sha"), merge]).unique()
    out.lines, out.files = _lines(engine, evidence_of)
    line_hits = _line_hits(
        out.lines, links.select("repo_id", "pr_number", "sha"),
        prs.select("repo_id", "number", "merge_commit_sha"),
    )  # fmt: skip
    # The PR's own tag sums its commits': listed once, on the PR.
    out.hits += [h for h in line_hits if h.entity == "pull_request"]
    tags = pl.DataFrame(
        [
            {
                "entity": h.entity,
                "repo_id": repo_id,
                "entity_key": h.key,
                "rule_id": h.rule.id,
                "tool_id": h.rule.tool,
                "kind": h.rule.kind,
                "field": h.rule.field,
                "confidence": h.rule.confidence,
                "matched": h.matched,
            }
            for h in out.hits
        ],
        schema=TAG_SCHEMA,
    )
    flags = pr_flags(
        prs.lazy(),
        links.lazy(),
        tags.lazy(),
        min_confidence,
        reviews=reviews.lazy(),
        bot_logins=ruleset.non_ai_bots.logins,
    ).collect()
    row = flags.row(0, named=True)
    if row["is_bot_non_ai"]:
        out.verdict = "a non-AI bot's pull request: kept out of people and AI counts"
    elif row["is_agent"]:
        out.verdict = f"AI: agent-authored ({row['ai_tool']}) at confidence ≥ {min_confidence}"
    elif row["is_ai"]:
        out.verdict = f"AI-assisted ({row['ai_tool']}) at confidence ≥ {min_confidence}"
    else:
        out.verdict = _verdict(out.hits, min_confidence)
    if row["is_ai_reviewed"]:
        out.verdict += "; reviewed by an AI bot"
    return out


def _verdict(hits: list[Hit], min_confidence: str) -> str:
    floor = CONFIDENCE_RANK[min_confidence]
    strong = [h for h in hits if CONFIDENCE_RANK[h.rule.confidence] >= floor]
    # Markers decide; line evidence decides only where no marker does.
    markers = [h for h in strong if not isinstance(h.rule, LineRule)]
    kinds = {h.rule.kind for h in markers if h.rule.kind != "reviewed"}
    tools = sorted({h.rule.tool for h in markers})
    if "authored" in kinds:
        return f"AI: authored by an agent ({', '.join(tools)}) at confidence ≥ {min_confidence}"
    if "assisted" in kinds:
        return f"AI-assisted ({', '.join(tools)}) at confidence ≥ {min_confidence}"
    by_lines = [h for h in strong if isinstance(h.rule, LineRule)]
    if by_lines:
        return f"AI-assisted by line evidence, no marker: {by_lines[0].matched}"
    weak = len(hits) - len(strong)
    return f"no marker at confidence ≥ {min_confidence}" + (
        f" ({weak} weaker tag(s) below the threshold)" if weak else ""
    )


def parse_ref(ref: str) -> str:
    """'pr' for OWNER/REPO#N, 'commit' for a (short) sha; ValueError otherwise."""
    if _REF.match(ref):
        return "pr"
    if _SHA.match(ref):
        return "commit"
    raise ValueError(f"{ref!r} is neither OWNER/REPO#NUMBER nor a commit sha")
