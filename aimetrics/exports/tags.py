"""The audit trail: every AI tag in the store as CSV, one row per tag.

When individuals are not shown (``privacy.show_individuals: false``), people's
names and email addresses inside the matched text are masked; the addresses
the tools themselves use (``noreply@anthropic.com``, ``...+Copilot@users.noreply
.github.com``, ``cursoragent@cursor.com``, ...) stay, since they are the evidence.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from aimetrics.store import read_table
from aimetrics.store import schema as s

EMAIL_HIDDEN = "[email hidden]"
NAME_HIDDEN = "[name hidden]"

# Addresses AI tools and bots commit as: evidence, not personal data.
_TOOL_EMAIL = (
    r"(?i)^(noreply@anthropic\.com|(noreply|codex)@openai\.com|cursoragent@cursor\.com|"
    r"openhands@all-hands\.dev|opendevin@(all-hands\.dev|opendevin\.ai)|amp@ampcode\.com|"
    r"noreply@opencode\.ai|noreply@continue\.dev|qwen-coder@alibabacloud\.com|"
    r"gemini-cli@google\.com|[^@]+@aider\.(chat|dev)|"
    r"\d+\+[^@]*(copilot|\[bot\])[^@]*@users\.noreply\.github\.com|"
    r"[^@+]+\[bot\]@users\.noreply\.github\.com)$"
)
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\[\]-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_TOOL_EMAIL_RE = re.compile(_TOOL_EMAIL)
_AIDER_SUFFIX = re.compile(r"^.*?( \(aider\))?$", re.DOTALL)
# Fields whose matched text is a person's name (aider appends " (aider)").
_NAME_FIELDS = ("commit.author_name", "commit.committer_name")

COLUMNS = [
    "entity", "repository", "sha", "number", "review_id", "tool", "kind", "rule",
    "confidence", "field", "matched",
]  # fmt: skip


def mask_text(text: str, field: str) -> str:
    """``text`` with people's emails (and, for name fields, the name) masked."""
    if field in _NAME_FIELDS:
        return _AIDER_SUFFIX.sub(lambda m: NAME_HIDDEN + (m.group(1) or ""), text)
    return _EMAIL_RE.sub(
        lambda m: m.group(0) if _TOOL_EMAIL_RE.match(m.group(0)) else EMAIL_HIDDEN, text
    )


def mask_personal(tags: pl.DataFrame) -> pl.DataFrame:
    """Mask the ``matched`` column. Matched texts repeat heavily (the same trailer on
    thousands of commits), so each distinct (text, field) is masked once."""
    distinct = tags.select("matched", "field").unique()
    masked = distinct.with_columns(
        pl.Series(
            "masked",
            [mask_text(t, f) for t, f in distinct.iter_rows()],
            dtype=pl.String,
        )
    )
    return (
        tags.join(masked, on=["matched", "field"], how="left")
        .drop("matched")
        .rename({"masked": "matched"})
    )


def tags_frame(engine: sa.Engine, *, show_individuals: bool) -> pl.DataFrame:
    tags = read_table(engine, s.ai_tags)
    repos = read_table(engine, s.repositories, columns=["id", "full_name"])
    reviews = read_table(engine, s.reviews, columns=["repo_id", "review_id", "pr_number"])
    out = (
        tags.lazy()
        .join(
            repos.lazy().rename({"id": "repo_id", "full_name": "repository"}),
            on="repo_id",
            how="left",
        )
        .with_columns(
            pl.when(pl.col("entity") == "review")
            .then(pl.col("entity_key").cast(pl.Int64, strict=False))
            .alias("review_id")
        )
        .join(reviews.lazy(), on=["repo_id", "review_id"], how="left")
        .select(
            "entity",
            "repository",
            pl.when(pl.col("entity") == "commit").then(pl.col("entity_key")).alias("sha"),
            pl.when(pl.col("entity") == "pull_request")
            .then(pl.col("entity_key").cast(pl.Int64, strict=False))
            .otherwise(pl.col("pr_number"))
            .alias("number"),
            "review_id",
            pl.col("tool_id").alias("tool"),
            "kind",
            pl.col("rule_id").alias("rule"),
            "confidence",
            "field",
            "matched",
        )
        .sort("repository", "entity", "number", "sha", "rule", nulls_last=True)
    )
    frame = out.collect()
    return frame if show_individuals else mask_personal(frame).select(frame.columns)


def export_tags(engine: sa.Engine, out: Path, *, show_individuals: bool) -> int:
    frame = tags_frame(engine, show_individuals=show_individuals)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.select(COLUMNS).write_csv(out)
    return frame.height
