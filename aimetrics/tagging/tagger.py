"""The vectorized tagger: rules in force × stored rows → one tag per (entity, rule).

Per field, one combined pattern pre-filters the rows (a single regex pass over
the column); each rule then extracts its matched text from the few rows that
hit. No per-row Python: everything runs in polars.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from aimetrics.store import Replace, read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.tagging.line_evidence import line_evidence_tags
from aimetrics.tagging.noreply import with_noreply_logins
from aimetrics.tagging.rules import Rule, RuleSet

TAG_SCHEMA: dict[str, pl.DataType] = {
    "entity": pl.String(),
    "repo_id": pl.Int64(),
    "entity_key": pl.String(),
    "rule_id": pl.String(),
    "tool_id": pl.String(),
    "kind": pl.String(),
    "field": pl.String(),
    "confidence": pl.String(),
    "matched": pl.String(),
}


def _tag_column(frame: pl.DataFrame, column: str, rules: list[Rule], entity: str) -> pl.DataFrame:
    combined = "|".join(r.regex for r in rules)
    # Eager on purpose: the pre-filtered frame is reused by every rule on this column.
    hits = frame.filter(pl.col(column).str.contains(combined))
    if hits.is_empty():
        return pl.DataFrame(schema=TAG_SCHEMA)
    parts = [
        hits.select(
            pl.lit(entity).alias("entity"),
            pl.col("repo_id"),
            pl.col("entity_key"),
            pl.lit(rule.id).alias("rule_id"),
            pl.lit(rule.tool).alias("tool_id"),
            pl.lit(rule.kind).alias("kind"),
            pl.lit(rule.field).alias("field"),
            pl.lit(rule.confidence).alias("confidence"),
            pl.col(column).str.extract(rule.regex, 0).alias("matched"),
        ).filter(pl.col("matched").is_not_null())
        for rule in rules
    ]
    return pl.concat(parts)


def tag_frame(frame: pl.DataFrame, ruleset: RuleSet, entity: str) -> pl.DataFrame:
    """Tags for one entity's rows. ``frame`` has ``repo_id``, ``entity_key`` and the
    columns the entity's rules read (missing columns: those rules cannot fire).

    A commit without a stored login gets the one its no-reply e-mail carries, so
    login rules fire on git-collected history as on the API's (``noreply.py``)."""
    if entity == "commit":
        frame = with_noreply_logins(frame)
    by_column: dict[str, list[Rule]] = {}
    for rule in ruleset.for_entity(entity):
        if rule.column in frame.columns:
            by_column.setdefault(rule.column, []).append(rule)
    parts = [
        _tag_column(frame.select("repo_id", "entity_key", column), column, rules, entity)
        for column, rules in by_column.items()
    ]
    if not parts:
        return pl.DataFrame(schema=TAG_SCHEMA)
    # A PR with two matching labels fires a label rule twice: keep one tag per rule.
    return (
        pl.concat(parts)
        .unique(subset=["entity", "repo_id", "entity_key", "rule_id"], keep="first")
        .sort("entity", "repo_id", "entity_key", "rule_id")
    )


def compute_tags(
    ruleset: RuleSet,
    *,
    commits: pl.DataFrame,
    pull_requests: pl.DataFrame,
    labels: pl.DataFrame,
    reviews: pl.DataFrame,
) -> pl.DataFrame:
    """Every tag the rules produce over the given rows."""
    commit_rows = commits.rename({"sha": "entity_key"})
    pr_rows = pull_requests.with_columns(pl.col("number").cast(pl.String).alias("entity_key"))
    label_rows = labels.select(
        "repo_id", pl.col("pr_number").cast(pl.String).alias("entity_key"), "label"
    )
    review_rows = reviews.with_columns(pl.col("review_id").cast(pl.String).alias("entity_key"))
    return pl.concat(
        [
            tag_frame(commit_rows, ruleset, "commit"),
            tag_frame(pr_rows, ruleset, "pull_request"),
            tag_frame(label_rows, ruleset, "pull_request"),
            tag_frame(review_rows, ruleset, "review"),
        ]
    ).sort("entity", "repo_id", "entity_key", "rule_id")


_COMMIT_FIELDS = [
    "repo_id", "sha", "message", "author_name", "author_email", "author_login",
    "committer_name", "committer_email", "committer_login",
]  # fmt: skip


def tag_store(
    engine: sa.Engine, ruleset: RuleSet, *, repo_ids: list[int] | None = None
) -> dict[str, int]:
    """Re-apply the rules to everything stored (or some repositories); return tag counts.

    The previous tags of the same scope are replaced in the same transaction,
    so a reader sees the old tags or the new ones, never a mix. Nothing is fetched.
    """
    where = (lambda t: t.c.repo_id.in_(repo_ids)) if repo_ids is not None else (lambda t: None)
    tags = compute_tags(
        ruleset,
        commits=read_table(engine, s.commits, columns=_COMMIT_FIELDS, where=where(s.commits)),
        pull_requests=read_table(
            engine,
            s.pull_requests,
            columns=["repo_id", "number", "author_login", "title", "body", "head_ref"],
            where=where(s.pull_requests),
        ),
        labels=read_table(engine, s.pull_request_labels, where=where(s.pull_request_labels)),
        reviews=read_table(
            engine,
            s.reviews,
            columns=["repo_id", "review_id", "reviewer_login"],
            where=where(s.reviews),
        ),
    )
    tags = pl.concat([tags, _line_tags(engine, where)]).with_columns(
        pl.lit(dt.datetime.now(dt.UTC)).alias("tagged_at")
    )
    write_frames(engine, [(s.ai_tags, tags)], replace=[Replace(s.ai_tags, where(s.ai_tags))])
    counts = tags.group_by("entity").len().sort("entity")
    return dict(zip(counts["entity"].to_list(), counts["len"].to_list(), strict=True))


def _line_tags(engine: sa.Engine, where) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """The line-evidence tags (:mod:`aimetrics.tagging.line_evidence`) of the scope. Only
    the PR links of commits with evidence are read (the store has millions of links)."""
    lines = read_table(engine, s.commit_ai_lines, where=where(s.commit_ai_lines))
    if lines.is_empty():
        return pl.DataFrame(schema=TAG_SCHEMA)
    ev = s.commit_ai_lines.c
    link, pr = s.pull_request_commits, s.pull_requests

    def has_evidence(repo_id: sa.ColumnElement, sha: sa.ColumnElement) -> sa.ColumnElement[bool]:
        # In SQL: a list of shas would pass the backends' bound-parameter limits.
        return sa.exists().where((ev.repo_id == repo_id) & (ev.sha == sha))

    links = read_table(engine, link, where=has_evidence(link.c.repo_id, link.c.sha))
    prs = read_table(
        engine, pr, columns=["repo_id", "number", "merge_commit_sha"],
        where=has_evidence(pr.c.repo_id, pr.c.merge_commit_sha),
    )  # fmt: skip
    return line_evidence_tags(lines.lazy(), links.lazy(), prs.lazy()).cast(TAG_SCHEMA)  # type: ignore[arg-type]
