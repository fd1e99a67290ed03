"""The default branch's history: every commit on it, pushed inside a PR or not.

Its pages ride on the sync's bulk pages of PRs (``$history`` in
``queries.PULL_REQUESTS``) while both last, so an unchanged repository still
costs one query and a full sync no extra one for most of the history; what is
left continues with ``DefaultBranchHistory`` pages. Incremental:
``since`` is the newest commit time the previous sync saw; GitHub's ``since``
is inclusive, so commits at or before it are not new. A commit whose committer
date is older than that (pushed long after it was made) is only seen by a
``--full`` sync, or through its PR (see ``branch``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors.github.client import GitHubClient
from collectors.github.pulls import PageSizer, fetch_adaptive, parse_time
from collectors.github.queries import DEFAULT_BRANCH_HISTORY

HISTORY_OPERATION = "DefaultBranchHistory"


@dataclass
class History:
    """Default-branch commits newer than ``since``, gathered page by page."""

    since: datetime | None = None
    nodes: list[dict[str, Any]] = field(default_factory=list)
    after: str | None = None
    started: bool = False
    pending: bool = False
    """More pages to fetch (``after`` is where they start)."""
    high_water: str | None = None
    """The newest ``committedDate`` seen: the next sync's ``since``."""
    fetched: int = 0

    def add(self, body: dict[str, Any]) -> None:
        """Add the history page a bulk or history answer carries (a bulk page may have none)."""
        repo = body["data"]["repository"] or {}
        if "defaultBranchRef" in repo and repo["defaultBranchRef"] is None:
            self.started, self.pending = True, False  # an empty repository: no branch yet
            return
        ref = repo.get("defaultBranchRef") or {}
        connection = (ref.get("target") or {}).get("history")
        if connection is None:  # a page that did not ask for history
            return
        for node in connection["nodes"]:
            if not node:
                continue
            committed = parse_time(node.get("committedDate"))
            if committed is not None and (
                self.high_water is None or committed > parse_time(self.high_water)  # type: ignore[operator]
            ):
                self.high_water = node["committedDate"]
            if self.since is not None and committed is not None and committed <= self.since:
                continue
            self.nodes.append(node)
            self.fetched += 1
        info = connection["pageInfo"]
        self.started, self.pending = True, bool(info["hasNextPage"])
        self.after = info["endCursor"] or self.after

    @property
    def wanted(self) -> bool:
        """Whether a page is still to be read (the first one, or more)."""
        return self.pending or not self.started

    def marker(self) -> tuple[int, str | None]:
        """Changes when a page brought commits or a page to continue from (such a page is
        kept for a resume; a last page of old commits only is not)."""
        return self.fetched, self.after if self.pending else None

    def take(self) -> list[dict[str, Any]]:
        """The nodes gathered since the last take (to normalize them and free the memory)."""
        nodes, self.nodes = self.nodes, []
        return nodes


def history_variables(owner: str, name: str, after: str | None, since: str | None) -> dict:
    return {"owner": owner, "name": name, "after": after, "since": since}


def fetch_history_page(
    client: GitHubClient,
    owner: str,
    name: str,
    history: History,
    since: str | None,
    sizer: PageSizer,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The next page of the default branch's history after ``history.after``."""
    variables = history_variables(owner, name, history.after, since)
    return fetch_adaptive(
        client, DEFAULT_BRANCH_HISTORY, variables, sizer, f"{owner}/{name} default branch"
    )
