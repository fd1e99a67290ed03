"""Known-effect git histories: a real repository whose injected throughput change is known.

For an organization that collects with ``aimetrics collect git`` only, the measured
uplift rests on what git keeps: PRs recovered from squash and merge messages, their
authors, and the AI markers some commits carry. This module writes such a history as
a real git repository (``git fast-import`` reading a generated stream: a year of 40
engineers in about a second), so that a test and ``benchmarks/git_only_selfcheck.py``
run the production path on it (collector → identities → tagging → facts → uplift) and
compare the estimate with the truth, which the figures never see.

The organization: engineers merge PRs at their own rate (a Poisson count per working
day, rates spread as a gamma), with organization-wide seasonal dips (the end-of-year
holidays, August). Most adopt an AI tool on a staggered day; from then on they merge
``effect`` times as many PRs, of which ``ai_share`` are AI-assisted, and only
``marked_share`` of those carry a marker (a ``Co-authored-by: Claude`` trailer): the
rest leave no trace. No seat data. Half of the PRs are squash merges (``Title (#N)``,
authored by the engineer), half merge commits (``Merge pull request #N from
acme/branch``, pressed by a colleague) over a branch of the engineer's commits, which a
reviewer's fix-up sometimes joins. Dependabot's PRs come on top.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from aimetrics.figures.facts import Facts
    from aimetrics.metrics.uplift import Uplift
    from aimetrics.settings import Settings

CLAUDE_TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"
DEPENDABOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
_DAY = 86_400


@dataclass(frozen=True)
class GitHistorySpec:
    """What to generate. ``effect``: merged PRs per engineer-week after adoption, relative
    to before (1.20 = +20%); 1.0 injects nothing."""

    seed: int = 0
    effect: float = 1.20
    engineers: int = 40
    end: dt.date = dt.date(2025, 6, 30)
    weeks: int = 52
    weekly_prs: float = 2.5  # mean merged PRs per engineer-week before adoption
    rate_shape: float = 4.0  # gamma shape of engineers' rates (larger: more alike)
    adopters: float = 0.75  # share of engineers who adopt during the year
    ai_share: float = 0.7  # of an adopter's PRs after adoption, AI-assisted
    marked_share: float = 0.6  # of AI-assisted PRs, with a marker git keeps
    squash_share: float = 0.5  # of PRs, squash merges (the rest: merge commits)
    dependabot_weekly: float = 2.0  # bot PRs per week, never counted


@dataclass(frozen=True)
class Engineer:
    name: str
    email: str
    adopted_at: dt.datetime | None  # the true start (None: never adopted)


@dataclass(frozen=True)
class GitHistory:
    """The repository written, and the truth the figures are compared with."""

    path: Path
    spec: GitHistorySpec
    engineers: tuple[Engineer, ...]
    pull_requests: int
    ai_prs: int
    marked_prs: int
    first_marked: dict[str, dt.datetime] = field(repr=False)  # e-mail -> first marked PR merge

    @property
    def adopted_on(self) -> dict[str, dt.date]:
        """E-mail -> the day each adopter truly started (UTC)."""
        return {e.email: e.adopted_at.date() for e in self.engineers if e.adopted_at}


@dataclass
class _Commit:
    at: int  # Unix seconds (author date)
    committed: int
    name: str
    email: str
    message: str
    is_merge: bool = False  # merges the branch written just before it
    on_branch: bool = False


def _season(days: np.ndarray) -> np.ndarray:
    """Organization-wide multiplier of the daily rate: holidays and August are quiet."""
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    day = (days - days.astype("datetime64[M]")).astype(int) + 1
    holidays = ((month == 12) & (day >= 20)) | ((month == 1) & (day <= 3))
    return np.where(holidays, 0.3, np.where(month == 8, 0.65, 1.0))


def generate_history(path: Path, spec: GitHistorySpec) -> GitHistory:
    """Write the history of ``spec`` as a git repository at ``path`` (created; branch
    ``main``, remote ``origin`` at github.com/acme/<folder>) and return its truth."""
    if not 0 < spec.effect <= 1.5:
        raise ValueError(f"GitHistorySpec.effect {spec.effect}: must be in (0, 1.5]")
    rng = np.random.default_rng(spec.seed)
    start = np.datetime64(spec.end, "D") - np.timedelta64(spec.weeks * 7 - 1, "D")
    days = start + np.arange(spec.weeks * 7)
    workdays = days[np.is_busday(days)]
    season = _season(workdays)
    t0 = int(workdays[0].astype("datetime64[s]").astype(np.int64))

    engineers: list[Engineer] = []
    rates = rng.gamma(spec.rate_shape, spec.weekly_prs / 5 / spec.rate_shape, spec.engineers)
    # Adoption days: staggered over the middle of the year, so each adopter has a baseline
    # before and an effect window after, and colleagues not adopted yet to compare with.
    span = len(workdays)
    for i in range(spec.engineers):
        adopted = None
        if rng.random() < spec.adopters:
            d = workdays[rng.integers(int(span * 0.2), int(span * 0.8))]
            seconds = int(d.astype("datetime64[s]").astype(np.int64)) + int(rng.integers(0, _DAY))
            adopted = dt.datetime.fromtimestamp(seconds, dt.UTC)
        engineers.append(Engineer(f"Engineer {i:02d}", f"engineer{i:02d}@acme.example", adopted))

    prs: list[tuple[int, int, bool]] = []  # (merge time, engineer, AI-assisted)
    for i, eng in enumerate(engineers):
        counts = rng.poisson(rates[i] * season * 1.5)  # 1.5 x the rate, thinned below
        for d, n in zip(workdays, counts, strict=True):
            if not n:
                continue
            base = int(d.astype("datetime64[s]").astype(np.int64))
            for at in base + 8 * 3600 + rng.integers(0, 10 * 3600, n):
                after = eng.adopted_at is not None and at >= eng.adopted_at.timestamp()
                # Thinning: keep a PR with probability 1/1.5 before adoption and effect/1.5
                # after, so the rate after is exactly `effect` times the rate before.
                keep = (spec.effect if after else 1.0) / 1.5
                if rng.random() < keep:
                    prs.append((int(at), i, after and rng.random() < spec.ai_share))
    bots = rng.poisson(spec.dependabot_weekly / 5 * season)
    for d, n in zip(workdays, bots, strict=True):
        base = int(d.astype("datetime64[s]").astype(np.int64))
        prs.extend((int(base + rng.integers(3600, 7 * 3600)), -1, False) for _ in range(n))
    prs.sort()

    commits: list[_Commit] = []
    first_marked: dict[str, dt.datetime] = {}
    ai_prs = marked_prs = 0
    last = t0
    for number, (at, who, ai) in enumerate(prs, start=1):
        at = max(at, last + 60)  # mainline times strictly increase
        marked = ai and rng.random() < spec.marked_share
        ai_prs += ai
        marked_prs += marked
        name, email = DEPENDABOT if who < 0 else (engineers[who].name, engineers[who].email)
        if marked and email not in first_marked:
            first_marked[email] = dt.datetime.fromtimestamp(at, dt.UTC)
        trailer = f"\n\n{CLAUDE_TRAILER}" if marked else ""
        title = f"Change {number}: {'bump a dependency' if who < 0 else 'improve the service'}"
        if who < 0 or rng.random() < spec.squash_share:
            commits.append(_Commit(at, at, name, email, f"{title} (#{number}){trailer}"))
            last = at
            continue
        # A branch: the author's commits over the hours or days before the merge (a
        # reviewer's fix-up may join after the first), then a colleague presses merge.
        k = int(rng.integers(1, 4))
        lead = int(rng.exponential(30 * 3600)) + 600
        times = sorted(int(x) for x in at - rng.integers(60, lead + 61, k))
        marker_on = int(rng.integers(0, k))
        branch = [
            _Commit(t, t, name, email, f"work on change {number} ({j + 1}/{k})"
                    + (trailer if j == marker_on else ""), on_branch=True)
            for j, t in enumerate(times)
        ]  # fmt: skip
        if k >= 2 and rng.random() < 0.2:
            other = engineers[int(rng.integers(0, len(engineers)))]
            fix_at = times[0] + 30
            branch.insert(
                1, _Commit(fix_at, fix_at, other.name, other.email, "fix-up", on_branch=True)
            )
        merger = engineers[int(rng.integers(0, len(engineers)))]
        message = f"Merge pull request #{number} from acme/change-{number}\n\n{title}"
        commits.extend(branch)
        commits.append(_Commit(at, at, merger.name, merger.email, message, is_merge=True))
        last = at
    _fast_import(path, commits)
    return GitHistory(path, spec, tuple(engineers), len(prs), ai_prs, marked_prs, first_marked)


def _fast_import(path: Path, commits: list[_Commit]) -> None:
    """Write ``commits`` (mainline order; a branch's commits right before their merge) with
    ``git fast-import``: a branch forks from the mainline tip before it."""
    path.mkdir(parents=True)
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_SYSTEM="/dev/null")
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    subprocess.run(
        ["git", "-C", str(path), "remote", "add", "origin", f"git@github.com:acme/{path.name}.git"],
        check=True, env=env,
    )  # fmt: skip
    out: list[bytes] = []
    tip = branch_tip = 0  # marks of the mainline's and the open branch's last commits
    committed_at = [0]  # by mark: committer times, never before a parent's
    for mark, c in enumerate(commits, start=1):
        # Branch commits go to a ref of their own (forked from the mainline tip), so that
        # fast-import never moves `main` back: resetting a ref to an old mark is slow.
        ref, parent = ("_pr", branch_tip or tip) if c.on_branch else ("main", tip)
        committed = max(c.committed, committed_at[parent] + 1)
        committed_at.append(committed)
        data = c.message.encode()
        blob = f"{mark % 13}\n".encode()  # few distinct blobs: git stores each once
        out.append(
            f"commit refs/heads/{ref}\nmark :{mark}\n"
            f"author {c.name} <{c.email}> {c.at} +0000\n"
            f"committer {c.name} <{c.email}> {committed} +0000\n"
            f"data {len(data)}\n".encode()
            + data
            + b"\n"
        )
        if c.on_branch and not branch_tip and tip:
            out.append(f"from :{tip}\n".encode())
        if c.is_merge:
            out.append(f"merge :{branch_tip}\n".encode())
        out.append(f"M 644 inline changes/{mark % 7}.txt\ndata {len(blob)}\n".encode() + blob)
        out.append(b"\n")
        if c.on_branch:
            branch_tip = mark
        else:
            tip, branch_tip = mark, 0
    subprocess.run(
        # No deltas (--depth=0): a bigger pack, written about three times faster.
        ["git", "-C", str(path), "fast-import", "--quiet", "--force", "--depth=0"],
        input=b"".join(out), check=True, env=env,
    )  # fmt: skip
    subprocess.run(
        ["git", "-C", str(path), "update-ref", "-d", "refs/heads/_pr"], check=True, env=env
    )
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", "main"], check=True, env=env)


# --- the production path over a generated history, for the self-checks -------------------


@dataclass(frozen=True)
class GitRun:
    """What the dashboard measures on one generated history, and the truth beside it."""

    history: GitHistory
    facts: Facts
    uplift: Uplift  # facts.measured: adoption dated as the dashboard dates it
    adoption: pl.DataFrame  # the dashboard's adoption dates (person_key, adopted_on, basis)
    true_uplift: Uplift  # the same estimator, with each adopter dated by the true start
    lags: pl.DataFrame  # per adopter: person_key, true_on, adopted_on, lag_days (null: unseen)


def measure_history(history: GitHistory, db_url: str, settings: Settings | None = None) -> GitRun:
    """Run the production path over ``history`` into the empty store at ``db_url``:
    ``collect git`` (collector), identities, tagging, ``load_facts``, then the uplift as
    the dashboard computes it (:func:`aimetrics.figures.measured.measured`) and once more
    with the true adoption dates (to tell the dating's share of any bias)."""
    from aimetrics.figures.cost import work
    from aimetrics.figures.facts import load_facts_for
    from aimetrics.figures.measured import measured
    from aimetrics.figures.view import view_of
    from aimetrics.metrics.period import Period
    from aimetrics.metrics.uplift import SEAT, throughput_uplift
    from aimetrics.pipeline import run_pipeline
    from aimetrics.settings import load_settings
    from aimetrics.store import create_store_engine, upgrade
    from aimetrics.tagging import ruleset_from_settings
    from aimetrics.tagging.identities import is_bot_email
    from collectors.git_local import collect_repo, inspect_repo

    settings = settings or load_settings(None)
    engine = create_store_engine(db_url)
    try:
        upgrade(engine)
        rules = ruleset_from_settings(settings)
        # As `aimetrics collect git` wires it: collect, then the pipeline (people and
        # identities, then tagging).
        bots = functools.partial(is_bot_email, ruleset=rules)
        collect_repo(engine, inspect_repo(history.path), bot_email=bots)
        run_pipeline(engine, settings, rules)
        facts = load_facts_for(engine, settings)
    finally:
        engine.dispose()
    end = history.spec.end
    view = view_of(settings, Period(end - dt.timedelta(days=89), end))
    shown = measured(facts, view)
    emails = facts.directory.filter(pl.col("kind") == "email").select(
        pl.col("value").alias("email"), "person_key"
    )
    truth = pl.DataFrame(
        {"email": list(history.adopted_on), "true_on": list(history.adopted_on.values())},
        schema={"email": pl.String, "true_on": pl.Date},
    ).join(emails, on="email")
    # Dated as a seat would date it: a day known in advance, no marker lag to allow for.
    true_adoption = truth.select(
        "person_key", pl.col("true_on").alias("adopted_on"), pl.lit(SEAT).alias("basis")
    )
    merged, activity = work(facts, view.selection)
    true_uplift = throughput_uplift(
        merged, activity, true_adoption.lazy(), settings=view.statistics, tz=view.tz,
        week_start_day=view.week_start,
    )  # fmt: skip
    lags = (
        truth.join(shown.adoption.select("person_key", "adopted_on"), on="person_key", how="left")
        .with_columns((pl.col("adopted_on") - pl.col("true_on")).dt.total_days().alias("lag_days"))
        .select("person_key", "true_on", "adopted_on", "lag_days")
        .sort("person_key")
    )
    return GitRun(history, facts, shown.uplift, shown.adoption, true_uplift, lags)
