"""Cached loaders: the only place the dashboard touches the store.

The engine is a cached resource (one per store URL); frames and figures are
cached data with a named time to live, so a collector's new rows show up within
``DATA_TTL_SECONDS`` without a restart. The dashboard never migrates: an old or
missing schema is reported as a :class:`StoreStatus`, and the app says what to run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
import streamlit as st

from aimetrics.errors import AimetricsError, SchemaOutdated
from aimetrics.exports.tags import mask_personal
from aimetrics.metrics.adoption import (
    AI_GROUP,
    PR_COLUMNS,
    TIME_GROUPINGS,
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
from aimetrics.metrics.cost import idle_seat_cost, idle_seats
from aimetrics.metrics.delivery import (
    ai_review_ids,
    cycle_spans,
    cycle_time_summary,
    first_commits,
    review_summary,
    throughput_by_group,
    timeline_coverage,
)
from aimetrics.metrics.inputs import read_seats
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
    reverted_prs,
    rounds_distribution,
    size_distribution,
)
from aimetrics.metrics.stats import Comparison, Estimate, compare_medians
from aimetrics.settings import AiTool, Settings, StatisticsSettings, load_settings
from aimetrics.store import check_current, create_store_engine, read_table, resolve_db_url
from aimetrics.store import schema as s
from aimetrics.store.adbc import fetch_frame
from aimetrics.store.engine import StoreUrl, safe_url
from aimetrics.store.read import restore_types
from aimetrics.store.types import UTC_DATETIME
from aimetrics.tagging import commit_flags, pr_flags, ruleset_from_settings
from aimetrics.tagging.rules import CONFIDENCE_RANK
from dashboard.components import FilterOptions, Filters, PrivacyNote, describe_cells, drop_cells

DATA_TTL_SECONDS = 300  # frames and figures: new collections show within five minutes
STATUS_TTL_SECONDS = 30  # schema/emptiness check: `aimetrics migrate` or `demo` shows quickly


@dataclass(frozen=True)
class AppContext:
    """The configuration the app runs with (``AIMETRICS_CONFIG``, ``AIMETRICS_DB``)."""

    settings: Settings
    db_url: str


def app_context() -> AppContext:
    """Settings and store URL, as the CLI passes them. Raises ``ConfigError``."""
    settings = load_settings(None)
    return AppContext(settings, resolve_db_url(None, settings.store.url))


@dataclass(frozen=True)
class Scope:
    """What the loaded frames depend on: the cache key of :func:`metric_inputs`."""

    db_url: str
    min_confidence: str
    exclude: tuple[str, ...]
    bots: tuple[str, ...]
    ai_tools: tuple[AiTool, ...] = ()  # the configuration's seat plans and holders


def scope(ctx: AppContext) -> Scope:
    tagging = ctx.settings.tagging
    return Scope(
        ctx.db_url, tagging.min_confidence, tuple(ctx.settings.exclude.people),
        non_ai_bots(ctx.settings), tuple(ctx.settings.ai_tools),
    )  # fmt: skip


# How cached loaders hash what is not plain data (settings models: by their content).
MODEL_HASH = {
    StatisticsSettings: lambda c: c.model_dump_json(),
    AiTool: lambda t: t.model_dump_json(),
}


@st.cache_data(
    ttl=DATA_TTL_SECONDS,
    show_spinner=False,
    hash_funcs={Settings: lambda c: (str(c.source_file), c.to_yaml())},
)
def non_ai_bots(settings: Settings) -> tuple[str, ...]:
    """The rule catalogue's non-AI bot logins and e-mails (as ``aimetrics tag`` uses them)."""
    ruleset = ruleset_from_settings(settings)
    return tuple(ruleset.non_ai_bots.logins) + tuple(ruleset.non_ai_bots.emails)


@st.cache_resource(show_spinner=False)
def store_engine(db_url: str) -> sa.Engine:
    """One engine per store for the whole server (connections are pooled)."""
    return create_store_engine(db_url, must_exist=True)


@dataclass(frozen=True)
class StoreStatus:
    """Whether the store can be shown.

    ``kind``: ``ready``, ``missing`` (no SQLite file), ``empty`` (no merged PR),
    ``outdated`` (schema not current: run ``aimetrics migrate``) or ``error``.
    """

    kind: str
    message: str = ""
    latest_merged_at: dt.datetime | None = None

    @property
    def ready(self) -> bool:
        return self.kind == "ready"


@st.cache_data(ttl=STATUS_TTL_SECONDS, show_spinner=False)
def store_status(db_url: str) -> StoreStatus:
    """Check the store without changing it: reachable, current schema, any merged PR."""
    try:
        url = StoreUrl.parse(db_url)
        if url.is_sqlite and not url.sqlite_path.exists():
            return StoreStatus("missing", f"There is no store at {url.sqlite_path} yet.")
        engine = store_engine(db_url)
        check_current(engine)
        # Through ADBC, like every dashboard read (see aimetrics/store/engine.py).
        latest = restore_types(
            fetch_frame(
                engine, sa.select(sa.func.max(s.pull_requests.c.merged_at).label("latest"))
            ),
            {"latest": UTC_DATETIME},
        )["latest"][0]
    except SchemaOutdated as exc:
        return StoreStatus("outdated", str(exc))
    except AimetricsError as exc:
        return StoreStatus("error", str(exc))
    except sa.exc.SQLAlchemyError as exc:
        return StoreStatus("error", f"cannot read the store {safe_url(db_url)}: {exc.orig or exc}")
    if latest is None:
        return StoreStatus("empty", "The store has no merged pull requests yet.")
    return StoreStatus("ready", latest_merged_at=latest)


def reporting_rates(settings: Settings) -> tuple[tuple[str, float], ...]:
    """``reporting.exchange_rates`` as a hashable cache key."""
    return tuple(sorted(settings.reporting.exchange_rates.items()))


# --- the facts behind every page ---------------------------------------------------------
# TODO(lead): `load_facts` is pure composition over store reads; it belongs beside
# `aimetrics.metrics.inputs.load_inputs` so that `aimetrics export csv` can share it.


@dataclass(frozen=True)
class Facts:
    """Every frame the pages start from."""

    prs: pl.DataFrame  # pr_facts + first commit, review summary, reverted_at, cycle spans
    commits: pl.DataFrame  # commit_facts: default-branch commits
    activity: pl.DataFrame  # contributor_activity
    seats: pl.DataFrame  # seat_facts of the store's seats and the configured holders
    seat_plans: pl.DataFrame  # the store's and the configuration's (inputs.read_seats)
    cost_records: pl.DataFrame  # the store table
    directory: pl.DataFrame  # person_directory
    memberships: pl.DataFrame  # memberships_by_person
    tags: pl.DataFrame  # tagged changes: the explain view (matched text masked unless allowed)
    unresolved: pl.DataFrame  # identities nothing resolved: email, name, commits
    sync_state: pl.DataFrame
    teams: pl.DataFrame  # slug, name
    repositories: tuple[str, ...]
    tools: pl.DataFrame  # id, name: every tool in the catalogue table or in a tag


def _revert_bodies(engine: sa.Engine) -> pl.DataFrame:
    """Bodies of the PRs that may be reverts (reading every body would be wasteful)."""
    pr = s.pull_requests.c
    return read_table(
        engine,
        s.pull_requests,
        columns=["repo_id", "number", "body"],
        where=sa.or_(pr.title.like("Revert%"), pr.body.like("%Reverts %")),
    )


def _revert_commits(engine: sa.Engine) -> pl.DataFrame:
    c = s.commits.c
    commits = read_table(
        engine,
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


def _unresolved(identities: pl.DataFrame, people: pl.DataFrame, commits: pl.DataFrame):  # type: ignore[no-untyped-def]
    emails = identities.filter(pl.col("source") == "unresolved").select(
        pl.col("value").alias("email"), "person_id"
    )
    counts = (
        commits.select(pl.col("author_email").str.to_lowercase().alias("email"))
        .group_by("email")
        .agg(pl.len().cast(pl.Int64).alias("commits"))
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
    ai_tools: tuple[AiTool, ...] = (),
) -> Facts:
    """Read the store once and build :class:`Facts` (uncached; see :func:`facts`).

    ``ai_tools``: the configuration's, whose seat plans and holders join the store's
    (:func:`aimetrics.metrics.inputs.read_seats`).
    """
    prs = read_table(engine, s.pull_requests, columns=list(PR_COLUMNS))
    prs = prs.join(_revert_bodies(engine), on=["repo_id", "number"], how="left")
    commits = read_table(
        engine,
        s.commits,
        columns=[
            "repo_id", "sha", "author_login", "author_email", "authored_at", "committed_at",
            "additions", "deletions", "on_default_branch",
        ],
    )  # fmt: skip
    links = read_table(engine, s.pull_request_commits).lazy()
    reviews = read_table(engine, s.reviews).lazy()
    tags = read_table(engine, s.ai_tags)
    people = read_table(engine, s.people)
    identities = read_table(engine, s.identities)
    repositories = read_table(engine, s.repositories, columns=["id", "full_name", "web_url"])
    directory = person_directory(people.lazy(), identities.lazy(), exclude)
    members = memberships_by_person(read_table(engine, s.team_memberships).lazy(), people.lazy())
    lazy_prs, lazy_commits, lazy_tags = prs.lazy(), commits.lazy(), tags.lazy()

    flags = pr_flags(
        lazy_prs, links, lazy_tags, min_confidence, reviews=reviews,
        bot_logins=[b for b in bots if "@" not in b],
    )  # fmt: skip
    base = pr_facts(lazy_prs, flags, directory, repositories.lazy(), members, tz, exclude, bots)
    timeline = cycle_spans(
        base.join(first_commits(links, lazy_commits), on=["repo_id", "number"], how="left")
        .join(
            review_summary(
                reviews, ai_review_ids(lazy_tags, min_confidence), base, directory, bots
            ),
            on=["repo_id", "number"],
            how="left",
        )
        .join(
            reverted_prs(lazy_prs, _revert_commits(engine).lazy(), links, repositories.lazy()),
            on=["repo_id", "number"],
            how="left",
        )
    )
    # Collected here on purpose: every page and period filters these same frames.
    pr_frame = timeline.collect()
    commit_frame = commit_facts(
        lazy_commits, commit_flags(lazy_commits, lazy_tags, min_confidence), directory,
        repositories.lazy(), members, tz, exclude, bots,
    ).collect()  # fmt: skip
    tagged = _tagged_changes(
        lazy_tags, pr_frame.lazy(), lazy_commits, reviews, repositories.lazy(), directory,
        members, tz, exclude, bots,
    ).collect()  # fmt: skip
    if not show_individuals:
        tagged = mask_personal(tagged).select(tagged.columns)
    rank = pl.col("confidence").replace_strict(CONFIDENCE_RANK, default=0, return_dtype=pl.Int8)
    tagged = tagged.with_columns((rank >= CONFIDENCE_RANK[min_confidence]).alias("counts"))
    seat_plans, seat_assignments = read_seats(engine, ai_tools)
    tools = pl.concat(
        [
            read_table(engine, s.ai_tools),
            tags.select(pl.col("tool_id").alias("id"), pl.col("tool_id").alias("name")),
        ]
    ).unique("id", keep="first", maintain_order=True)
    return Facts(
        prs=pr_frame,
        commits=commit_frame,
        activity=contributor_activity(pr_frame.lazy(), commit_frame.lazy()).collect(),
        seats=seat_facts(seat_assignments.lazy(), directory).collect(),
        seat_plans=seat_plans,
        cost_records=read_table(engine, s.cost_records),
        directory=directory.collect(),
        memberships=members.collect(),
        tags=tagged,
        unresolved=_unresolved(identities, people, commits),
        sync_state=read_table(engine, s.sync_state),
        teams=read_table(engine, s.teams, columns=["slug", "name"]).sort("slug"),
        repositories=tuple(sorted(repositories["full_name"].to_list())),
        tools=tools.filter(pl.col("id") != "unspecified").sort("id"),
    )


# A resource, not data: every loader of every page reads these frames, and cache_data would
# unpickle a copy of them (~0.2 s at 100k PRs) on each read. They are never modified.
@st.cache_resource(ttl=DATA_TTL_SECONDS, show_spinner="Reading the store…", hash_funcs=MODEL_HASH)
def facts(scope: Scope, tz: str, show_individuals: bool) -> Facts:
    """:func:`load_facts` for the app's store and settings, cached (shared, read-only)."""
    return load_facts(
        store_engine(scope.db_url),
        min_confidence=scope.min_confidence,
        exclude=scope.exclude,
        bots=scope.bots,
        tz=tz,
        show_individuals=show_individuals,
        ai_tools=scope.ai_tools,
    )


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False)
def filter_options(db_url: str) -> FilterOptions:
    """Teams, repositories and AI tools for the sidebar (small reads, not the facts)."""
    engine = store_engine(db_url)
    teams = read_table(engine, s.teams, columns=["slug", "name"]).sort("slug")
    repos = read_table(engine, s.repositories, columns=["full_name"]).sort("full_name")
    tools = read_table(engine, s.ai_tools).sort("id")
    tagged = fetch_frame(engine, sa.select(s.ai_tags.c.tool_id).distinct())
    names = dict(tools.iter_rows())
    ids = sorted(set(names) | set(tagged["tool_id"].to_list()) - {"unspecified"})
    return FilterOptions(
        teams=tuple(teams.iter_rows()),
        repositories=tuple(repos["full_name"].to_list()),
        tools=tuple((i, names.get(i, i)) for i in ids),
    )


@dataclass(frozen=True)
class View:
    """Everything a page's figures depend on: the cache key of the page loaders."""

    scope: Scope
    period: Period
    selection: Selection
    tz: str
    week_start: str
    min_group_size: int
    show_individuals: bool
    statistics: StatisticsSettings


def view(ctx: AppContext, filters: Filters) -> View:
    settings = ctx.settings
    return View(
        scope(ctx),
        filters.period,
        filters.selection,
        settings.reporting.timezone,
        settings.reporting.week_start,
        settings.privacy.min_group_size,
        settings.privacy.show_individuals,
        settings.statistics,
    )


_VIEW_HASH = MODEL_HASH


def view_facts(v: View) -> Facts:
    return facts(v.scope, v.tz, v.show_individuals)


def grouped(frame: pl.DataFrame, v: View, by: str, at: str, name: str = "group") -> pl.DataFrame:
    """``frame`` selected by the view and grouped ``by`` (see :func:`with_group`)."""
    return with_group(
        select(frame.lazy(), v.selection), by, at, v.tz, v.week_start, v.selection.teams, name
    ).collect()


def selection_people(f: Facts, v: View) -> int:
    """Distinct engineers active in the view (privacy: below the threshold nothing shows)."""
    active = select(f.activity.lazy(), v.selection).filter(v.period.contains("at"))
    return int(active.select(pl.col("person_key").n_unique()).collect().item())


@dataclass(frozen=True)
class Fold:
    """How a breakdown's groups may be shown (:mod:`aimetrics.metrics.privacy`)."""

    visibility: pl.DataFrame | None  # group_visibility; None: nothing to fold (org, weeks)

    def apply(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` with small groups relabelled ``Other (small groups)`` or dropped."""
        if self.visibility is None:
            return frame
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
    people: int
    privacy: PrivacyNote


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


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def adoption(v: View, by: str) -> AdoptionData:
    """The Adoption page's figures for the view, broken down ``by`` team or repository."""
    f, period, k = view_facts(v), v.period, v.min_group_size
    act_org = _period_rows(grouped(f.activity, v, "org", "at"), v, "at")
    prs_org = grouped(f.prs, v, "org", "merged_at")
    commits_org = grouped(f.commits, v, "org", "at")
    fold = fold_of(f, v, by)

    def by_group(frame: pl.DataFrame, at: str) -> pl.DataFrame:
        return fold.apply(grouped(frame, v, by, at))

    by_prs = by_group(f.prs, "merged_at")
    trend_prs = with_group(by_prs.lazy(), "month", "merged_at", v.tz, name="group_time")
    weekly = grouped(f.prs, v, "week", "merged_at")
    weekly_tools, tool_fold = _fold_tools(weekly, act_org, k)
    org_tools, _ = _fold_tools(prs_org, act_org, k)
    cohorts = adoption_cohorts(prs_org.lazy(), period).collect()
    small_cohort = pl.col("engineers") < k
    cohorts = cohorts.with_columns(
        pl.when(small_cohort).then(None).otherwise(pl.col(c)).alias(c) for c in ("prs", "ai_prs")
    )
    seats = select_seats(f.seats.lazy(), f.memberships.lazy(), v.selection, period)
    as_of = period.last_day
    idle = idle_seats(seats, f.prs.lazy(), as_of, f.directory.lazy())
    folded = fold.folded(_period_rows(grouped(f.prs, v, by, "merged_at"), v, "merged_at"))
    note = PrivacyNote(
        k, folded + tool_fold, fold.hidden,
        tuple(f"{c} cohort PR counts" for c in cohorts.filter(small_cohort)["cohort"]),
    )  # fmt: skip
    return AdoptionData(
        headline=_adoption_table(act_org, prs_org, commits_org, period),
        by_group=_adoption_table(
            _period_rows(by_group(f.activity, "at"), v, "at"),
            by_prs,
            by_group(f.commits, "at"),
            period,
        ),
        trend=pr_shares(trend_prs, period).collect(),
        tools_weekly=share_by_tool(weekly_tools.lazy(), period).collect(),
        tools=share_by_tool(org_tools.lazy(), period).collect(),
        cohorts=cohorts,
        agents=agent_outcomes(prs_org.lazy(), period).collect(),
        seats_weekly=seats_over_time(seats, period, v.week_start).collect(),
        seats=seat_utilization(idle, idle_seat_cost(idle, f.seat_plans.lazy(), as_of)).collect(),
        people=selection_people(f, v),
        privacy=note,
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


def compared(frame: pl.DataFrame, v: View, by: str) -> tuple[pl.DataFrame, PrivacyNote]:
    """Counted PRs merged in the period, grouped ``by``, small groups folded and small
    AI / no-marker cells dropped (for time groupings a cell is judged over the period)."""
    f = view_facts(v)
    fold = fold_of(f, v, by)
    merged = grouped(frame, v, by, "merged_at").filter(
        pl.col("counted") & v.period.contains("merged_at")
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


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def delivery(v: View, by: str) -> DeliveryData:
    """The Delivery page's figures for the view, broken down ``by`` team or repository."""
    f, period = view_facts(v), v.period
    org, org_note = compared(f.prs, v, "org")
    groups, note = compared(f.prs, v, by)
    fold = fold_of(f, v, by)
    activity = fold.apply(grouped(f.activity, v, by, "at"))
    prs_by = fold.apply(grouped(f.prs, v, by, "merged_at"))
    timed = org.filter("timeline")
    cycle = None
    if not timed.is_empty():
        cycle = compare_medians(
            timed.with_columns(
                (pl.col("comparison") == AI_GROUP).alias("is_ai"),
                pl.col("author_key").fill_null("(deleted account)"),
            ),
            value="cycle",
            cluster="author_key",
            settings=v.statistics,
            metric="cycle time (hours)",
        )
    return DeliveryData(
        throughput=throughput_by_group(
            grouped(f.prs, v, "org", "merged_at").lazy(),
            grouped(f.activity, v, "org", "at").lazy(),
            period,
        ).collect(),
        by_group=throughput_by_group(prs_by.lazy(), activity.lazy(), period).collect(),
        weekly=pr_shares(grouped(f.prs, v, "week", "merged_at").lazy(), period).collect(),
        stages=cycle_time_summary(org.lazy(), period).collect(),
        stages_by_group=cycle_time_summary(groups.lazy(), period).collect(),
        coverage=timeline_coverage(grouped(f.prs, v, "org", "merged_at").lazy(), period).collect(),
        cycle=cycle,
        prs=org.sort(*_NEWEST_FIRST, descending=[True, False, False]).select(PR_TABLE_COLUMNS),
        people=selection_people(f, v),
        privacy=PrivacyNote(
            v.min_group_size,
            note.folded,
            note.other_hidden,
            org_note.hidden_cells + note.hidden_cells,
        ),
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


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def quality(v: View, by: str) -> QualityData:
    """The Quality page's figures for the view, broken down ``by`` team or repository."""
    f, period = view_facts(v), v.period
    org, org_note = compared(f.prs, v, "org")
    groups, note = compared(f.prs, v, by)
    lazy = org.lazy()
    return QualityData(
        summary=quality_summary(lazy, period).collect(),
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


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def data_page(v: View) -> DataPageData:
    """The Data page: freshness, marker coverage, the explain view, unresolved identities."""
    f, period = view_facts(v), v.period
    fold = fold_of(f, v, "repository")
    prs = fold.apply(grouped(f.prs, v, "repository", "merged_at"))
    commits = fold.apply(grouped(f.commits, v, "repository", "at"))
    coverage = (
        pr_shares(prs.lazy(), period)
        .select("group", "merged_prs", "ai_prs", "no_marker_prs", "ai_share")
        .join(commit_shares(commits.lazy(), period), on="group", how="full", coalesce=True)
        .sort("group")
        .collect()
    )
    by_tool_prs = share_by_tool(grouped(f.prs, v, "org", "merged_at").lazy(), period)
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
            fold.folded(
                grouped(f.prs, v, "repository", "merged_at").filter(period.contains("merged_at"))
            ),
            fold.hidden,
        ),
    )
