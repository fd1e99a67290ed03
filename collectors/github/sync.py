"""One repository's sync: fetch changed PRs and new default-branch commits page by page,
checkpoint, write once, list for tagging.

Incremental by default: PRs come newest update first and fetching stops at the
first PR not updated since the previous sync (``sync_state.cursor``); the
default branch's history is read since the newest commit the previous sync saw
(the ``github-history`` row's cursor); both start in the same first query, so
an unchanged repository costs one small request. ``full`` ignores the cursors.
Pages are stored as they arrive (`checkpoint`) and normalized into frames every
few thousand PRs (`buffer`); the repository's rows are written in one
`write_frames` transaction with its new cursors, so a reader never sees a
half-synced repository; an interrupted sync resumes from its stored pages.
A repository whose rows changed is listed as waiting to be tagged in that same
transaction (`aimetrics.store.pending`); the pipeline (`aimetrics.pipeline`) tags it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from github import GithubException, RateLimitExceededException, UnknownObjectException

from aimetrics.store import Replace, write_frames
from aimetrics.store import schema as s
from aimetrics.store.pending import mark_pending, pending_rows
from collectors.github import branch
from collectors.github import checkpoint as cp
from collectors.github.buffer import Gathered
from collectors.github.client import (
    GitHubClient,
    GitHubUnavailable,
    error_messages,
    graphql_error_types,
    rate_limited,
)
from collectors.github.failures import GraphQLFailure, failure_of, follow_on
from collectors.github.history import HISTORY_OPERATION, History, fetch_history_page
from collectors.github.normalize import repository_frame
from collectors.github.progress import RepoResult, Reporter
from collectors.github.pulls import (
    BULK_OPERATION,
    PageSizer,
    PullSet,
    fetch_follow_up,
    fetch_page,
    parse_time,
)

INCREMENTAL_FIRST_PAGE = 10
"""First page of an incremental sync: small, since most repositories changed little."""
HISTORY_SOURCE = "github-history"
"""``sync_state.source`` of the default-branch history cursor (scope: the repository)."""
_REPLACE_CHUNK = 2000
_REPLAY_BATCH = 50
"""Stored pages read back at a time when resuming."""


@dataclass(frozen=True)
class SyncOptions:
    full: bool = False
    since: datetime | None = None


@dataclass
class RepoSync:
    engine: sa.Engine
    client: GitHubClient
    options: SyncOptions
    reporter: Reporter
    store_lock: threading.Lock

    def run(self, full_name: str) -> RepoResult:
        owner, _, name = full_name.partition("/")
        scope = full_name.lower()
        spent = self.client.counter.value
        self.reporter.repo_started(full_name)
        with self.store_lock:
            state = cp.read_state(self.engine, scope)
            history_cursor = cp.read_state(self.engine, scope, source=HISTORY_SOURCE).cursor
        # The GraphQL error that ended the previous run, if it ended incomplete: the same
        # one again is reported as repeating (see `failures`).
        previous = (
            GraphQLFailure.from_json(state.detail.get("failure"))
            if state.status == "incomplete"
            else None
        )
        failure: GraphQLFailure | None = None
        if state.status == "running" and state.detail.get("phase") == "tag":
            self._hand_over_tagging(scope, state)
        try:
            result = self._sync(owner, name, scope, state, history_cursor)
        except UnknownObjectException:
            result = RepoResult(full_name, "not_found", detail="not found or not accessible")
            self.reporter.warn(
                f"{full_name}: repository not found or not accessible with this token; skipped"
            )
        except GitHubUnavailable as exc:
            result = RepoResult(full_name, "incomplete", detail=str(exc))
            failure = failure_of(exc)
        except RateLimitExceededException:
            result = RepoResult(
                full_name, "incomplete", detail="GitHub's rate limit is exhausted; re-run later"
            )
        except GithubException as exc:
            result = self._refused(full_name, exc)
            if result.status == "incomplete":
                failure = failure_of(exc)
        result.full_name = full_name
        result.requests = self.client.counter.value - spent
        if result.status == "incomplete":
            if failure is not None:
                failure = follow_on(previous, failure)
                result.failure = failure.to_json()
                if failure.repeated:
                    result.detail = f"{full_name}: {failure.advice()}"
            self._mark_incomplete(scope, result.detail, failure)
        self.reporter.repo_finished(result)
        return result

    def _refused(self, full_name: str, exc: GithubException) -> RepoResult:
        types = graphql_error_types(exc)
        # GraphQL refuses access inside a 200 answer (FORBIDDEN); an HTTP 403 is a primary or
        # secondary ("abuse detection") limit that outlasted the waits (its body often read
        # away by the retry policy): not "not accessible".
        if rate_limited(exc) or (exc.status == 403 and not types):
            return RepoResult(
                full_name, "incomplete", detail="GitHub's rate limit is exhausted; re-run later"
            )
        if exc.status in (403, 404) or types & {"FORBIDDEN", "NOT_FOUND"}:
            why = f"GitHub answered {exc.status}" if exc.status != 400 else ", ".join(sorted(types))
            self.reporter.warn(f"{full_name}: not accessible with this token ({why}); skipped")
            return RepoResult(full_name, "not_found", detail=why)
        if "RATE_LIMITED" in types:
            return RepoResult(
                full_name, "incomplete", detail="GitHub's rate limit is exhausted; re-run later"
            )
        why = error_messages(exc)
        detail = f"GitHub answered {exc.status}" + (f": {why}" if why else "")
        return RepoResult(full_name, "incomplete", detail=detail)

    # --- fetching ---------------------------------------------------------------------------------

    def _new_run(self, state: cp.SyncState, history_cursor: str | None) -> dict[str, Any]:
        stop_at = None if self.options.full else state.cursor
        since = self.options.since.isoformat() if self.options.since else None
        history_since = since if self.options.full else _later(history_cursor, since)
        return {
            "stop_at": stop_at,
            "since": since,
            "history_since": history_since,
            "pages": [],
            "started": cp.now().isoformat(),
        }

    def _sync(
        self, owner: str, name: str, scope: str, state: cp.SyncState, history_cursor: str | None
    ) -> RepoResult:
        stored = state.detail.get("run") if state.status in ("running", "incomplete") else None
        # Resume an interrupted run, unless --full asks for more than it was fetching.
        resume = stored is not None and (not self.options.full or stored["stop_at"] is None)
        run = stored if resume and stored is not None else self._new_run(state, history_cursor)
        history_since = run.get("history_since")
        job = Gathered(
            PullSet(stop_at=parse_time(run["stop_at"]), since=parse_time(run["since"])),
            History(since=parse_time(history_since)),
        )
        self._replay(job, run["pages"])
        pulls = job.pulls
        incremental = run["stop_at"] is not None
        # Incremental: start small, double each page; full: start at GitHub's maximum.
        sizer = PageSizer(INCREMENTAL_FIRST_PAGE, grow_after=1) if incremental else PageSizer()
        follow_sizer = PageSizer()
        while True:
            for follow in pulls.pending():
                sent, body = fetch_follow_up(self.client, owner, name, follow, follow_sizer)
                self._checkpoint(scope, run, state, follow.operation, sent, body)
                job.absorb(follow.operation, sent, body)
            if pulls.done:
                break
            history = job.history
            sent, body = fetch_page(
                self.client,
                owner,
                name,
                pulls.after,
                sizer,
                history=history.wanted,
                history_after=history.after,
                since=history_since,
            )
            before = job.marker()
            job.absorb(BULK_OPERATION, sent, body)
            if job.marker() != before:  # pages that only show "nothing new" are not kept
                self._checkpoint(scope, run, state, BULK_OPERATION, sent, body)
            self._progress(
                owner, name, job, total=None if incremental or run["since"] else pulls.total
            )
        while job.history.wanted:
            sent, body = fetch_history_page(
                self.client, owner, name, job.history, history_since, follow_sizer
            )
            self._checkpoint(scope, run, state, HISTORY_OPERATION, sent, body)
            job.absorb(HISTORY_OPERATION, sent, body)
        return self._finish(scope, run, state, job, history_cursor)

    def _replay(self, job: Gathered, digests: list[str]) -> None:
        """Add the stored pages of an interrupted run, a batch at a time."""
        for start in range(0, len(digests), _REPLAY_BATCH):
            with self.store_lock:
                pages = cp.load_pages(self.engine, digests[start : start + _REPLAY_BATCH])
            for request, body in pages:
                job.absorb(request["operation"], request["variables"], body)

    def _progress(self, owner: str, name: str, job: Gathered, total: int | None) -> None:
        self.reporter.repo_progress(
            f"{owner}/{name}",
            fetched=job.pulls.fetched,
            total=total,
            requests=self.client.counter.value,
            rate_remaining=self.client.rate_remaining,
        )

    def _checkpoint(
        self,
        scope: str,
        run: dict[str, Any],
        state: cp.SyncState,
        operation: str,
        variables: dict[str, Any],
        body: dict[str, Any],
    ) -> None:
        run["pages"].append(cp.payload_digest(body))
        values = cp.state_values(
            scope,
            status="running",
            detail={"run": run},
            cursor=state.cursor,
            started_at=datetime.fromisoformat(run["started"]),
        )
        request = cp.request_text(operation, "/graphql", variables)
        with self.store_lock:
            cp.save_page(self.engine, scope, request=request, body=body, state=values)

    # --- writing ----------------------------------------------------------------------------------

    def _finish(
        self,
        scope: str,
        run: dict[str, Any],
        state: cp.SyncState,
        job: Gathered,
        history_cursor: str | None,
    ) -> RepoResult:
        pulls, history = job.pulls, job.history
        assert pulls.repository is not None, "a finished sync has seen its repository"
        repo_id = int(pulls.repository["databaseId"])
        job.normalize(final=True)
        numbers = sorted(pulls.numbers)
        changed = bool(numbers) or history.fetched > 0
        cursor = _later(state.cursor, pulls.high_water) if numbers else state.cursor
        new_history_cursor = _later(history_cursor, history.high_water)
        buffer = job.buffer
        prs = buffer.take_unique(s.pull_requests)
        links = buffer.take_unique(s.pull_request_commits)
        started = datetime.fromisoformat(run["started"])
        state_row = cp.state_frame(
            scope,
            status="complete",
            detail={},
            cursor=cursor,
            started_at=started,
            finished_at=cp.now(),
        )
        history_row = cp.state_frame(
            scope,
            status="complete",
            detail={},
            cursor=new_history_cursor,
            started_at=started,
            finished_at=cp.now(),
            source=HISTORY_SOURCE,
        )
        # With changed rows, the repository waits to be tagged (written with the rows, so a
        # kill before tagging leaves it listed: see `aimetrics.pipeline`).
        pending = [(s.sync_state, pending_rows([repo_id]))] if changed else []
        with self.store_lock:
            # Read under the lock: no other worker writes this repository's commits meanwhile.
            commits = branch.settle(
                buffer.take(s.commits),
                branch.stored_facts(self.engine, repo_id),
                prs,
                links,
                pulls.default_branch,
            )
            frames = [
                (s.repositories, repository_frame(pulls.repository)),
                (s.pull_requests, prs),
                (s.pull_request_labels, buffer.take_unique(s.pull_request_labels)),
                (s.commits, commits),
                (s.pull_request_commits, links),
                (s.reviews, buffer.take_unique(s.reviews)),
            ]
            counts = {t.name: f.height for t, f in frames}
            write_frames(
                self.engine,
                [*frames, (s.sync_state, state_row), (s.sync_state, history_row), *pending],
                replace=_replaced(repo_id, numbers),
            )
            del frames, commits, prs, links
            cp.mark_normalized(self.engine, run["pages"])
        return RepoResult(
            "",
            "complete" if changed else "unchanged",
            prs=counts["pull_requests"],
            commits=counts["commits"],
            reviews=counts["reviews"],
        )

    def _hand_over_tagging(self, scope: str, state: cp.SyncState) -> None:
        """A store left by an older version, killed after a sync's rows were written but
        before it tagged them: list the repository for the pipeline to tag."""
        with self.store_lock:
            mark_pending(self.engine, [int(state.detail["repo_id"])])
            cp.write_state(
                self.engine,
                scope,
                status="complete",
                detail={},
                cursor=state.cursor,
                started_at=state.started_at,
                finished_at=cp.now(),
            )
        state.status, state.detail = "complete", {}

    def _mark_incomplete(
        self, scope: str, reason: str, failure: GraphQLFailure | None = None
    ) -> None:
        """Keep the run's stored pages (the next run resumes from them) and why it stopped."""
        with self.store_lock:
            state = cp.read_state(self.engine, scope)
            detail = {**state.detail, "error": reason}
            detail.pop("failure", None)  # only an error of this run counts as "in a row"
            if failure is not None:
                detail["failure"] = failure.to_json()
            cp.write_state(
                self.engine,
                scope,
                status="incomplete",
                detail=detail,
                cursor=state.cursor,
                started_at=state.started_at,
            )


def _later(a: str | None, b: str | None) -> str | None:
    """The later of two GitHub timestamps (either may be missing)."""
    if a is None or b is None:
        return a or b
    return a if parse_time(a) >= parse_time(b) else b  # type: ignore[operator]


def _replaced(repo_id: int, numbers: list[int]) -> list[Replace]:
    """Links, labels and reviews of re-fetched PRs are replaced, not merged (force-pushes)."""
    out = []
    for start in range(0, len(numbers), _REPLACE_CHUNK):
        chunk = numbers[start : start + _REPLACE_CHUNK]
        for table in (s.pull_request_labels, s.pull_request_commits, s.reviews):
            out.append(Replace(table, (table.c.repo_id == repo_id) & table.c.pr_number.in_(chunk)))
    return out
