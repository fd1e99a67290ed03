"""The facts behind every figure, and the figures the dashboard's pages and the exports show.

Pure composition over the store reads and :mod:`aimetrics.metrics`' functions, with
no Streamlit in it, so that the dashboard (which caches these), ``aimetrics export
csv`` and ``aimetrics report`` compute the same figures with the same privacy rules:

- :func:`load_facts` reads the store once into :class:`Facts` (every PR with its
  flags, team, timeline, revert; default-branch commits; activity; seats, seat
  plans and cost records; tags);
- a :class:`View` is what the figures depend on besides the facts: the period,
  the :class:`~aimetrics.metrics.adoption.Selection` (teams, repositories, tools),
  the reporting time zone and week, and the privacy and statistics settings
  (:func:`view_of` builds it from the settings); :class:`Money` adds the
  currency, exchange rates and ROI settings (:func:`money_of`);
- :func:`overview`, :func:`spend`, :func:`measured`, :func:`roi_parts` /
  :func:`roi` and :func:`teams` give the Overview's and Cost & ROI figures;
  :func:`adoption`, :func:`delivery`, :func:`quality` and :func:`data_page` each
  page's tables, small groups folded and small cells hidden
  (:mod:`aimetrics.metrics.privacy`), with a :class:`PrivacyNote` of what was left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import polars as pl
import sqlalchemy as sa

from aimetrics.metrics.adoption import (
    NO_TEAM,
    PR_COLUMNS,
    Selection,
    adoption_cohorts,
    agent_outcomes,
    commit_facts,
    commit_shares,
    contributor_activity,
    contributor_adoption,
    memberships_by_person,
    pr_facts,
    pr_shares,
    seat_facts,
    seat_utilization,
    seats_over_time,
    select,
    select_seats,
    share_by_tool,
    teams_at,
    with_group,
)
from aimetrics.metrics.change import NOT_ENOUGH, Change, change, row_change
from aimetrics.metrics.copilot_usage import (
    BREAKDOWN_COLUMNS,
    BREAKDOWNS,
    COUNTERS,
    USER_SCOPE,
    breakdown_rows,
    daily_usage,
    usage_by,
    usage_by_user,
    usage_figures,
    usage_people,
    usage_records,
    weekly_usage,
)
from aimetrics.metrics.cost.seats import idle_seat_cost, idle_seats, read_seats
from aimetrics.metrics.delivery import (
    ai_review_ids,
    cycle_spans,
    cycle_time_summary,
    review_summary,
    throughput_by_group,
    timeline_coverage,
)
from aimetrics.metrics.freshness import last_collected
from aimetrics.metrics.overview import (
    CostInputs,
    KpiUncertainty,
    kpi_uncertainty,
    overview_figures,
    period_figures,
    rollouts,
    select_work,
    selected_spend,
    spend_by_team,
    team_map,
    weekly_trend,
)
from aimetrics.metrics.people import person_directory, resolve_commit_authors
from aimetrics.metrics.period import Period, local_date
from aimetrics.metrics.privacy import (
    OTHER,
    SHOWN,
    SUPPRESSED,
    apply_visibility,
    group_visibility,
    individual_rows,
)
from aimetrics.metrics.quality import (
    compare_rates,
    quality_summary,
    revert_links,
    reverted_prs,
    rounds_distribution,
    size_distribution,
)
from aimetrics.metrics.roi import (
    Roi,
    ai_active_users,
    assumed_roi,
    measured_roi,
    post_adoption_prs,
    rates_into,
)
from aimetrics.metrics.stats import Comparison, Estimate, compare_medians
from aimetrics.metrics.uplift import Uplift, adoption_dates, throughput_uplift
from aimetrics.settings import AiTool, RoiSettings, Settings, StatisticsSettings
from aimetrics.store import Snapshot
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from aimetrics.tagging import commit_flags, pr_flags
from aimetrics.tagging.rules import CONFIDENCE_RANK
from aimetrics.vocabulary import AI_GROUP, NO_MARKER, TIME_GROUPINGS
from aimetrics.vocabulary import COPILOT as COPILOT_TOOL


@dataclass(frozen=True)
class Facts:
    """Every frame the Adoption, Delivery, Quality and Data pages start from."""

    prs: pl.DataFrame  # pr_facts + first commit, review summary, reverted_at, cycle spans
    commits: pl.DataFrame  # commit_facts of default-branch commits: _COMMIT_FIGURE_COLUMNS
    activity: pl.DataFrame  # contributor_activity
    seats: pl.DataFrame  # seat_facts of the store's seats and the configured holders
    seat_plans: pl.DataFrame  # the store's and the configuration's (inputs.read_seats)
    cost_records: pl.DataFrame  # the store table
    directory: pl.DataFrame  # person_directory
    memberships: pl.DataFrame  # memberships_by_person
    unresolved: pl.DataFrame  # identities nothing resolved: email, name, commits
    sync_state: pl.DataFrame
    teams: pl.DataFrame  # slug, name
    repositories: tuple[str, ...]
    tools: pl.DataFrame  # id, name: every tool in the catalogue table or in a tag
    explain: ExplainInputs  # what the Data page's explain view (``tags``) is built from

    @cached_property
    def tags(self) -> pl.DataFrame:
        """Tagged changes: the explain view (matched text masked unless allowed).

        Built on first use (only the Data page and the exports show it), from rows read
        in :func:`load_facts`' snapshot, so it is as consistent as every other frame."""
        return self.explain.build(self.prs, self.directory, self.memberships)


@dataclass(frozen=True)
class ExplainInputs:
    """The store rows the explain view needs besides the facts (read in the same snapshot)."""

    tags: pl.DataFrame  # ai_tags
    commits: pl.DataFrame  # the tagged commits: repo_id, sha, author, authored/committed at
    reviews: pl.DataFrame  # repo_id, review_id, pr_number
    repositories: pl.DataFrame  # id, full_name, web_url
    min_confidence: str
    tz: str
    exclude: tuple[str, ...]
    bots: tuple[str, ...]
    show_individuals: bool

    def build(
        self, prs: pl.DataFrame, directory: pl.DataFrame, memberships: pl.DataFrame
    ) -> pl.DataFrame:
        tagged = _tagged_changes(
            self.tags.lazy(), prs.lazy(), self.commits.lazy(), self.reviews.lazy(),
            self.repositories.lazy(), directory.lazy(), memberships.lazy(), self.tz,
            self.exclude, self.bots,
        ).collect()  # fmt: skip
        if not self.show_individuals:
            from aimetrics.metrics.privacy import mask_personal

            tagged = mask_personal(tagged).select(tagged.columns)
        rank = pl.col("confidence").replace_strict(CONFIDENCE_RANK, default=0, return_dtype=pl.Int8)
        return tagged.with_columns((rank >= CONFIDENCE_RANK[self.min_confidence]).alias("counts"))


def _revert_bodies(snap: Snapshot) -> pl.DataFrame:
    """Bodies of the PRs that may be reverts (reading every body would be wasteful)."""
    pr = s.pull_requests.c
    return snap.read(
        s.pull_requests,
        columns=["repo_id", "number", "body"],
        where=sa.or_(pr.title.like("Revert%"), pr.body.like("%Reverts %")),
    )


def _revert_commits(snap: Snapshot) -> pl.DataFrame:
    c = s.commits.c
    commits = snap.read(
        s.commits,
        columns=["repo_id", "sha", "message", "authored_at", "committed_at"],
        where=sa.and_(
            c.on_default_branch.is_(True),
            sa.or_(c.message.like("Revert%"), c.message.like("%This reverts commit%")),
        ),
    )
    return commits.select(
        "repo_id", "sha", "message", pl.coalesce("committed_at", "authored_at").alias("at")
    )


# The commits' columns the facts read: commit_facts' (default branch) and the explain view's.
_COMMIT_COLUMNS = (
    "repo_id", "sha", "author_login", "author_email", "authored_at", "committed_at",
    "additions", "deletions", "on_default_branch",
)  # fmt: skip
_EXPLAIN_COMMIT_COLUMNS = _COMMIT_COLUMNS[:6]
_READ_ROWS = 250_000  # rows of commits or links in memory at once while they are read


@dataclass(frozen=True)
class _Commits:
    """What the facts keep of the store's commits (millions at 1M PRs: read once, reduced
    as they come, so they are never all in memory)."""

    branch: pl.DataFrame  # default-branch commits: _COMMIT_COLUMNS
    tagged: pl.DataFrame  # commits (any branch) with a commit tag: _EXPLAIN_COMMIT_COLUMNS
    emails: pl.DataFrame  # email (author e-mail, lower-case), commits: every commit counted


def _read_commits(snap: Snapshot, tagged_shas: pl.DataFrame) -> _Commits:
    """The store's commits reduced to :class:`_Commits` (``tagged_shas``: ``repo_id, sha``)."""
    schema = table_schema(s.commits, list(_COMMIT_COLUMNS))
    branch, tagged, emails = [], [], []
    stmt = sa.select(*(s.commits.c[c] for c in schema))
    for part in snap.batches(stmt, schema, rows=_READ_ROWS):
        branch.append(_compact(part.filter(pl.col("on_default_branch").fill_null(False))))
        tagged.append(
            _compact(
                part.join(tagged_shas, on=["repo_id", "sha"], how="semi").select(
                    _EXPLAIN_COMMIT_COLUMNS
                )
            )
        )
        emails.append(_email_counts(part))
    none = pl.DataFrame(schema=schema)
    counts = pl.concat(emails) if emails else _email_counts(none)
    return _Commits(
        branch=pl.concat(branch) if branch else none,
        tagged=pl.concat(tagged) if tagged else none.select(_EXPLAIN_COMMIT_COLUMNS),
        emails=counts.group_by("email").agg(pl.col("commits").sum()),
    )


def _compact(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` holding only its own rows' text: a filtered frame's strings still point
    into the whole part's buffers, which would then stay in memory with it (a third of the
    commits kept would hold all of them)."""
    out = pl.from_arrow(frame.to_arrow(compat_level=pl.CompatLevel.oldest()))
    assert isinstance(out, pl.DataFrame)
    return out


def _email_counts(commits: pl.DataFrame) -> pl.DataFrame:
    """``email, commits``: commits per author e-mail, lower-cased."""
    return commits.group_by(pl.col("author_email").str.to_lowercase().alias("email")).agg(
        pl.len().cast(pl.Int64).alias("commits")
    )


@dataclass(frozen=True)
class _Links:
    """What the facts need of the PRs' commit links (millions at 1M PRs, reduced as read)."""

    commits: pl.DataFrame  # per PR with links: first_commit_at (first_commits'), commits (links)
    tagged: pl.DataFrame  # the links of tagged commits: repo_id, pr_number, sha
    reverts: pl.DataFrame  # the links a revert commit may name (quality.revert_links)


def _read_links(snap: Snapshot, tagged_shas: pl.DataFrame, revert_commits: pl.DataFrame) -> _Links:
    """Every PR-commit link with its commit's authored date (one join in the database), reduced
    as it comes to :class:`_Links`. ``first_commit_at`` is :func:`first_commits`' (the
    earliest authored date of the PR's commits in the store), added up over the parts."""
    link, commit = s.pull_request_commits.c, s.commits.c
    stmt = sa.select(link.repo_id, link.pr_number, link.sha, commit.authored_at).select_from(
        s.pull_request_commits.outerjoin(
            s.commits, sa.and_(commit.repo_id == link.repo_id, commit.sha == link.sha)
        )
    )
    schema = {
        **table_schema(s.pull_request_commits, ["repo_id", "pr_number", "sha"]),
        **table_schema(s.commits, ["authored_at"]),
    }
    per_pr, tagged, reverts = [], [], []
    reverting = revert_commits.lazy()
    for part in snap.batches(stmt, schema, rows=_READ_ROWS):
        per_pr.append(_per_pr(part))
        links = part.lazy().select("repo_id", "pr_number", "sha")
        tagged.append(
            _compact(links.join(tagged_shas.lazy(), on=["repo_id", "sha"], how="semi").collect())
        )
        reverts.append(_compact(revert_links(links, reverting).collect()))
    if not per_pr:  # no links: one empty part, for the frames' columns and dtypes
        part = pl.DataFrame(schema=schema)
        per_pr, tagged, reverts = [_per_pr(part)], [part.drop("authored_at")], []
    return _Links(
        commits=pl.concat(per_pr)
        .group_by("repo_id", "number")
        .agg(pl.col("first_commit_at").min(), pl.col("commits").sum()),
        tagged=pl.concat(tagged),
        reverts=pl.concat([tagged[0].clear(), *reverts]),
    )


def _per_pr(links: pl.DataFrame) -> pl.DataFrame:
    """Per PR: ``first_commit_at`` (earliest ``authored_at``), ``commits`` (links)."""
    return links.group_by("repo_id", pl.col("pr_number").alias("number")).agg(
        pl.col("authored_at").min().alias("first_commit_at"),
        pl.len().cast(pl.Int64).alias("commits"),
    )


def _tagged_changes(
    tags: pl.LazyFrame,
    prs: pl.LazyFrame,
    commits: pl.LazyFrame,
    reviews: pl.LazyFrame,
    repositories: pl.LazyFrame,
    directory: pl.LazyFrame,
    memberships: pl.LazyFrame,
    tz: str,
    exclude: tuple[str, ...],
    bots: tuple[str, ...],
) -> pl.LazyFrame:
    """One row per AI tag with what it tagged: repository, PR, link, time, teams."""
    repos = repositories.select(
        pl.col("id").alias("repo_id"),
        pl.col("full_name").alias("repository"),
        pl.col("web_url").str.strip_chars_end("/").alias("web_url"),
    )
    review_prs = reviews.select(
        "repo_id", pl.col("review_id").cast(pl.String).alias("_review"), "pr_number"
    )
    tagged = (
        tags.join(repos, on="repo_id", how="left")
        .with_columns(
            pl.when(pl.col("entity") == "review").then(pl.col("entity_key")).alias("_review")
        )
        .join(review_prs, on=["repo_id", "_review"], how="left")
        .with_columns(
            pl.when(pl.col("entity") == "pull_request")
            .then(pl.col("entity_key").cast(pl.Int64, strict=False))
            .otherwise(pl.col("pr_number").cast(pl.Int64))
            .alias("number"),
            pl.when(pl.col("entity") == "commit").then(pl.col("entity_key")).alias("sha"),
        )
    )
    pr_side = prs.select(
        "repo_id", "number", pl.coalesce("merged_at", "created_at").alias("_pr_at"),
        pl.col("teams").alias("_pr_teams"),
    )  # fmt: skip
    tagged_shas = tagged.filter(pl.col("entity") == "commit").select("repo_id", "sha").unique()
    commit_side = teams_at(
        resolve_commit_authors(
            commits.join(tagged_shas, on=["repo_id", "sha"]).select(
                "repo_id", "sha", "author_login", "author_email", "authored_at", "committed_at"
            ),
            directory,
            exclude,
            bots,
        ).with_columns(pl.coalesce("committed_at", "authored_at").alias("_c_at")),
        memberships,
        "author_key",
        local_date("_c_at", tz),
    ).select("repo_id", "sha", "_c_at", pl.col("teams").alias("_c_teams"))
    return (
        tagged.join(pr_side, on=["repo_id", "number"], how="left")
        .join(commit_side, on=["repo_id", "sha"], how="left")
        .select(
            pl.coalesce("_c_at", "_pr_at").alias("at"),
            "repository",
            "entity",
            pl.col("entity_key").alias("key"),
            "number",
            pl.when(pl.col("entity") == "commit")
            .then(pl.format("{}/commit/{}", "web_url", "sha"))
            .otherwise(pl.format("{}/pull/{}", "web_url", "number"))
            .alias("url"),
            pl.col("tool_id").alias("tool"),
            "kind",
            pl.col("rule_id").alias("rule"),
            "confidence",
            "field",
            "matched",
            pl.coalesce(
                pl.when(pl.col("entity") == "commit").then(pl.col("_c_teams")),
                pl.col("_pr_teams"),
                pl.lit([], dtype=pl.List(pl.String)),
            ).alias("teams"),
        )
    )


def _unresolved(identities: pl.DataFrame, people: pl.DataFrame, counts: pl.DataFrame):  # type: ignore[no-untyped-def]
    """``counts``: commits per lower-cased author e-mail (:func:`_email_counts`)."""
    emails = identities.filter(pl.col("source") == "unresolved").select(
        pl.col("value").alias("email"), "person_id"
    )
    return (
        emails.join(
            people.select(pl.col("id").alias("person_id"), pl.col("display_name").alias("name")),
            on="person_id",
            how="left",
        )
        .join(counts, on="email", how="left")
        .select("email", "name", pl.col("commits").fill_null(0))
        .sort("commits", "email", descending=[True, False])
    )


def load_facts(
    engine: sa.Engine,
    *,
    min_confidence: str = "medium",
    exclude: tuple[str, ...] = (),
    bots: tuple[str, ...] = (),
    tz: str = "UTC",
    show_individuals: bool = False,
    ai_tools: Sequence[AiTool] = (),
) -> Facts:
    """Read the store once and build :class:`Facts` (uncached: the dashboard caches it).

    ``min_confidence``: ``tagging.min_confidence``; ``exclude``: ``exclude.people``;
    ``bots``: the rule catalogue's non-AI bot logins and e-mails; ``tz``:
    ``reporting.timezone`` (teams of the day, weeks); ``ai_tools``: the configuration's,
    whose seat plans and holders join the store's
    (:func:`aimetrics.metrics.inputs.read_seats`). Tagged changes' matched text is
    masked unless ``show_individuals``.
    """
    # One read transaction for every table: a collector committing a sync meanwhile
    # is seen whole or not at all (aimetrics.store.Snapshot).
    with Snapshot(engine) as snap:
        return _load_facts(
            snap, min_confidence=min_confidence, exclude=exclude, bots=bots, tz=tz,
            show_individuals=show_individuals, ai_tools=ai_tools,
        )  # fmt: skip


def _load_facts(
    snap: Snapshot,
    *,
    min_confidence: str,
    exclude: tuple[str, ...],
    bots: tuple[str, ...],
    tz: str,
    show_individuals: bool,
    ai_tools: Sequence[AiTool],
) -> Facts:
    prs = snap.read(s.pull_requests, columns=list(PR_COLUMNS))
    prs = prs.join(_revert_bodies(snap), on=["repo_id", "number"], how="left")
    tags = snap.read(s.ai_tags)
    tagged_shas = (
        tags.filter(pl.col("entity") == "commit")
        .select("repo_id", pl.col("entity_key").alias("sha"))
        .unique()
    )
    # Commits and links are read in parts and only what the facts use is kept of them: at
    # 1M PRs they are millions of rows each (see _read_commits, _read_links).
    commits = _read_commits(snap, tagged_shas)
    revert_commits = _revert_commits(snap)
    links = _read_links(snap, tagged_shas, revert_commits)
    reviews = snap.read(s.reviews).lazy()
    people = snap.read(s.people)
    identities = snap.read(s.identities)
    repositories = snap.read(s.repositories, columns=["id", "full_name", "web_url"])
    directory = person_directory(people.lazy(), identities.lazy(), exclude)
    members = memberships_by_person(snap.read(s.team_memberships).lazy(), people.lazy())
    lazy_prs, lazy_tags = prs.lazy(), tags.lazy()

    flags = pr_flags(
        lazy_prs, links.tagged.lazy(), lazy_tags, min_confidence, reviews=reviews,
        bot_logins=[b for b in bots if "@" not in b], commit_counts=links.commits.lazy(),
    )  # fmt: skip
    base = pr_facts(lazy_prs, flags, directory, repositories.lazy(), members, tz, exclude, bots)
    firsts = links.commits.lazy().select("repo_id", "number", "first_commit_at")
    timeline = cycle_spans(
        base.join(firsts, on=["repo_id", "number"], how="left")
        .join(
            review_summary(
                reviews, ai_review_ids(lazy_tags, min_confidence), base, directory, bots
            ),
            on=["repo_id", "number"],
            how="left",
        )
        .join(
            reverted_prs(
                lazy_prs, revert_commits.lazy(), links.reverts.lazy(), repositories.lazy()
            ),
            on=["repo_id", "number"],
            how="left",
        )
    )
    # Collected here on purpose: every page and period filters these same frames.
    pr_frame = timeline.collect()
    del prs, lazy_prs, flags, base, firsts, timeline, links  # no longer needed: free them
    branch = commits.branch.lazy()
    commit_frame = commit_facts(
        branch, commit_flags(branch, lazy_tags, min_confidence), directory,
        repositories.lazy(), members, tz, exclude, bots,
    ).collect()  # fmt: skip
    del branch
    # The explain view is built on first use (the Data page's); keep only what it needs.
    explain = ExplainInputs(
        tags=tags,
        commits=commits.tagged,
        reviews=reviews.select("repo_id", "review_id", "pr_number").collect(),
        repositories=repositories,
        min_confidence=min_confidence, tz=tz, exclude=exclude, bots=bots,
        show_individuals=show_individuals,
    )  # fmt: skip
    unresolved = _unresolved(identities, people, commits.emails)
    del commits
    seat_plans, seat_assignments = read_seats(snap, ai_tools)
    tools = pl.concat(
        [
            snap.read(s.ai_tools),
            tags.select(pl.col("tool_id").alias("id"), pl.col("tool_id").alias("name")),
        ]
    ).unique("id", keep="first", maintain_order=True)
    activity = contributor_activity(pr_frame.lazy(), commit_frame.lazy()).collect()
    return Facts(
        prs=pr_frame,
        commits=commit_frame.select(_COMMIT_FIGURE_COLUMNS),
        activity=activity,
        seats=seat_facts(seat_assignments.lazy(), directory).collect(),
        seat_plans=seat_plans,
        cost_records=snap.read(s.cost_records),
        directory=directory.collect(),
        memberships=members.collect(),
        explain=explain,
        unresolved=unresolved,
        sync_state=snap.read(s.sync_state),
        teams=snap.read(s.teams, columns=["slug", "name"]).sort("slug"),
        repositories=tuple(sorted(repositories["full_name"].to_list())),
        tools=tools.filter(pl.col("id") != "unspecified").sort("id"),
    )


# --- what privacy left out, so a page or an export can say so --------------------------


@dataclass(frozen=True)
class PrivacyNote:
    """What privacy left out of a view's figures."""

    min_group_size: int
    folded: tuple[str, ...] = ()  # groups shown together as OTHER
    other_hidden: bool = False  # OTHER itself too small: left out
    hidden_cells: tuple[str, ...] = ()  # "group · comparison" left out

    @property
    def any(self) -> bool:
        return bool(self.folded or self.other_hidden or self.hidden_cells)

    def text(self) -> str:
        k = self.min_group_size
        parts = []
        if self.folded and not self.other_hidden:
            parts.append(
                f"{', '.join(self.folded)} shown together as '{OTHER}': groups with "
                f"fewer than {k} active people (or none), with the smallest other group "
                "when needed so that none can be worked out from a total."
            )
        if self.other_hidden:
            parts.append(
                f"{', '.join(self.folded)} hidden: fewer than {k} active people, even together."
            )
        if self.hidden_cells:
            parts.append(f"Hidden, fewer than {k} people: {', '.join(self.hidden_cells)}.")
        return " ".join(parts)


def drop_cells(frame: pl.DataFrame, cells: pl.DataFrame) -> pl.DataFrame:
    """``frame`` without the rows of ``cells`` (:func:`small_cells`)."""
    if cells.is_empty():
        return frame
    return frame.join(cells, on=cells.columns, how="anti")


def describe_cells(cells: pl.DataFrame) -> tuple[str, ...]:
    return tuple(" · ".join(str(v) for v in row) for row in cells.iter_rows())


# --- the view: period, selection and settings -------------------------------------------


@dataclass(frozen=True)
class View:
    """Everything the figures depend on besides the facts (a cache key for the dashboard)."""

    period: Period
    selection: Selection
    tz: str
    week_start: str
    min_group_size: int
    show_individuals: bool
    statistics: StatisticsSettings


def view_of(settings: Settings, period: Period, selection: Selection | None = None) -> View:
    """The :class:`View` of ``period`` and ``selection`` with the configuration's settings."""
    return View(
        period,
        selection or Selection(),
        settings.reporting.timezone,
        settings.reporting.week_start,
        settings.privacy.min_group_size,
        settings.privacy.show_individuals,
        settings.statistics,
    )


# PR facts' columns that only PR lists show (title, links) or that the facts were derived
# from (review times, sizes, authors' raw logins). Breakdowns leave them out: each row of
# a breakdown by team is a copy, and at 1M PRs a full-width copy is about 0.5 GB.
_PR_LIST_ONLY = (
    "title", "url", "merge_commit_sha", "author_login", "author_type", "source", "is_draft",
    "ready_at", "first_commit_at", "first_human_review_at", "last_approval_at",
    "first_ai_review_at", "additions", "deletions", "changed_files", "author_is_bot",
    "author_excluded", "is_bot_non_ai",
)  # fmt: skip
# Commit facts' columns the figures read (commit_shares, the Data page's per-tool counts,
# selection and breakdowns); the rest served contributor_activity and is dropped at load.
_COMMIT_FIGURE_COLUMNS = (
    "repo_id", "author_key", "is_ai", "is_agent", "ai_tool", "at", "lines", "counted",
    "is_engineer", "repository", "teams",
)  # fmt: skip


# What the Adoption page's breakdowns read (selection, pr_shares, commit_shares).
_SELECTION_COLUMNS = ("repository", "teams", "is_ai", "ai_tool")
_ADOPTION_PR_COLUMNS = (
    *_SELECTION_COLUMNS, "merged_at", "counted", "lines", "is_ai_reviewed", "is_agent",
)  # fmt: skip
_ADOPTION_COMMIT_COLUMNS = (*_SELECTION_COLUMNS, "at", "counted")


def figure_columns(prs: pl.DataFrame) -> pl.DataFrame:
    """PR facts without the columns only PR lists show (no copy: columns are shared)."""
    return prs.drop(_PR_LIST_ONLY, strict=False)


def grouped_lazy(
    frame: pl.DataFrame | pl.LazyFrame, v: View, by: str, at: str, name: str = "group"
) -> pl.LazyFrame:
    """``frame`` selected by the view and grouped ``by`` (see :func:`with_group`)."""
    return with_group(
        select(frame.lazy(), v.selection), by, at, v.tz, v.week_start, v.selection.teams, name
    )


def grouped(frame: pl.DataFrame, v: View, by: str, at: str, name: str = "group") -> pl.DataFrame:
    """:func:`grouped_lazy`, collected."""
    return grouped_lazy(frame, v, by, at, name).collect()


def selection_people(f: Facts, v: View) -> int:
    """Distinct engineers active in the view (privacy: below the threshold nothing shows)."""
    active = select(f.activity.lazy(), v.selection).filter(v.period.contains("at"))
    return int(active.select(pl.col("person_key").n_unique()).collect().item())


def previous_view(v: View) -> View:
    """The view of the previous period (equal length, just before: ``Period.previous``),
    the one every "vs previous period" change compares with, as on the Overview."""
    return replace(v, period=v.period.previous())


def previous_hidden(f: Facts, v: View) -> str:
    """Why privacy hides the previous period's figures of the view ("" when it does not):
    its selection had 1 … ``min_group_size − 1`` active engineers."""
    people = selection_people(f, previous_view(v))
    if 0 < people < v.min_group_size:
        return f"fewer than {v.min_group_size} active engineers in the previous period"
    return ""


@dataclass(frozen=True)
class Fold:
    """How a breakdown's groups may be shown (:mod:`aimetrics.metrics.privacy`)."""

    visibility: pl.DataFrame | None  # group_visibility; None: nothing to fold (org, weeks)

    def apply(self, frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        """``frame`` with small groups relabelled ``Other (small groups)`` or dropped
        (collected: pass a lazy frame to keep only the result in memory)."""
        if self.visibility is None:
            return frame.lazy().collect()
        return apply_visibility(frame, self.visibility, ["group"]).collect()

    def folded(self, frame: pl.DataFrame) -> tuple[str, ...]:
        """The groups of ``frame`` not shown as themselves (also those nobody was active in)."""
        if self.visibility is None:
            return ()
        shown = self.visibility.filter(pl.col("status") == SHOWN)["group"].to_list()
        return tuple(sorted(set(frame["group"].to_list()) - set(shown)))

    @property
    def hidden(self) -> bool:
        return self.visibility is not None and bool((self.visibility["status"] == SUPPRESSED).any())


def fold_of(f: Facts, v: View, by: str) -> Fold:
    """Groups of ``by`` to fold, decided on the people active in each over the period."""
    if by in ("org", *TIME_GROUPINGS):
        return Fold(None)
    active = grouped(f.activity, v, by, "at").filter(v.period.contains("at"))
    return Fold(group_visibility(active, ["group"], v.min_group_size))


def _period_rows(frame: pl.DataFrame, v: View, at: str) -> pl.DataFrame:
    return frame.filter(v.period.contains(at))


@dataclass(frozen=True)
class AdoptionData:
    headline: pl.DataFrame  # one row: contributor_adoption + pr_shares + commit_shares (org)
    by_group: pl.DataFrame  # the same per group (``by``), small groups folded
    trend: pl.DataFrame  # pr_shares per group and month (group_time)
    tools_weekly: pl.DataFrame  # share_by_tool per week, small tools folded
    tools: pl.DataFrame  # share_by_tool over the period (org)
    cohorts: pl.DataFrame  # adoption_cohorts (org); PR counts of small cohorts hidden
    agents: pl.DataFrame  # agent_outcomes (org)
    seats_weekly: pl.DataFrame  # seats_over_time
    seats: pl.DataFrame  # seat_utilization
    idle_seats: pl.DataFrame  # idle_seat_cost: one row per idle seat; none unless individuals
    people: int
    privacy: PrivacyNote
    changes: dict[str, Change]  # ADOPTION_CHANGES: each headline figure vs the previous period


def _adoption_table(
    activity: pl.DataFrame, prs: pl.DataFrame, commits: pl.DataFrame, period: Period
) -> pl.DataFrame:
    adoption = contributor_adoption(activity.lazy(), period)
    shares = pr_shares(prs.lazy(), period)
    commit = commit_shares(commits.lazy(), period)
    keys = [c for c in activity.columns if c.startswith("group")]
    return (
        adoption.join(shares, on=keys, how="full", coalesce=True)
        .join(commit, on=keys, how="full", coalesce=True)
        .sort(keys)
        .collect()
    )


def _fold_tools(prs: pl.DataFrame, activity: pl.DataFrame, k: int) -> tuple[pl.DataFrame, tuple]:
    """Relabel the tools fewer than ``k`` people used (their AI activity) on PR rows."""
    users = activity.filter("ai").with_columns(pl.col("ai_tool").alias("group"))
    fold = Fold(group_visibility(users, ["group"], k))
    folded = fold.folded(prs.filter("ai").with_columns(pl.col("ai_tool").alias("group")))
    if not folded:
        return prs, ()
    hidden = fold.hidden
    relabel = (
        pl.when(pl.col("ai_tool").is_in(list(folded)))
        .then(pl.lit(None if hidden else OTHER, dtype=pl.String))
        .otherwise(pl.col("ai_tool"))
    )
    out = prs.with_columns(relabel.alias("ai_tool"))
    if hidden:  # still counted in the denominators, never shown as a tool
        out = out.with_columns((pl.col("ai") & pl.col("ai_tool").is_not_null()).alias("ai"))
    return out, folded


def _headline(
    activity: pl.DataFrame, prs: pl.DataFrame, commits: pl.DataFrame, period: Period
) -> dict[str, object]:
    """The Adoption page's headline figures (org rows of the selection) in ``period``: one
    row, with the agents' merge rate (``agent_merge_rate``; ``agent_decided`` = merged +
    closed unmerged)."""
    in_period = activity.filter(period.contains("at"))
    row = dict(_first(_adoption_table(in_period, prs, commits, period)))
    agents = agent_outcomes(prs.lazy(), period).filter(pl.col("author") == "agent")
    agent = _first(agents.collect())
    row["agent_merge_rate"] = agent.get("merge_rate")
    row["agent_decided"] = int(agent.get("merged") or 0) + int(agent.get("closed_unmerged") or 0)  # type: ignore[call-overload]
    return row


def _first(frame: pl.DataFrame) -> dict[str, object]:
    return frame.row(0, named=True) if frame.height else {}


@dataclass(frozen=True)
class SeatTotals:
    """Seats of the selection on a day, all tools together (:func:`seat_utilization` summed)."""

    assigned: int
    idle: int
    idle_monthly_cost: float | None  # None: no seat held; currencies: see ``currencies``
    currencies: tuple[str, ...]


def seat_totals(seats: pl.DataFrame) -> SeatTotals:
    """The sums of a :func:`seat_utilization` frame over its tools."""
    if seats.is_empty():
        return SeatTotals(0, 0, None, ())
    cost = seats["idle_monthly_cost"].sum() if "idle_monthly_cost" in seats.columns else None
    currencies = seats["currency"].drop_nulls().to_list() if "currency" in seats.columns else []
    names = sorted({c.strip() for text in currencies for c in text.split(",") if c.strip()})
    return SeatTotals(
        int(seats["assigned"].sum()), int(seats["idle"].sum()),
        None if cost is None else float(cost), tuple(names),
    )  # fmt: skip


def _seats_on(f: Facts, v: View, period: Period) -> tuple[pl.LazyFrame, pl.DataFrame]:
    """The selection's seats on ``period``'s last day: (idle_seats, idle_seat_cost)."""
    seats = select_seats(f.seats.lazy(), f.memberships.lazy(), v.selection, period)
    as_of = period.last_day
    idle = idle_seats(seats, f.prs.lazy(), as_of, f.directory.lazy())
    return idle, idle_seat_cost(idle, f.seat_plans.lazy(), as_of).collect()


def idle_change(f: Facts, v: View, seats: pl.DataFrame, hidden: str = "") -> Change:
    """The idle seats' monthly cost on the period's last day vs on the previous period's."""
    before_idle, before_cost = _seats_on(f, v, v.period.previous())
    now, before = (
        seat_totals(seats),
        seat_totals(seat_utilization(before_idle, before_cost.lazy()).collect()),
    )
    return change(
        now.idle_monthly_cost, before.idle_monthly_cost, (now.assigned, before.assigned),
        1, "seats held", hidden,
    )  # fmt: skip


# Adoption's headline figures: value column -> (sample column, minimum setting, unit).
ADOPTION_CHANGES = {
    "adoption_rate": ("active_contributors", "min_engineers", "active engineers"),
    "ai_share": ("merged_prs", "min_prs", "merged PRs"),
    "ai_commit_share": ("commits", "min_prs", "default-branch commits"),
    "ai_line_share": ("merged_prs", "min_prs", "merged PRs"),
    "ai_reviewed_share": ("merged_prs", "min_prs", "merged PRs"),
    "agent_share": ("merged_prs", "min_prs", "merged PRs"),
    "agent_merge_rate": ("agent_decided", "min_prs", "agent PRs merged or closed"),
}


def _changes(
    cur: dict[str, object],
    prev: dict[str, object],
    spec: dict[str, tuple[str, str, str]],
    statistics: StatisticsSettings,
    hidden: str,
) -> dict[str, Change]:
    return {
        value: row_change(cur, prev, value, sample, getattr(statistics, minimum), unit, hidden)
        for value, (sample, minimum, unit) in spec.items()
    }


def adoption(f: Facts, v: View, by: str) -> AdoptionData:
    """The Adoption page's figures for the view, broken down ``by`` team or repository."""
    period, k = v.period, v.min_group_size
    act_all = grouped(f.activity, v, "org", "at")
    act_org = _period_rows(act_all, v, "at")
    prs = figure_columns(f.prs)
    prs_org = grouped(prs, v, "org", "merged_at")
    commits_org = grouped(f.commits, v, "org", "at")
    fold = fold_of(f, v, by)

    def by_group(frame: pl.DataFrame, at: str) -> pl.DataFrame:
        return fold.apply(grouped_lazy(frame, v, by, at))

    # A row per team of each PR and commit: only the columns the shares read are copied.
    by_prs = by_group(prs.select(_ADOPTION_PR_COLUMNS), "merged_at")
    trend_prs = with_group(by_prs.lazy(), "month", "merged_at", v.tz, name="group_time")
    weekly = grouped(prs, v, "week", "merged_at")
    weekly_tools, tool_fold = _fold_tools(weekly, act_org, k)
    org_tools, _ = _fold_tools(prs_org, act_org, k)
    cohorts = adoption_cohorts(prs_org.lazy(), period).collect()
    small_cohort = pl.col("engineers") < k
    cohorts = cohorts.with_columns(
        pl.when(small_cohort).then(None).otherwise(pl.col(c)).alias(c) for c in ("prs", "ai_prs")
    )
    idle, idle_cost = _seats_on(f, v, period)
    seats = seat_utilization(idle, idle_cost.lazy()).collect()
    folded = fold.folded(
        grouped_lazy(prs.select("merged_at", *_SELECTION_COLUMNS), v, by, "merged_at")
        .filter(period.contains("merged_at"))
        .select("group")
        .collect()
    )
    note = PrivacyNote(
        k, folded + tool_fold, fold.hidden,
        tuple(f"{c} cohort PR counts" for c in cohorts.filter(small_cohort)["cohort"]),
    )  # fmt: skip
    headline = _adoption_table(act_org, prs_org, commits_org, period)
    hidden = previous_hidden(f, v)
    changes = _changes(
        _headline(act_all, prs_org, commits_org, period),
        _headline(act_all, prs_org, commits_org, period.previous()),
        ADOPTION_CHANGES, v.statistics, hidden,
    )  # fmt: skip
    changes["idle_monthly_cost"] = idle_change(f, v, seats, hidden)
    return AdoptionData(
        headline=headline,
        by_group=_adoption_table(
            _period_rows(by_group(f.activity, "at"), v, "at"),
            by_prs,
            by_group(f.commits.select(_ADOPTION_COMMIT_COLUMNS), "at"),
            period,
        ),
        trend=pr_shares(trend_prs, period).collect(),
        tools_weekly=share_by_tool(weekly_tools.lazy(), period).collect(),
        tools=share_by_tool(org_tools.lazy(), period).collect(),
        cohorts=cohorts,
        agents=agent_outcomes(prs_org.lazy(), period).collect(),
        seats_weekly=seats_over_time(
            select_seats(f.seats.lazy(), f.memberships.lazy(), v.selection, period),
            period,
            v.week_start,
        ).collect(),
        seats=seats,
        idle_seats=individual_rows(idle_cost, v.show_individuals),
        people=selection_people(f, v),
        privacy=note,
        changes=changes,
    )


def small_cells(rows: pl.DataFrame, keys: list[str], min_group_size: int) -> pl.DataFrame:
    """The cells (``keys``, e.g. team x AI-assisted / no marker) to hide from comparisons.

    A cell is a group (:func:`aimetrics.metrics.privacy.group_visibility`) of the
    people who authored its PRs (``human_key``: authors who are not bots, so a
    person's PR an AI agent wrote counts for that person): hidden when it is not
    shown as itself, i.e. too small or folded with a too-small one. Cells of bot
    accounts' PRs only have no person to protect.
    """
    compared = rows.filter(pl.col("comparison").is_not_null())
    visibility = group_visibility(compared, keys, min_group_size, person="human_key")
    return visibility.filter(pl.col("status") != SHOWN).select(keys).sort(keys)


def compared(f: Facts, frame: pl.DataFrame, v: View, by: str) -> tuple[pl.DataFrame, PrivacyNote]:
    """Counted PRs merged in the period, grouped ``by``, small groups folded and small
    AI / no-marker cells dropped (for time groupings a cell is judged over the period)."""
    fold = fold_of(f, v, by)
    if by != "org":  # the org's rows feed the PR lists, which show every column
        frame = figure_columns(frame)
    merged = (
        grouped_lazy(frame, v, by, "merged_at")
        .filter(pl.col("counted") & v.period.contains("merged_at"))
        .collect()
    )
    rows = fold.apply(merged)
    keys = ["comparison"] if by in TIME_GROUPINGS else ["group", "comparison"]
    cells = small_cells(rows, keys, v.min_group_size)
    note = PrivacyNote(v.min_group_size, fold.folded(merged), fold.hidden, describe_cells(cells))
    return drop_cells(rows, cells), note


_NEWEST_FIRST = ("merged_at", "repository", "number")  # a stable order for PR lists
PR_TABLE_COLUMNS = (
    "merged_at", "repository", "number", "title", "comparison", "ai_tool", "lines",
    "coding", "pickup", "review", "merge", "cycle", "url",
)  # fmt: skip


@dataclass(frozen=True)
class DeliveryData:
    throughput: pl.DataFrame  # throughput_by_group (org)
    by_group: pl.DataFrame  # throughput_by_group per group
    weekly: pl.DataFrame  # pr_shares per week
    stages: pl.DataFrame  # cycle_time_summary (org)
    stages_by_group: pl.DataFrame  # cycle_time_summary per group
    coverage: pl.DataFrame  # timeline_coverage (org)
    cycle: Comparison | None  # median cycle time, AI-assisted / no marker, with its CI
    prs: pl.DataFrame  # the merged PRs behind the figures (PR_TABLE_COLUMNS)
    people: int
    privacy: PrivacyNote
    changes: dict[str, Change]  # throughput, cycle_ai, cycle_no_marker, cycle_ratio


def _org_cycle(f: Facts, v: View) -> tuple[pl.DataFrame, PrivacyNote, Comparison | None]:
    """The view's compared PRs (org), and their median cycle time AI-assisted / no marker."""
    rows, note = compared(f, f.prs, v, "org")
    # Timed: a full timeline, or a cycle time only (merge commits recovered from git).
    timed = rows.filter(pl.col("timeline") | pl.col("cycle").is_not_null())
    if timed.is_empty():
        return rows, note, None
    comparison = compare_medians(
        timed.with_columns(
            (pl.col("comparison") == AI_GROUP).alias("is_ai"),
            pl.col("author_key").fill_null("(deleted account)"),
        ),
        value="cycle",
        cluster="author_key",
        settings=v.statistics,
        metric="cycle time (hours)",
    )
    return rows, note, comparison


def ratio_change(cur: Comparison | None, prev: Comparison | None, hidden: str = "") -> Change:
    """The change of a ratio of medians (:func:`compare_medians`) from the previous period:
    "not enough data" when either period's ratio is (too few PRs or authors)."""

    def value(c: Comparison | None) -> float | None:
        return c.ratio.value if c is not None and c.ratio.ok else None

    if hidden:
        return change(value(cur), None, hidden=hidden)
    for c, which in ((cur, "this"), (prev, "the previous")):
        if value(c) is None:
            why = "no merged PR with a timeline" if c is None else (c.ratio.note or "undefined")
            return Change(value(cur), value(prev), f"{NOT_ENOUGH}: {why} in {which} period")
    return Change(value(cur), value(prev))


def _stage_row(stages: pl.DataFrame, comparison: str, stage: str = "cycle") -> dict[str, object]:
    return _first(stages.filter((pl.col("comparison") == comparison) & (pl.col("stage") == stage)))


def delivery(f: Facts, v: View, by: str) -> DeliveryData:
    """The Delivery page's figures for the view, broken down ``by`` team or repository."""
    period = v.period
    org, org_note, cycle = _org_cycle(f, v)
    groups, note = compared(f, f.prs, v, by)
    fold = fold_of(f, v, by)
    activity = fold.apply(grouped_lazy(f.activity, v, by, "at"))
    prs = figure_columns(f.prs)
    prs_by = fold.apply(grouped_lazy(prs, v, by, "merged_at"))
    prs_org = grouped(prs, v, "org", "merged_at").lazy()
    act_org = grouped(f.activity, v, "org", "at").lazy()
    throughput = throughput_by_group(prs_org, act_org, period).collect()
    stages = cycle_time_summary(org.lazy(), period).collect()
    # The previous period: the same functions on the view of the period before.
    before = previous_view(v)
    hidden = previous_hidden(f, v)
    org_before, _, cycle_before = _org_cycle(f, before)
    throughput_before = throughput_by_group(prs_org, act_org, before.period).collect()
    stages_before = cycle_time_summary(org_before.lazy(), before.period).collect()
    stats = v.statistics
    changes = {
        "throughput": row_change(
            _first(throughput), _first(throughput_before), "throughput", "active_engineers",
            stats.min_engineers, "active engineers", hidden,
        ),
        **{
            key: row_change(
                _stage_row(stages, group), _stage_row(stages_before, group), "median", "n",
                stats.min_prs, "merged PRs with a timeline", hidden,
            )
            for key, group in (("cycle_ai", AI_GROUP), ("cycle_no_marker", NO_MARKER))
        },
        "cycle_ratio": ratio_change(cycle, cycle_before, hidden),
    }  # fmt: skip
    return DeliveryData(
        throughput=throughput,
        by_group=throughput_by_group(prs_by.lazy(), activity.lazy(), period).collect(),
        weekly=pr_shares(grouped(prs, v, "week", "merged_at").lazy(), period).collect(),
        stages=stages,
        stages_by_group=cycle_time_summary(groups.lazy(), period).collect(),
        coverage=timeline_coverage(prs_org, period).collect(),
        cycle=cycle,
        prs=org.sort(*_NEWEST_FIRST, descending=[True, False, False]).select(PR_TABLE_COLUMNS),
        people=selection_people(f, v),
        privacy=PrivacyNote(
            v.min_group_size,
            note.folded,
            note.other_hidden,
            org_note.hidden_cells + note.hidden_cells,
        ),
        changes=changes,
    )


REVERTED_COLUMNS = (
    "merged_at", "reverted_at", "repository", "number", "title", "comparison", "ai_tool", "url",
)  # fmt: skip


@dataclass(frozen=True)
class QualityData:
    summary: pl.DataFrame  # quality_summary (org)
    by_group: pl.DataFrame  # quality_summary per group
    sizes: pl.DataFrame  # size_distribution (org)
    rounds: pl.DataFrame  # rounds_distribution (org)
    reverted: pl.DataFrame  # the reverted PRs (REVERTED_COLUMNS)
    revert_diff: Estimate  # revert rate, AI-assisted minus no marker (pp)
    unreviewed_diff: Estimate  # merged without a human review, AI minus no marker (pp)
    people: int
    privacy: PrivacyNote
    changes: dict[str, Change]  # QUALITY_CHANGES of the AI-assisted PRs vs the previous period


# Quality's headline figures (AI-assisted PRs): value column -> (sample column, unit).
QUALITY_CHANGES = {
    "revert_rate": ("merged_prs", "merged PRs"),
    "unreviewed_share": ("merged_prs", "merged PRs"),
    "median_lines": ("merged_prs", "merged PRs"),
    "rounds_share": ("reviewed_prs", "reviewed PRs"),
}


def quality(f: Facts, v: View, by: str) -> QualityData:
    """The Quality page's figures for the view, broken down ``by`` team or repository."""
    period = v.period
    org, org_note = compared(f, f.prs, v, "org")
    groups, note = compared(f, f.prs, v, by)
    lazy = org.lazy()
    summary = quality_summary(lazy, period).collect()
    before = previous_view(v)
    org_before, _ = compared(f, f.prs, before, "org")
    summary_before = quality_summary(org_before.lazy(), before.period).collect()
    hidden = previous_hidden(f, v)

    def ai(frame: pl.DataFrame) -> dict[str, object]:
        return _first(frame.filter(pl.col("comparison") == AI_GROUP))

    changes = {
        value: row_change(
            ai(summary), ai(summary_before), value, sample, v.statistics.min_prs, unit, hidden
        )
        for value, (sample, unit) in QUALITY_CHANGES.items()
    }
    return QualityData(
        summary=summary,
        by_group=quality_summary(groups.lazy(), period).collect(),
        sizes=size_distribution(lazy, period).collect(),
        rounds=rounds_distribution(lazy, period).collect(),
        reverted=org.filter(pl.col("reverted_at").is_not_null())
        .sort(*_NEWEST_FIRST, descending=[True, False, False])
        .select(REVERTED_COLUMNS),
        revert_diff=compare_rates(org, pl.col("reverted_at").is_not_null(), v.statistics),
        unreviewed_diff=compare_rates(org, pl.col("human_reviews").fill_null(0) == 0, v.statistics),
        people=selection_people(f, v),
        privacy=PrivacyNote(
            v.min_group_size,
            note.folded,
            note.other_hidden,
            org_note.hidden_cells + note.hidden_cells,
        ),
        changes=changes,
    )


TAG_COLUMNS = (
    "at", "repository", "entity", "key", "tool", "kind", "rule", "confidence", "counts",
    "field", "matched", "url",
)  # fmt: skip


@dataclass(frozen=True)
class DataPageData:
    freshness: pl.DataFrame  # per source: scopes, incomplete, last finished
    sync: pl.DataFrame  # sync_state rows
    coverage: pl.DataFrame  # per repository: PRs and commits with / without a marker
    tools: pl.DataFrame  # per tool: merged PRs and commits it marked
    tags: pl.DataFrame  # tagged changes in the view (TAG_COLUMNS)
    unresolved: pl.DataFrame  # email, name, commits: no rows unless individuals are shown
    individuals_shown: bool
    unresolved_count: int
    privacy: PrivacyNote


def data_page(f: Facts, v: View) -> DataPageData:
    """The Data page: freshness, marker coverage, the explain view, unresolved identities."""
    period = v.period
    fold = fold_of(f, v, "repository")
    by_repository = grouped(figure_columns(f.prs), v, "repository", "merged_at")
    prs = fold.apply(by_repository)
    commits = fold.apply(grouped_lazy(f.commits, v, "repository", "at"))
    coverage = (
        pr_shares(prs.lazy(), period)
        .select("group", "merged_prs", "ai_prs", "no_marker_prs", "ai_share")
        .join(commit_shares(commits.lazy(), period), on="group", how="full", coalesce=True)
        .sort("group")
        .collect()
    )
    by_tool_prs = share_by_tool(
        grouped(figure_columns(f.prs), v, "org", "merged_at").lazy(), period
    )
    by_tool_commits = (
        grouped(f.commits, v, "org", "at")
        .lazy()
        .filter(pl.col("counted") & period.contains("at"))
        .with_columns(pl.len().over("group").alias("commits"))
        .filter("ai")
        .group_by(pl.col("ai_tool").alias("tool"))
        .agg(pl.len().alias("ai_commits"), pl.col("commits").first())
    )
    tools = (
        by_tool_prs.select("tool", pl.col("prs").alias("ai_prs"), "merged_prs", "share")
        .join(by_tool_commits, on="tool", how="full", coalesce=True)
        .sort("tool")
        .collect()
    )
    tags = select(
        f.tags.lazy().rename({"tool": "ai_tool"}).with_columns(pl.lit(True).alias("is_ai")),
        v.selection,
    )
    tags = (
        tags.filter(period.contains("at"))
        .filter("ai")  # the tool filter
        .rename({"ai_tool": "tool"})
        .sort("at", "repository", "key", "rule", descending=[True, False, False, False])
        .select(TAG_COLUMNS)
        .collect()
    )
    sync = f.sync_state.sort("source", "scope")
    freshness = (
        sync.group_by("source")
        .agg(
            pl.len().alias("scopes"),
            (pl.col("status") != "complete").sum().alias("not_complete"),
            pl.col("finished_at").max().alias("last_finished"),
        )
        .sort("source")
    )
    return DataPageData(
        freshness=freshness,
        sync=sync.select("source", "scope", "status", "started_at", "finished_at", "detail"),
        coverage=coverage,
        tools=tools,
        tags=tags,
        unresolved=individual_rows(f.unresolved, v.show_individuals),
        individuals_shown=v.show_individuals,
        unresolved_count=f.unresolved.height,
        privacy=PrivacyNote(
            v.min_group_size,
            fold.folded(by_repository.filter(period.contains("merged_at"))),
            fold.hidden,
        ),
    )


# --- spend against value: the Overview's and the Cost & ROI page's figures ----------------


@dataclass(frozen=True)
class Money:
    """What the money figures depend on: reporting currency, exchange rates, ROI settings."""

    currency: str
    rates: tuple[tuple[str, float], ...]  # reporting.exchange_rates, sorted
    roi: RoiSettings

    @property
    def roi_rates(self) -> dict[str, float]:
        """Exchange rates into the ROI currency (``roi.currency``)."""
        return rates_into(self.roi.currency, self.currency, dict(self.rates))


def money_of(settings: Settings) -> Money:
    reporting = settings.reporting
    return Money(reporting.currency, tuple(sorted(reporting.exchange_rates.items())), settings.roi)


def cost_inputs(f: Facts) -> CostInputs:
    """Where spend comes from: seat plans, cost records and seats (store + configuration)."""
    return CostInputs(
        f.seat_plans.lazy(),
        f.cost_records.lazy(),
        f.seats.lazy(),
        f.memberships.lazy().rename({"team": "team_slug"}),
        f.directory.lazy(),
    )


def merged_prs(f: Facts) -> pl.LazyFrame:
    """Every merged PR (all of them: the weights of team attribution)."""
    return f.prs.lazy().filter(pl.col("merged_at").is_not_null())


def work(f: Facts, selection: Selection) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The selection's merged PRs and activity (:func:`aimetrics.metrics.overview.select_work`)."""
    return select_work(f.prs.lazy(), f.activity.lazy(), selection)


def selected_seats(f: Facts, selection: Selection, period: Period) -> pl.LazyFrame:
    """The selection's seats: of the selected tools, held by members of the selected teams."""
    return select_seats(f.seats.lazy(), f.memberships.lazy(), selection, period)


@dataclass(frozen=True)
class Measured:
    adoption: pl.DataFrame  # adoption_dates: person_key, adopted_on, basis
    uplift: Uplift  # throughput_uplift of the selection (its whole history)


def measured(f: Facts, v: View) -> Measured:
    """Adoption dates and the throughput uplift of the selection (all its history: it does
    not depend on the period)."""
    merged, activity = work(f, v.selection)
    seats = f.seats.lazy()
    if v.selection.tools:
        seats = seats.filter(pl.col("tool_id").is_in(list(v.selection.tools)))
    adoption = adoption_dates(merged, seats, f.directory.lazy(), v.tz).collect()
    uplift = throughput_uplift(
        merged,
        activity,
        adoption.lazy(),
        settings=v.statistics,
        tz=v.tz,
        week_start_day=v.week_start,
    )
    return Measured(adoption, uplift)


@dataclass(frozen=True)
class RoiParts:
    """What ROI needs besides the uplift and the assumptions, for one period."""

    period: Period
    spend: float | None  # AI spend of the selection in roi.currency (None: not attributable)
    other_currencies: tuple[str, ...]
    post_adoption_prs: int
    ai_active_users: int


def roi_parts(
    f: Facts,
    v: View,
    m: Money,
    period: Period,
    adoption: pl.DataFrame,
    figures: pl.DataFrame | None = None,
) -> RoiParts:
    """Spend, post-adoption PRs and AI-active users of the view's selection in ``period``.

    ``figures``: the :func:`period_figures` row of ``period`` in ``roi.currency`` when the
    caller has it already (e.g. :func:`spend`'s, when the currencies are the same).
    """
    merged, activity = work(f, v.selection)
    if figures is None:
        figures = period_figures(
            merged, activity, cost_inputs(f), period, m.roi.currency, "roi", m.roi_rates,
            v.selection, merged_prs(f),
        ).collect()  # fmt: skip
    row = figures.row(0, named=True)
    return RoiParts(
        period=period,
        spend=row["spend"],
        other_currencies=tuple(row["other_currencies"] or ()),
        post_adoption_prs=post_adoption_prs(merged, adoption.lazy(), period),
        ai_active_users=ai_active_users(
            merged, period, selected_seats(f, v.selection, period), f.directory.lazy()
        ),
    )


def roi(parts: RoiParts, uplift: Uplift, settings: RoiSettings) -> Roi | None:
    """Both ROI methods (:mod:`aimetrics.metrics.roi`) for ``parts``; None without a spend."""
    if parts.spend is None:
        return None
    other = parts.other_currencies
    return Roi(
        measured=measured_roi(
            uplift, parts.post_adoption_prs, parts.spend, parts.period, settings, other
        ),
        assumed=assumed_roi(parts.ai_active_users, parts.spend, parts.period, settings, other),
    )


@dataclass(frozen=True)
class TeamsData:
    map: pl.DataFrame  # overview.team_map: one row per team (small ones folded)
    unattributed: float  # spend of no team (people in no team, unallocated), in the map's Other
    privacy: PrivacyNote


# What the team map reads of the PRs and the activity (and the selection and the team
# grouping before it): one row per PR and team of the whole history, so every other column
# would be copied for nothing (GBs at 1M PRs).
_TEAM_MAP_PRS = (
    "repo_id", "number", "merged_at", "author_key", "counted", "is_ai", "ai_tool", "teams",
    "repository",
)  # fmt: skip
_TEAM_MAP_ACTIVITY = ("person_key", "at", "is_ai", "ai_tool", "teams", "repository")


def _team_rows(frame: pl.LazyFrame, v: View, at: str) -> pl.LazyFrame:
    """``frame`` selected by the view, one row per team (:func:`grouped`, not collected)."""
    return with_group(select(frame, v.selection), "team", at, v.tz, v.week_start, v.selection.teams)


def teams(f: Facts, v: View, m: Money, adoption: pl.DataFrame) -> TeamsData:
    """The team map: spend per engineer and measured throughput change per team."""
    fold = fold_of(f, v, "team")
    raw = (
        _team_rows(merged_prs(f).select(_TEAM_MAP_PRS), v, "merged_at")
        .select("group", "repo_id", "number", "merged_at", "author_key", "counted", "ai")
        .collect()
    )
    merged = fold.apply(raw).lazy().with_columns(pl.col("ai").alias("is_ai"))
    activity = _team_rows(f.activity.lazy().select(_TEAM_MAP_ACTIVITY), v, "at")
    activity = fold.apply(activity.select("group", "person_key", "at").collect()).lazy()
    spend = None
    unattributed = 0.0
    if not v.selection.repositories:
        per_team = spend_by_team(
            cost_inputs(f), merged_prs(f), v.period, m.currency, dict(m.rates), v.selection.tools
        ).collect()
        if v.selection.teams:
            per_team = per_team.filter(pl.col("team_slug").is_in(list(v.selection.teams)))
        unattributed = float(per_team.filter(pl.col("team_slug") == NO_TEAM)["amount"].sum())
        spend = per_team.select(pl.col("team_slug").alias("group"), "amount")
        if fold.visibility is not None:
            spend = apply_visibility(spend, fold.visibility, ["group"]).collect()
    frame = team_map(
        merged,
        activity,
        None if spend is None else spend.lazy(),
        adoption.lazy(),
        v.period,
        settings=v.statistics,
        tz=v.tz,
        week_start_day=v.week_start,
    )
    folded = fold.folded(raw.filter(v.period.contains("merged_at")))
    return TeamsData(frame, unattributed, PrivacyNote(v.min_group_size, folded, fold.hidden))


@dataclass(frozen=True)
class SpendData:
    figures: pl.DataFrame  # overview_figures: rows current, previous
    by_month: pl.DataFrame  # selected_spend of the period: tool, month, component, basis
    seats: pl.DataFrame  # seat_utilization per tool, with the idle seats' monthly cost
    idle: pl.DataFrame  # idle_seat_cost: one row per idle seat (per person: see individual_rows)
    as_of: dt.date
    idle_change: Change  # idle seats' monthly cost vs on the previous period's last day


def spend(f: Facts, v: View, m: Money) -> SpendData:
    """Spend figures of the view in the reporting currency, and the idle seats."""
    merged, activity = work(f, v.selection)
    costs = cost_inputs(f)
    rates = dict(m.rates)
    as_of = v.period.last_day
    held = idle_seats(selected_seats(f, v.selection, v.period), merged_prs(f), as_of,
                      f.directory.lazy())  # fmt: skip
    idle = idle_seat_cost(held, f.seat_plans.lazy(), as_of)
    seats = seat_utilization(held, idle).collect()
    return SpendData(
        figures=overview_figures(
            merged, activity, costs, v.period, m.currency, rates, v.selection, merged_prs(f)
        ).collect(),
        by_month=selected_spend(
            costs, merged_prs(f), v.period, m.currency, rates, v.selection
        ).collect(),
        seats=seats,
        idle=idle.collect(),
        as_of=as_of,
        idle_change=idle_change(f, v, seats, previous_hidden(f, v)),
    )


@dataclass(frozen=True)
class OverviewData:
    uncertainty: KpiUncertainty  # intervals of the AI-assisted share and throughput
    trend: pl.DataFrame  # weekly_trend of trend_period
    rollouts: pl.DataFrame  # rollouts: tool_id, rolled_out_on, basis
    cycle: Comparison | None  # median cycle time AI-assisted / no marker, current period
    cycle_previous: Comparison | None
    people: int  # engineers active in the selection (privacy)
    privacy: PrivacyNote  # cells hidden from the cycle-time comparison
    last_collected: dt.datetime | None


TREND_DAYS = 364  # the trend shows a year (52 weeks), so the tools' roll-outs show too


def trend_period(period: Period) -> Period:
    """The weeks the trend shows: the year up to the period's end (or the period if longer)."""
    start = min(period.start, period.end - dt.timedelta(days=TREND_DAYS))
    return Period(start, period.end, period.tz)


def cycle_comparison(f: Facts, v: View) -> tuple[Comparison | None, PrivacyNote]:
    """Median cycle time, AI-assisted vs no marker, with its CI (as the Delivery page)."""
    _, note, comparison = _org_cycle(f, v)
    return comparison, note


def overview(f: Facts, v: View) -> OverviewData:
    """The Overview's figures besides spend, ROI and the team map (see :func:`spend`, ...)."""
    merged, activity = work(f, v.selection)
    seats, plans = f.seats.lazy(), f.seat_plans.lazy()
    if v.selection.tools:
        tools = list(v.selection.tools)
        seats = seats.filter(pl.col("tool_id").is_in(tools))
        plans = plans.filter(pl.col("tool_id").is_in(tools))
    cycle, note = cycle_comparison(f, v)
    cycle_previous, _ = cycle_comparison(f, replace(v, period=v.period.previous()))
    return OverviewData(
        uncertainty=kpi_uncertainty(merged, activity, v.period, v.statistics),
        trend=weekly_trend(merged, activity, trend_period(v.period), v.week_start).collect(),
        rollouts=rollouts(seats, plans).collect(),
        cycle=cycle,
        cycle_previous=cycle_previous,
        people=selection_people(f, v),
        privacy=note,
        last_collected=last_collected(f.sync_state.lazy()).collect().item(),
    )


# --- Copilot usage reports: the Adoption page's usage section -----------------------------


def load_copilot_usage(engine: sa.Engine) -> pl.DataFrame:
    """The store's Copilot usage reports, decoded (:func:`usage_records`).

    Read apart from :func:`load_facts`, by the pages and exports that show them: the
    table stands alone (one collector step writes it whole, in its own transaction), so
    reading it in its own snapshot sees a whole collection as :func:`load_facts` does.
    """
    with Snapshot(engine) as snap:
        usage = snap.read(s.copilot_usage)
    return usage_records(usage.lazy()).collect()


@dataclass(frozen=True)
class CopilotUsageData:
    status: str  # "" when figures are shown, else why not (no reports, filters, privacy)
    figures: pl.DataFrame  # usage_figures of the period (one row)
    weekly: pl.DataFrame  # weekly_usage
    by_editor: pl.DataFrame  # usage_by (BREAKDOWN_COLUMNS), small groups folded
    by_feature: pl.DataFrame
    by_language: pl.DataFrame
    users: pl.DataFrame  # usage_by_user: no rows unless individuals are shown
    changes: dict[str, Change]  # COPILOT_CHANGES vs the previous period
    people: int  # users the figures are about
    users_only: bool  # True: per-user reports only (a team filter)
    privacy: PrivacyNote


# Copilot usage figures: value column -> (sample column, minimum, unit).
COPILOT_CHANGES = {
    "active_users": ("days", 1, "reported days"),
    "engaged_users": ("days", 1, "reported days"),
    "suggestions": ("days", 1, "reported days"),
    "acceptances": ("days", 1, "reported days"),
    "acceptance_rate": ("suggestions", 0, "suggestions"),
    "lines_suggested": ("days", 1, "reported days"),
    "lines_accepted": ("days", 1, "reported days"),
}


def copilot_records(records: pl.DataFrame, f: Facts, v: View) -> pl.DataFrame:
    """The usage records the view counts: per-user rows of engineers (bots and excluded
    people left out), of the selected teams (membership on the report's day; the
    organization-wide rows then drop out: they cannot be split by team). ``person_key``:
    the user's person (their login when unknown)."""
    logins = f.directory.filter(pl.col("kind") == "login").select(
        pl.col("value").alias("login"), "person_key", "is_bot", "excluded"
    )
    rows = (
        records.lazy()
        .join(logins.lazy(), on="login", how="left")
        .with_columns(
            pl.when(pl.col("scope") == USER_SCOPE)
            .then(pl.coalesce("person_key", "login"))
            .alias("person_key")
        )
        .filter(
            (pl.col("scope") != USER_SCOPE)
            | ~(pl.col("is_bot").fill_null(False) | pl.col("excluded").fill_null(False))
        )
    )
    if v.selection.teams:
        rows = (
            teams_at(
                rows.filter(pl.col("scope") == USER_SCOPE),
                f.memberships.lazy(),
                "person_key",
                pl.col("day"),
            )
            .filter(pl.col("teams").list.set_intersection(list(v.selection.teams)).list.len() > 0)
            .drop("teams")
        )
    return rows.drop("is_bot", "excluded").collect()


def _usage_breakdown(rows: pl.DataFrame, v: View, by: str) -> tuple[pl.DataFrame, tuple]:
    """:func:`usage_by` of ``by``, groups with fewer than ``min_group_size`` users folded."""
    items = breakdown_rows(rows.lazy(), by).join(
        rows.lazy().select("login", "person_key").unique(), on="login", how="left"
    )
    items = items.collect()
    active = items.filter(v.period.contains_day("day"))
    fold = Fold(group_visibility(active, ["group"], v.min_group_size))
    return usage_by(fold.apply(items).lazy(), v.period).collect(), fold.folded(active)


def copilot_usage(records: pl.DataFrame, f: Facts, v: View) -> CopilotUsageData:
    """The Copilot usage figures of the view (:mod:`aimetrics.metrics.copilot_usage`):
    period figures with their change vs the previous period, weekly, by editor, feature
    and language (small groups folded), per user (only with ``show_individuals``)."""
    k = v.min_group_size
    users_only = bool(v.selection.teams)
    empty = usage_figures(pl.LazyFrame(schema=_DAILY_SCHEMA), v.period).collect()
    status = ""
    if records.is_empty():
        status = (
            "No Copilot usage report is stored: `aimetrics collect github` stores them "
            "(from 2025-10-10, with a token allowed to read Copilot metrics)."
        )
    elif v.selection.tools and COPILOT_TOOL not in v.selection.tools:
        status = "The AI-tool filter leaves out GitHub Copilot."
    elif v.selection.repositories:
        status = "Copilot usage reports are not attributed to repositories: clear the filter."
    rows = copilot_records(records, f, v) if not status else records.clear()
    people = usage_people(rows.lazy(), v.period, users_only) if not status else 0
    if not status and 0 < people < k:
        status = (
            f"Copilot usage of this selection is about {people} user(s), fewer than the "
            f"privacy threshold (privacy.min_group_size = {k}): not shown."
        )
    if not status and people == 0:
        status = "No Copilot usage is reported for this period and selection."
    if status:
        none = pl.DataFrame(schema=dict.fromkeys(BREAKDOWN_COLUMNS, pl.Int64)).cast(
            {"group": pl.String, "acceptance_rate": pl.Float64}
        )
        return CopilotUsageData(
            status, empty, pl.DataFrame(), none, none, none, pl.DataFrame(), {}, people,
            users_only, PrivacyNote(k),
        )  # fmt: skip
    daily = daily_usage(rows.lazy(), users_only)
    figures = usage_figures(daily, v.period).collect()
    before = usage_figures(daily, v.period.previous()).collect()
    previous_people = usage_people(rows.lazy(), v.period.previous(), users_only)
    hidden = (
        f"fewer than {k} Copilot users in the previous period" if 0 < previous_people < k else ""
    )
    cur, prev = _first(figures), _first(before)
    changes = {
        value: row_change(cur, prev, value, sample, minimum, unit, hidden)
        for value, (sample, minimum, unit) in COPILOT_CHANGES.items()
    }
    changes["acceptance_rate"] = row_change(
        cur, prev, "acceptance_rate", "suggestions", v.statistics.min_prs, "suggestions", hidden
    )
    parts = {by: _usage_breakdown(rows, v, by) for by in BREAKDOWNS}
    folded = tuple(f"{name} ({by})" for by, (_, names) in parts.items() for name in names)
    return CopilotUsageData(
        status="",
        figures=figures,
        weekly=weekly_usage(daily, v.period, v.week_start).collect(),
        by_editor=parts["editor"][0],
        by_feature=parts["feature"][0],
        by_language=parts["language"][0],
        users=individual_rows(usage_by_user(rows.lazy(), v.period).collect(), v.show_individuals),
        changes=changes,
        people=people,
        users_only=users_only,
        privacy=PrivacyNote(k, folded),
    )


_DAILY_SCHEMA = {
    "day": pl.Date, "active_users": pl.Int64, "engaged_users": pl.Int64,
    **dict.fromkeys(COUNTERS, pl.Int64),
}  # fmt: skip
