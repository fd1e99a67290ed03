"""The edge where the metrics meet the store: read once, derive the shared frames once.

Everything else in :mod:`aimetrics.metrics` is a pure function of the frames
:func:`load_inputs` returns, so the dashboard, the exports and the tests all
compute the same figures from the same inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl
import sqlalchemy as sa

from aimetrics.metrics.cost.seats import read_seats
from aimetrics.metrics.people import person_directory
from aimetrics.metrics.work import engineer_activity, merged_work
from aimetrics.store import Snapshot
from aimetrics.store import schema as s
from aimetrics.tagging import commit_flags, pr_flags

if TYPE_CHECKING:
    from aimetrics.settings import AiTool

COMMIT_COLUMNS = (
    "repo_id",
    "sha",
    "author_login",
    "author_email",
    "authored_at",
    "committed_at",
    "on_default_branch",
)


@dataclass(frozen=True)
class MetricInputs:
    """The frames every Overview metric starts from (see :mod:`aimetrics.metrics.work`)."""

    merged: pl.DataFrame  # merged_work: merged PRs with AI flags and author
    activity: pl.DataFrame  # engineer_activity: person_key, at
    seat_plans: pl.DataFrame  # the store's and the configuration's: combined_seat_plans
    cost_records: pl.DataFrame  # the store table
    sync_state: pl.DataFrame  # the store table
    seat_assignments: pl.DataFrame  # the store's and the config's holders: combined_seats

    @property
    def latest_merged_at(self):  # type: ignore[no-untyped-def]
        """The latest merge time in the store (None when nothing was merged)."""
        return self.merged["merged_at"].max()


def load_inputs(
    engine: sa.Engine,
    *,
    min_confidence: str = "medium",
    exclude: Iterable[str] = (),
    bots: Iterable[str] = (),
    ai_tools: Sequence[AiTool] = (),
) -> MetricInputs:
    """Read the store and derive :class:`MetricInputs`.

    ``min_confidence``: ``tagging.min_confidence``; ``exclude``:
    ``exclude.people``; ``bots``: the rule catalogue's non-AI bot logins and
    e-mails (``RuleSet.non_ai_bots``); ``ai_tools``: the configuration's
    ``ai_tools`` (their seat plans and holders join the store's: :func:`read_seats`).
    """
    exclude, bots = tuple(exclude), tuple(bots)
    # One read transaction for every table (aimetrics.store.Snapshot): a sync committed
    # meanwhile is seen whole or not at all.
    with Snapshot(engine) as snap:
        prs = snap.read(
            s.pull_requests,
            columns=["repo_id", "number", "merged_at", "author_login", "author_type"],
            where=s.pull_requests.c.merged_at.is_not(None),
        ).lazy()
        commits = snap.read(
            s.commits,
            columns=list(COMMIT_COLUMNS),
            where=s.commits.c.on_default_branch.is_(True),
        ).lazy()
        tags = snap.read(s.ai_tags).lazy()
        links = snap.read(s.pull_request_commits).lazy()
        reviews = snap.read(s.reviews, columns=["repo_id", "review_id", "pr_number"]).lazy()
        people, identities = snap.read(s.people).lazy(), snap.read(s.identities).lazy()
        seat_plans, seat_assignments = read_seats(snap, ai_tools)
        cost_records, sync_state = snap.read(s.cost_records), snap.read(s.sync_state)
    flags = pr_flags(
        prs, links, tags, min_confidence, reviews=reviews,
        bot_logins=[b for b in bots if "@" not in b],
    )  # fmt: skip
    directory = person_directory(people, identities, exclude)
    # Collected here on purpose: both frames are shared by every metric and period.
    merged = merged_work(prs, flags, directory, exclude, bots).collect()
    activity = engineer_activity(
        merged.lazy(),
        commits,
        directory,
        exclude,
        commit_flags(commits, tags, min_confidence),
        bots,
    ).collect()
    return MetricInputs(
        merged=merged,
        activity=activity,
        seat_plans=seat_plans,
        cost_records=cost_records,
        sync_state=sync_state,
        seat_assignments=seat_assignments,
    )
