"""One repository's sync: fetch changed PRs page by page, checkpoint, write once, re-tag.

Incremental by default: PRs come newest update first and fetching stops at the
first PR not updated since the previous sync (``sync_state.cursor``), so an
unchanged repository costs one small request. ``full`` ignores the cursor.
Pages are stored as they arrive (`checkpoint`); the repository's rows are
written in one `write_frames` transaction with its new cursor, so a reader
never sees a half-synced repository; an interrupted sync resumes from its
stored pages. Then the repository's AI tags are recomputed.
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
from aimetrics.tagging import RuleSet, tag_store
from collectors.github import checkpoint as cp
from collectors.github.client import GitHubClient, GitHubUnavailable, graphql_error_types
from collectors.github.normalize import pull_frames, repository_frame
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
_REPLACE_CHUNK = 2000


@dataclass(frozen=True)
class SyncOptions:
    full: bool = False
    since: datetime | None = None


@dataclass
class RepoSync:
    engine: sa.Engine
    client: GitHubClient
    ruleset: RuleSet
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
        if state.status == "running" and state.detail.get("phase") == "tag":
            self._retag(scope, state)
        try:
            result = self._sync(owner, name, scope, state)
        except UnknownObjectException:
            result = RepoResult(full_name, "not_found", detail="not found or not accessible")
            self.reporter.warn(
                f"{full_name}: repository not found or not accessible with this token; skipped"
            )
        except GitHubUnavailable as exc:
            result = RepoResult(full_name, "incomplete", detail=str(exc))
        except RateLimitExceededException:
            result = RepoResult(
                full_name, "incomplete", detail="GitHub's rate limit is exhausted; re-run later"
            )
        except GithubException as exc:
            result = self._refused(full_name, exc)
        result.full_name = full_name
        result.requests = self.client.counter.value - spent
        if result.status == "incomplete":
            self._mark_incomplete(scope, result.detail)
        self.reporter.repo_finished(result)
        return result

    def _refused(self, full_name: str, exc: GithubException) -> RepoResult:
        types = graphql_error_types(exc)
        if exc.status in (403, 404) or types & {"FORBIDDEN", "NOT_FOUND"}:
            why = f"GitHub answered {exc.status}" if exc.status != 400 else ", ".join(sorted(types))
            self.reporter.warn(f"{full_name}: not accessible with this token ({why}); skipped")
            return RepoResult(full_name, "not_found", detail=why)
        if "RATE_LIMITED" in types:
            return RepoResult(
                full_name, "incomplete", detail="GitHub's rate limit is exhausted; re-run later"
            )
        return RepoResult(full_name, "incomplete", detail=f"GitHub answered {exc.status}")

    # --- fetching ---------------------------------------------------------------------------------

    def _new_run(self, state: cp.SyncState) -> dict[str, Any]:
        stop_at = None if self.options.full else state.cursor
        since = self.options.since.isoformat() if self.options.since else None
        return {"stop_at": stop_at, "since": since, "pages": [], "started": cp.now().isoformat()}

    def _sync(self, owner: str, name: str, scope: str, state: cp.SyncState) -> RepoResult:
        stored = state.detail.get("run") if state.status in ("running", "incomplete") else None
        # Resume an interrupted run, unless --full asks for more than it was fetching.
        resume = stored is not None and (not self.options.full or stored["stop_at"] is None)
        run = stored if resume and stored is not None else self._new_run(state)
        pulls = PullSet(stop_at=parse_time(run["stop_at"]), since=parse_time(run["since"]))
        with self.store_lock:
            pages = cp.load_pages(self.engine, run["pages"])
        for request, body in pages:
            pulls.add(request["operation"], request["variables"], body)
        incremental = run["stop_at"] is not None
        # Incremental: start small, double each page; full: start at GitHub's maximum.
        sizer = PageSizer(INCREMENTAL_FIRST_PAGE, grow_after=1) if incremental else PageSizer()
        follow_sizer = PageSizer()
        while True:
            for follow in pulls.pending():
                sent, body = fetch_follow_up(self.client, owner, name, follow, follow_sizer)
                self._checkpoint(scope, run, state, follow.operation, sent, body)
                pulls.add(follow.operation, sent, body)
            if pulls.done:
                break
            sent, body = fetch_page(self.client, owner, name, pulls.after, sizer)
            before = pulls.fetched
            pulls.add_page(body)
            if pulls.fetched > before:  # pages that only show "nothing new" are not kept
                self._checkpoint(scope, run, state, BULK_OPERATION, sent, body)
            self.reporter.repo_progress(
                f"{owner}/{name}",
                fetched=pulls.fetched,
                total=None if incremental or run["since"] else pulls.total,
                requests=self.client.counter.value,
                rate_remaining=self.client.rate_remaining,
            )
        return self._finish(scope, run, state, pulls)

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
        self, scope: str, run: dict[str, Any], state: cp.SyncState, pulls: PullSet
    ) -> RepoResult:
        assert pulls.repository is not None, "a finished sync has seen its repository"
        repo_id = int(pulls.repository["databaseId"])
        changed = list(pulls.pulls.values())
        cursor = _later(state.cursor, pulls.high_water) if changed else state.cursor
        frames = [(s.repositories, repository_frame(pulls.repository))]
        frames += pull_frames(repo_id, changed)
        counts = {t.name: f.height for t, f in frames}
        started = datetime.fromisoformat(run["started"])
        # With changed rows, the sync completes after tagging (a kill in between re-tags).
        status = "running" if changed else "complete"
        detail = {"phase": "tag", "repo_id": repo_id} if changed else {}
        state_row = cp.state_frame(
            scope,
            status=status,
            detail=detail,
            cursor=cursor,
            started_at=started,
            finished_at=None if changed else cp.now(),
        )
        with self.store_lock:
            write_frames(
                self.engine,
                [*frames, (s.sync_state, state_row)],
                replace=_replaced(repo_id, [p["number"] for p in changed]),
            )
            cp.mark_normalized(self.engine, run["pages"])
            if changed:
                tag_store(self.engine, self.ruleset, repo_ids=[repo_id])
                cp.write_state(
                    self.engine,
                    scope,
                    status="complete",
                    detail={},
                    cursor=cursor,
                    started_at=started,
                    finished_at=cp.now(),
                )
        return RepoResult(
            "",
            "complete" if changed else "unchanged",
            prs=counts["pull_requests"],
            commits=counts["commits"],
            reviews=counts["reviews"],
        )

    def _retag(self, scope: str, state: cp.SyncState) -> None:
        """Finish a sync that was killed after its rows were written but before tagging."""
        with self.store_lock:
            tag_store(self.engine, self.ruleset, repo_ids=[int(state.detail["repo_id"])])
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

    def _mark_incomplete(self, scope: str, reason: str) -> None:
        with self.store_lock:
            state = cp.read_state(self.engine, scope)
            detail = {**state.detail, "error": reason}
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
