"""Raw GraphQL nodes -> store frames (repositories, pull requests, labels, commits, reviews).

Pure functions: the same pages always give the same rows. Logins are spelled
once, the way REST and git spell them: GraphQL drops the ``[bot]`` suffix of a
bot's login (``dependabot``, ``copilot-swe-agent``), so a ``Bot`` actor gets it
back, except ``Copilot``, which REST also spells without it. A commit author
that is a bot has no GraphQL ``user``; its login is read from its noreply
address (``<id>+<name>[bot]@users.noreply.github.com``). A deleted account is
``None`` (GitHub's "ghost"). Review ids are 64-bit (``review_id``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import polars as pl
import sqlalchemy as sa

from aimetrics.store import schema as s
from aimetrics.store.types import table_schema

SOURCE = "github"
_BOT_NOREPLY = re.compile(r"^\d+\+(?P<login>[^@]+\[bot\])@users\.noreply\.github\.com$", re.I)
_UNSUFFIXED_BOTS = frozenset({"Copilot"})


def actor_login(actor: Mapping[str, Any] | None) -> str | None:
    """The login as REST spells it (``[bot]`` restored for bots); None for a deleted account."""
    if not actor or not actor.get("login"):
        return None
    login = str(actor["login"])
    if (
        actor.get("__typename") == "Bot"
        and login not in _UNSUFFIXED_BOTS
        and not login.endswith("[bot]")
    ):
        login += "[bot]"
    return login


def actor_type(actor: Mapping[str, Any] | None) -> str | None:
    return str(actor["__typename"]) if actor and actor.get("__typename") else None


def git_login(git_actor: Mapping[str, Any] | None) -> str | None:
    """A commit author's/committer's GitHub login: the linked user, else a bot's noreply."""
    if not git_actor:
        return None
    user = git_actor.get("user")
    if user and user.get("login"):
        return str(user["login"])
    found = _BOT_NOREPLY.match(git_actor.get("email") or "")
    return found.group("login") if found else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _frame(table: sa.Table, rows: list[dict[str, Any]]) -> pl.DataFrame:
    columns = list(rows[0]) if rows else [c.name for c in table.columns]
    return pl.DataFrame(rows, schema=table_schema(table, columns), orient="row")


def repository_frame(repo: Mapping[str, Any]) -> pl.DataFrame:
    default = repo.get("defaultBranchRef") or {}
    row = {
        "id": repo["databaseId"],
        "full_name": repo["nameWithOwner"],
        "source": SOURCE,
        "web_url": repo.get("url"),
        "default_branch": default.get("name"),
        "is_fork": bool(repo.get("isFork")),
        "is_archived": bool(repo.get("isArchived")),
        "created_at": _time(repo.get("createdAt")),
    }
    return _frame(s.repositories, [row])


def _ready_at(pull: Mapping[str, Any]) -> datetime | None:
    """When the PR left draft: its last ReadyForReviewEvent, else created_at; None if draft."""
    if pull.get("isDraft"):
        return None
    events = [
        e for e in (pull.get("timelineItems") or {}).get("nodes") or [] if e and e.get("createdAt")
    ]
    if events:
        return _time(events[-1]["createdAt"])
    return _time(pull.get("createdAt"))


def _pull_row(repo_id: int, pull: Mapping[str, Any]) -> dict[str, Any]:
    author = pull.get("author")
    merge = pull.get("mergeCommit") or {}
    return {
        "repo_id": repo_id,
        "number": pull["number"],
        "node_id": pull.get("id"),
        "title": pull.get("title"),
        "body": pull.get("body"),
        "state": pull["state"],
        "is_draft": bool(pull.get("isDraft")),
        "author_login": actor_login(author),
        "author_type": actor_type(author),
        "created_at": _time(pull.get("createdAt")),
        "ready_at": _ready_at(pull),
        "merged_at": _time(pull.get("mergedAt")),
        "closed_at": _time(pull.get("closedAt")),
        "updated_at": _time(pull.get("updatedAt")),
        "additions": pull.get("additions"),
        "deletions": pull.get("deletions"),
        "changed_files": pull.get("changedFiles"),
        "commit_count": pull["commits"]["totalCount"],
        "head_ref": pull.get("headRefName"),
        "base_ref": pull.get("baseRefName"),
        "merge_commit_sha": merge.get("oid"),
        "source": SOURCE,
    }


def _commit_row(
    repo_id: int, commit: Mapping[str, Any], *, on_default_branch: bool = False
) -> dict[str, Any]:
    """A commit; ``on_default_branch`` only as far as this node shows (see `branch`)."""
    author = commit.get("author") or {}
    parents = commit.get("parents")
    committer = commit.get("committer") or {}
    return {
        "repo_id": repo_id,
        "sha": commit["oid"],
        "author_name": author.get("name"),
        "author_email": author.get("email"),
        "author_login": git_login(author),
        "committer_name": committer.get("name"),
        "committer_email": committer.get("email"),
        "committer_login": git_login(committer),
        "authored_at": _time(commit.get("authoredDate")),
        "committed_at": _time(commit.get("committedDate")),
        "message": commit.get("message"),
        "additions": commit.get("additions"),
        "deletions": commit.get("deletions"),
        "parent_count": parents.get("totalCount") if isinstance(parents, Mapping) else None,
        "on_default_branch": on_default_branch,
    }


def review_id(review: Mapping[str, Any]) -> int | None:
    """A review's 64-bit id: ``fullDatabaseId`` (a ``BigInt``, sent as a JSON string).

    Pages stored by a version that asked for the deprecated 32-bit ``databaseId`` (an
    interrupted sync resumed after an upgrade) still carry that key: read it too.
    """
    value = review.get("fullDatabaseId")
    if value is None:
        value = review.get("databaseId")
    return int(value) if value is not None else None


def _review_row(repo_id: int, number: int, review: Mapping[str, Any]) -> dict[str, Any]:
    author = review.get("author")
    return {
        "repo_id": repo_id,
        "review_id": review_id(review),
        "pr_number": number,
        "reviewer_login": actor_login(author),
        "reviewer_type": actor_type(author),
        "state": review["state"],
        "submitted_at": _time(review.get("submittedAt")),
    }


def _merged_into(pull: Mapping[str, Any], default_branch: str | None) -> bool:
    return (
        pull.get("state") == "MERGED"
        and default_branch is not None
        and pull.get("baseRefName") == default_branch
    )


def pull_frames(
    repo_id: int, pulls: Iterable[Mapping[str, Any]], default_branch: str | None = None
) -> list[tuple[sa.Table, pl.DataFrame]]:
    """Frames for the pull requests and everything hanging off them, in foreign-key order.

    The merge commit of a PR merged into ``default_branch`` is a commit row too, on the
    default branch (a squash or merge commit the PR's own commits do not include).
    """
    pr_rows, label_rows, commit_rows, link_rows, review_rows = [], [], [], [], []
    seen_commits: set[str] = set()
    for pull in pulls:
        number = pull["number"]
        pr_rows.append(_pull_row(repo_id, pull))
        merge = pull.get("mergeCommit")
        if (
            merge
            and merge.get("message") is not None
            and merge["oid"] not in seen_commits
            and _merged_into(pull, default_branch)
        ):
            seen_commits.add(merge["oid"])
            commit_rows.append(_commit_row(repo_id, merge, on_default_branch=True))
        labels = {n["name"] for n in pull["labels"]["nodes"] if n and n.get("name")}
        label_rows += [
            {"repo_id": repo_id, "pr_number": number, "label": label} for label in sorted(labels)
        ]
        shas: set[str] = set()
        for node in pull["commits"]["nodes"]:
            commit = (node or {}).get("commit")
            if not commit:
                continue
            if commit["oid"] not in seen_commits:
                seen_commits.add(commit["oid"])
                commit_rows.append(_commit_row(repo_id, commit))  # branch flags: `branch`
            if commit["oid"] not in shas:
                shas.add(commit["oid"])
                link_rows.append({"repo_id": repo_id, "pr_number": number, "sha": commit["oid"]})
        review_rows += [
            _review_row(repo_id, number, r)
            for r in pull["reviews"]["nodes"]
            if r and review_id(r) is not None
        ]
    # GitHub's ids are unique, but one statement must never upsert a key twice (PostgreSQL
    # refuses), so the last occurrence of a review id wins.
    review_rows = list({r["review_id"]: r for r in review_rows}.values())
    return [
        (s.pull_requests, _frame(s.pull_requests, pr_rows)),
        (s.pull_request_labels, _frame(s.pull_request_labels, label_rows)),
        (s.commits, _frame(s.commits, commit_rows)),
        (s.pull_request_commits, _frame(s.pull_request_commits, link_rows)),
        (s.reviews, _frame(s.reviews, review_rows)),
    ]


def history_frame(repo_id: int, nodes: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Commits of the default branch's history (``on_default_branch`` true)."""
    rows = {n["oid"]: _commit_row(repo_id, n, on_default_branch=True) for n in nodes if n}
    return _frame(s.commits, list(rows.values()))
