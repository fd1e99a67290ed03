"""Fetching a repository's pull requests in bulk through GraphQL, and assembling them.

`fetch_page` asks for as many PRs per query as GitHub answers in time: it starts
at 100 and halves the page on a 502, 504, read timeout or a partial answer whose
errors look like a timeout or a resource limit (GitHub's answers to a query too
heavy to finish), then grows back after a few successes. `PullSet`
assembles bulk pages and follow-up pages (commits, reviews, labels beyond the
first 100 of a PR) into complete PR nodes; replaying the same pages gives the
same set, which is what makes an interrupted sync resumable from its raw pages.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from github import GithubException

from collectors.github.client import GitHubClient, GitHubUnavailable, GraphQLPartial
from collectors.github.queries import FOLLOW_UPS, NESTED_PAGE, PULL_REQUESTS

NESTED_KINDS = ("labels", "commits", "reviews")
BULK_OPERATION = "PullRequests"
_TOO_HEAVY = (502, 504)


@dataclass
class PageSizer:
    """Adaptive page size: halve on a too-heavy answer, double after ``grow_after`` successes."""

    size: int = 100
    minimum: int = 1
    maximum: int = 100
    grow_after: int = 3
    shrinks: int = 0
    _streak: int = 0

    def shrink(self) -> bool:
        """Halve the page; False when it is already as small as it gets."""
        if self.size <= self.minimum:
            return False
        self.size = max(self.minimum, self.size // 2)
        self.shrinks += 1
        self._streak = 0
        return True

    def succeeded(self) -> None:
        self._streak += 1
        if self._streak >= self.grow_after and self.size < self.maximum:
            self.size = min(self.maximum, self.size * 2)
            self._streak = 0


def fetch_adaptive(
    client: GitHubClient,
    query: str,
    variables: dict[str, Any],
    sizer: PageSizer,
    what: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run ``query`` with ``first`` from ``sizer``; return (variables sent, JSON body)."""
    while True:
        sent = {**variables, "first": sizer.size}
        try:
            body = client.graphql(query, sent, what)
        except GraphQLPartial as exc:
            # Never kept: the whole page is asked again, smaller, or the sync stops here.
            if exc.retryable and sizer.shrink():
                continue
            raise
        except GithubException as exc:
            if exc.status in _TOO_HEAVY and sizer.shrink():
                continue
            if exc.status >= 500:
                raise GitHubUnavailable(f"{what}: GitHub answered {exc.status}") from None
            raise
        except requests.Timeout:
            if sizer.shrink():
                continue
            raise GitHubUnavailable(f"{what}: timed out even one item per page") from None
        sizer.succeeded()
        return sent, body


def bulk_variables(
    owner: str,
    name: str,
    after: str | None,
    *,
    history: bool = False,
    history_after: str | None = None,
    since: str | None = None,
) -> dict[str, Any]:
    """``history``: also the default branch's history page after ``history_after``."""
    return {
        "owner": owner,
        "name": name,
        "after": after,
        "nested": NESTED_PAGE,
        "history": history,
        "historyAfter": history_after,
        "since": since,
    }


def fetch_page(
    client: GitHubClient, owner: str, name: str, after: str | None, sizer: PageSizer, **history: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One bulk page of PRs (newest update first) after cursor ``after``, and the history
    page ``history`` asks for (see ``bulk_variables``)."""
    variables = bulk_variables(owner, name, after, **history)
    return fetch_adaptive(client, PULL_REQUESTS, variables, sizer, f"{owner}/{name}")


@dataclass(frozen=True)
class FollowUp:
    number: int
    kind: str  # commits | reviews | labels
    after: str

    @property
    def operation(self) -> str:
        return f"PullRequest{self.kind.capitalize()}"


def fetch_follow_up(
    client: GitHubClient, owner: str, name: str, follow: FollowUp, sizer: PageSizer
) -> tuple[dict[str, Any], dict[str, Any]]:
    variables = {"owner": owner, "name": name, "number": follow.number, "after": follow.after}
    what = f"{owner}/{name}#{follow.number} {follow.kind}"
    return fetch_adaptive(client, FOLLOW_UPS[follow.kind], variables, sizer, what)


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class PullSet:
    """The PRs of one repository that changed since ``stop_at`` (and since ``since``)."""

    stop_at: datetime | None = None
    since: datetime | None = None
    repository: dict[str, Any] | None = None
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    """PR nodes not yet taken (see ``take``)."""
    numbers: set[int] = field(default_factory=set)
    """Every PR number added, taken or not."""
    total: int | None = None
    after: str | None = None
    done: bool = False
    high_water: str | None = None
    """``updatedAt`` of the newest PR seen: the next run's ``stop_at``."""
    _pending: dict[tuple[int, str], str] = field(default_factory=dict)

    def add_page(self, body: dict[str, Any]) -> None:
        repo = body["data"]["repository"]
        self.repository = {k: v for k, v in repo.items() if k != "pullRequests"}
        branch = repo.get("defaultBranchRef")
        self.repository["defaultBranchRef"] = {"name": branch["name"]} if branch else None
        connection = repo["pullRequests"]
        self.total = connection["totalCount"]
        nodes = connection["nodes"]
        if self.high_water is None and nodes:
            self.high_water = nodes[0]["updatedAt"]
        for node in nodes:
            updated = parse_time(node["updatedAt"])
            if self._is_old(updated):
                self.done = True
                break
            pull = copy.deepcopy(node)
            self.pulls[pull["number"]] = pull
            self.numbers.add(pull["number"])
            for kind in NESTED_KINDS:
                info = pull[kind]["pageInfo"]
                if info["hasNextPage"]:
                    self._pending[(pull["number"], kind)] = info["endCursor"]
        info = connection["pageInfo"]
        self.after = info["endCursor"]
        if not info["hasNextPage"]:
            self.done = True

    def _is_old(self, updated: datetime | None) -> bool:
        if updated is None:
            return False
        return (self.stop_at is not None and updated <= self.stop_at) or (
            self.since is not None and updated < self.since
        )

    def add_follow_up(self, follow_kind: str, number: int, body: dict[str, Any]) -> None:
        pull = body["data"]["repository"]["pullRequest"]
        connection = pull[follow_kind]
        target = self.pulls[number][follow_kind]
        target["nodes"].extend(connection["nodes"])
        info = connection["pageInfo"]
        if info["hasNextPage"]:
            self._pending[(number, follow_kind)] = info["endCursor"]
        else:
            self._pending.pop((number, follow_kind), None)

    def add(self, operation: str, variables: dict[str, Any], body: dict[str, Any]) -> None:
        """Add a stored page, bulk or follow-up, by the operation that fetched it."""
        if operation == BULK_OPERATION:
            self.add_page(body)
            return
        kind = operation.removeprefix("PullRequest").lower()
        self.add_follow_up(kind, int(variables["number"]), body)

    def pending(self) -> list[FollowUp]:
        """Follow-up pages still to fetch, in a stable order."""
        return [FollowUp(n, k, after) for (n, k), after in sorted(self._pending.items())]

    def take(self) -> list[dict[str, Any]]:
        """The complete PRs (no follow-up pending), removed from the set to free memory."""
        busy = {number for number, _ in self._pending}
        done = [pull for number, pull in self.pulls.items() if number not in busy]
        self.pulls = {number: pull for number, pull in self.pulls.items() if number in busy}
        return done

    @property
    def default_branch(self) -> str | None:
        branch = (self.repository or {}).get("defaultBranchRef")
        return branch["name"] if branch else None

    @property
    def fetched(self) -> int:
        return len(self.numbers)
