"""Line evidence as AI tags: a change with at least one AI-written line is AI-assisted.

``commit_ai_lines`` (git-ai notes, Agent Trace records, Cursor's AI Code Tracking) says how
many lines an AI wrote. A commit whose counting source (:mod:`aimetrics.metrics.ai_lines`)
has at least one AI line gets the tag ``line-evidence.<source>``: kind ``assisted``,
confidence ``high`` (the tool recorded the lines itself), matched text "N AI lines (tool,
model)", one part per tool and model. A pull request gets the same tag from the sum over its
commits (a squash commit stands for its PR). Markers keep deciding the kind and the tool of
a change they mark (:mod:`aimetrics.tagging.classify` ranks line evidence below every
marker); line evidence adds how much, and marks a change no marker caught.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimetrics.tagging.ai_lines import COMMIT_KEY, commit_lines, counted_lines, pr_commits
from aimetrics.vocabulary import ASSISTED, LINE_EVIDENCE_RULE, LINE_SOURCES

CONFIDENCE = "high"
FIELDS = {"commit": "commit.lines", "pull_request": "pr.lines"}


@dataclass(frozen=True)
class LineRule:
    """What ``explain`` prints of a line-evidence tag, shaped like a marker rule."""

    id: str
    tool: str
    kind: str = ASSISTED
    confidence: str = CONFIDENCE
    field: str = "commit.lines"
    pattern: str = ""


def rule_id(source: str) -> str:
    return f"{LINE_EVIDENCE_RULE}{source}"


RULE_IDS = tuple(rule_id(s) for s in LINE_SOURCES)


def is_line_rule(rule: pl.Expr) -> pl.Expr:
    """True for a line-evidence tag's rule id."""
    return rule.str.starts_with(LINE_EVIDENCE_RULE)


def _part() -> pl.Expr:
    """ "N AI lines (tool, model)" of one tool and model ("(tool)" without a model)."""
    names = (
        pl.when(pl.col("model") != "")
        .then(pl.concat_str(pl.col("tool_id"), pl.lit(", "), pl.col("model")))
        .otherwise(pl.col("tool_id"))
    )
    return pl.format("{} AI lines ({})", pl.col("ai_added_lines"), names)


def _tags(rows: pl.LazyFrame, keys: list[str], entity: str) -> pl.LazyFrame:
    """One tag per entity from its counted rows (``keys``, ``source``, ``tool_id``,
    ``model``, ``ai_added_lines``): the tool with the most lines is the tag's tool."""
    per_tool = (
        rows.filter(pl.col("ai_added_lines") > 0)
        .group_by(*keys, "source", "tool_id", "model")
        .agg(pl.col("ai_added_lines").sum())
        .sort(
            *keys,
            "ai_added_lines",
            "tool_id",
            "model",
            descending=[False] * len(keys) + [True, False, False],
        )
    )
    return (
        per_tool.group_by(*keys, maintain_order=True)
        .agg(
            pl.col("source").first(),
            pl.col("tool_id").first(),
            _part().str.join("; ").alias("matched"),
        )
        .select(
            pl.lit(entity).alias("entity"),
            pl.col("repo_id").cast(pl.Int64),
            pl.col(keys[1]).cast(pl.String).alias("entity_key"),
            pl.concat_str(pl.lit(LINE_EVIDENCE_RULE), pl.col("source")).alias("rule_id"),
            "tool_id",
            pl.lit(ASSISTED).alias("kind"),
            pl.lit(FIELDS[entity]).alias("field"),
            pl.lit(CONFIDENCE).alias("confidence"),
            "matched",
        )
    )


def line_evidence_tags(lines: pl.LazyFrame, links: pl.LazyFrame, prs: pl.LazyFrame) -> pl.DataFrame:
    """The line-evidence tags of commits and pull requests (the tagger's columns, without
    ``tagged_at``).

    ``lines``: ``commit_ai_lines`` rows; ``links``: ``repo_id, pr_number, sha``; ``prs``:
    ``repo_id, number, merge_commit_sha``. A change whose evidence has no AI line gets no
    tag: "no AI line recorded" is not evidence of human work."""
    counted = counted_lines(lines)
    commits = _tags(counted, list(COMMIT_KEY), "commit")
    mapping = pr_commits(commit_lines(lines), links, prs)
    pr_rows = mapping.join(counted, on=list(COMMIT_KEY))
    pulls = _tags(pr_rows, ["repo_id", "number"], "pull_request")
    return pl.concat([commits, pulls]).collect().sort("entity", "repo_id", "entity_key")
