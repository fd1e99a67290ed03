"""Privacy: no figure about a group too small to hide the people in it.

A breakdown group (a team, a team x tool, a repository, ...) with fewer than
``privacy.min_group_size`` distinct people active in the selected period is
folded into :data:`OTHER`. When the groups folded together still have fewer
people than that, the smallest shown group is folded in as well, so that a
total minus the shown groups never isolates a small group (complementary
suppression); only when even all groups together are too small is everything
suppressed. The threshold applies to each group over the whole period: weekly
cells of a shown group are shown even when a week has fewer people.
Per-person rows exist only with ``privacy.show_individuals``. Pure functions,
used by the dashboard and the exports alike. See docs/metrics.md ("Privacy").

Without individuals, people's names and email addresses inside the text an AI
marker matched are masked (:func:`mask_personal`); the addresses the tools
themselves use (``noreply@anthropic.com``, ``...+Copilot@users.noreply.github.com``,
``cursoragent@cursor.com``, ...) stay, since they are the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import polars as pl

OTHER = "Other (small groups)"
SHOWN, FOLDED, SUPPRESSED = "shown", "folded", "suppressed"


def group_visibility(
    people: pl.LazyFrame | pl.DataFrame,
    by: Sequence[str],
    min_group_size: int,
    person: str = "person_key",
) -> pl.DataFrame:
    """How each group may be shown: one row per group of ``people``.

    ``people``: who was active in which group during the period (one row per
    person and group at least; extra rows are fine). Columns: the ``by``
    columns, ``people`` (distinct), ``status`` (``shown``, ``folded`` into
    :data:`OTHER`, or ``suppressed``) and ``shown_as`` (the label shown: the
    group's own values joined by " / ", :data:`OTHER`, or null), sorted by size.
    """
    by = list(by)
    rows = people.lazy().select(*by, person).drop_nulls(person).collect()
    sizes = (
        rows.group_by(by)
        .agg(pl.col(person).n_unique().cast(pl.Int64).alias("people"))
        .sort(["people", *by])
    )
    small = (sizes["people"] < min_group_size).to_list()
    if any(small):
        folded = sizes.filter(pl.Series(small))
        union = rows.join(folded.select(by), on=by, how="semi")[person].n_unique()
        if union < min_group_size:
            # Fold the smallest shown group too: with it, Other has enough people
            # (it alone has), and no shown group plus the total isolates a small one.
            first_shown = small.index(False) if False in small else None
            if first_shown is None:
                small = [True] * len(small)
                union = 0
            else:
                small[first_shown] = True
                union = rows.join(sizes.filter(pl.Series(small)).select(by), on=by, how="semi")[
                    person
                ].n_unique()
        other_status = FOLDED if union >= min_group_size else SUPPRESSED
    else:
        other_status = FOLDED
    label = pl.concat_str([pl.col(c).cast(pl.String) for c in by], separator=" / ")
    return sizes.with_columns(
        pl.Series("_small", small, dtype=pl.Boolean),
    ).select(
        *by,
        "people",
        pl.when(~pl.col("_small"))
        .then(pl.lit(SHOWN))
        .otherwise(pl.lit(other_status))
        .alias("status"),
        pl.when(~pl.col("_small"))
        .then(label)
        .when(pl.lit(other_status == FOLDED))
        .then(pl.lit(OTHER))
        .alias("shown_as"),
    )


def apply_visibility(
    rows: pl.LazyFrame | pl.DataFrame, visibility: pl.DataFrame, by: Sequence[str]
) -> pl.LazyFrame:
    """``rows`` with small groups relabelled :data:`OTHER` and suppressed ones dropped.

    The ``by`` columns become strings; a folded row gets :data:`OTHER` in each
    of them. A group missing from ``visibility`` (nobody active in it) counts
    as a small group: folded when Other is shown, else dropped. Re-aggregate
    afterwards (sums add up; shares and rates must be recomputed from sums).
    """
    by = list(by)
    other_shown = (visibility["status"] == FOLDED).any()
    key = visibility.select(
        *(pl.col(c).cast(pl.String) for c in by), pl.col("status").alias("_status")
    )
    status = pl.col("_status").fill_null(pl.lit(FOLDED if other_shown else SUPPRESSED))
    return (
        rows.lazy()
        .with_columns(pl.col(c).cast(pl.String) for c in by)
        .join(key.lazy(), on=by, how="left", nulls_equal=True)
        .with_columns(status.alias("_status"))
        .filter(pl.col("_status") != SUPPRESSED)
        .with_columns(
            pl.when(pl.col("_status") == SHOWN).then(pl.col(c)).otherwise(pl.lit(OTHER)).alias(c)
            for c in by
        )
        .drop("_status")
    )


def fold_small_groups(
    rows: pl.LazyFrame | pl.DataFrame,
    people: pl.LazyFrame | pl.DataFrame,
    by: Sequence[str],
    min_group_size: int,
    sums: Sequence[str],
    keys: Sequence[str] = (),
    person: str = "person_key",
) -> pl.DataFrame:
    """Additive columns ``sums`` per shown group (and extra ``keys``, e.g. ``week``).

    Rows of small groups are added into :data:`OTHER` (see :func:`group_visibility`);
    ``people`` is the distinct people of the shown group (:data:`OTHER`: of all
    groups folded into it) over the period. Sorted by ``by`` then ``keys``,
    :data:`OTHER` last.
    """
    by, keys = list(by), list(keys)
    visibility = group_visibility(people, by, min_group_size, person)
    folded = apply_visibility(rows, visibility, by)
    counts = (
        apply_visibility(people.lazy().select(*by, person), visibility, by)
        .group_by(by)
        .agg(pl.col(person).n_unique().cast(pl.Int64).alias("people"))
    )
    return (
        folded.group_by([*by, *keys])
        .agg(pl.col(c).sum() for c in sums)
        .join(counts, on=by, how="left")
        .with_columns(pl.col("people").fill_null(0))
        .sort([pl.col(by[0]) == OTHER, *by, *keys])
        .collect()
    )


def individual_rows(frame: pl.DataFrame, show_individuals: bool) -> pl.DataFrame:
    """``frame`` (rows about single people) when ``privacy.show_individuals``, else no rows.

    The schema is kept, so a page or an export can say the rows are hidden.
    """
    return frame if show_individuals else frame.clear()


# --- masking people in the text an AI marker matched ------------------------------------

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
