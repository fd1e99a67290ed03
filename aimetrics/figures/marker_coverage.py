"""The Data page's marker coverage and evidence sources, for a view (period, selection,
privacy). Definitions: :mod:`aimetrics.metrics.marker_coverage`, docs/metrics.md."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimetrics.figures.facts import Facts
from aimetrics.figures.folds import PrivacyNote
from aimetrics.figures.view import View
from aimetrics.format import format_month, format_share
from aimetrics.metrics.marker_coverage import (
    COMMITS,
    COVERAGE_SCHEMA,
    LINES,
    evidence_sources,
    marker_coverage,
    small_coverage_cells,
)
from aimetrics.metrics.period import Period
from aimetrics.vocabulary import tool_name

COVERAGE_COLUMNS = ("tool", "month", "measure", "vendor_count", "marked_count", "coverage")
CAVEAT = (
    "The vendor counts all of its users' work with the tool, in personal repositories and "
    "repositories aimetrics does not collect too, so coverage is a lower bound of how much AI "
    "work carries a marker; it can exceed 100% when markers count work the vendor did not "
    "(a trailer typed by hand, a PR the vendor dates on another day)."
)
NO_REPOSITORY = (
    "Not shown under a repository filter: the vendors' counts are per person, not per "
    "repository, so they cannot be narrowed to the selected repositories."
)
_PREFERRED = ("claude-code", "cursor")  # the tools the sentence names first


@dataclass(frozen=True)
class MarkerCoverageData:
    coverage: pl.DataFrame  # COVERAGE_SCHEMA: per tool, month and measure (people kept)
    sentence: str | None  # "Markers found N of the M commits Claude Code reports ..."
    withheld: tuple[str, ...]  # "tool · month" cells with fewer people than the minimum
    unmatched: int  # vendor users whom identity resolution matched to no one
    repository_filtered: bool  # a repository filter: no coverage (NO_REPOSITORY)
    evidence: pl.DataFrame  # EVIDENCE_SOURCES_SCHEMA: per tool, month and source
    min_group_size: int

    @property
    def privacy(self) -> PrivacyNote:
        """The withheld tool-months, as the other pages' notes say what privacy left out."""
        return PrivacyNote(self.min_group_size, hidden_cells=self.withheld)

    @property
    def export(self) -> pl.DataFrame:
        """``marker-coverage.csv``'s columns."""
        return self.coverage.select(COVERAGE_COLUMNS)


def _people_of(f: Facts, v: View) -> pl.LazyFrame | None:
    """Under a team filter, the people in a selected team on a day of the period."""
    if not v.selection.teams:
        return None
    p = v.period
    m = f.memberships.lazy()
    overlaps = (pl.col("valid_from") < pl.lit(p.end)) & (
        pl.col("valid_to").is_null() | (pl.col("valid_to") > pl.lit(p.start))
    )
    return (
        m.filter(pl.col("team").is_in(list(v.selection.teams)) & overlaps)
        .select("person_key")
        .unique()
    )


def _sentence(coverage: pl.DataFrame, period: Period) -> str | None:
    """One plain sentence on the latest month wholly in the period (else the latest):
    commits of Claude Code (else of the first tool with commit counts, else lines)."""
    whole = (pl.col("month") >= pl.lit(period.start)) & (
        pl.col("month").dt.offset_by("1mo") <= pl.lit(period.end)
    )
    rows = coverage.filter(pl.col("vendor_count") > 0).with_columns(whole.alias("_whole"))
    for measure, noun in ((COMMITS, "commits"), (LINES, "changed lines")):
        some = rows.filter(pl.col("measure") == measure)
        if some.is_empty():
            continue
        rank = pl.col("tool").replace_strict(
            list(_PREFERRED), list(range(len(_PREFERRED))), default=len(_PREFERRED)
        )
        tool = some.sort(rank, "tool")["tool"][0]
        row = some.filter(pl.col("tool") == tool).sort("_whole", "month").row(-1, named=True)
        return (
            f"Markers found {row['marked_count']:,} of the {row['vendor_count']:,} {noun} "
            f"{tool_name(tool)} reports for these people in {format_month(row['month'])} "
            f"({format_share(row['coverage'])})."
        )
    return None


def marker_coverage_data(f: Facts, v: View) -> MarkerCoverageData:
    """Marker coverage and the evidence sources of the view: the period's days, the
    selection's tools and (under a team filter) people; tool-months with fewer than
    ``privacy.min_group_size`` people withheld, small evidence groups folded."""
    period, sel = v.period, v.selection
    vendor = f.vendor_usage.lazy().filter(period.contains_day("day"))
    evidence = f.evidence.lazy().filter(period.contains_day("day"))
    people = _people_of(f, v)
    if sel.tools:
        vendor = vendor.filter(pl.col("tool_id").is_in(list(sel.tools)))
        evidence = evidence.filter(pl.col("tool_id").is_in(list(sel.tools)))
    # Vendor users no one matched (left out of the coverage), of the view's tools.
    unmatched = int(
        vendor.filter(pl.col("person_key").is_null())
        .select(pl.col("user_login").str.to_lowercase().n_unique())
        .collect()
        .item()
    )
    if people is not None:
        vendor = vendor.join(people, on="person_key", how="semi")
        evidence = evidence.join(people, on="person_key", how="semi")
    sources = evidence_sources(evidence, v.min_group_size).collect()
    if sel.repositories:
        return MarkerCoverageData(
            pl.DataFrame(schema=COVERAGE_SCHEMA),
            None,
            (),
            unmatched,
            True,
            sources,
            v.min_group_size,
        )
    prs = f.prs.lazy().filter(period.contains("created_at"))
    commits = f.marked_commits.lazy().filter(period.contains("at"))
    full = marker_coverage(vendor, commits, prs, v.tz)
    small = small_coverage_cells(full, v.min_group_size).collect()
    shown = full.join(small.lazy(), on=["tool", "month"], how="anti", maintain_order="left")
    shown = shown.collect()
    withheld = tuple(f"{tool_name(t)} · {format_month(m)}" for t, m in small.iter_rows())
    return MarkerCoverageData(
        shown, _sentence(shown, period), withheld, unmatched, False, sources, v.min_group_size
    )
