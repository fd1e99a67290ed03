"""Fixture data for the fake GitHub: organizations, repositories and GraphQL-shaped PRs.

Nodes follow the shapes GitHub's GraphQL API returns (``author`` is an ``Actor``
with ``__typename``; a deleted account is ``None``; GraphQL spells a bot's login
without ``[bot]``). The recorded PRs come from real REST bodies, converted once
(``tests/fixtures/github/graphql/recorded-pulls.json``); the builders make the
cases recordings rarely hold (bots, > 100 commits, thousands of PRs).

A merged PR's ``mergeCommit`` is a whole ``Commit`` (a squash commit by
default); a repository's default-branch history is, unless a test sets
``FakeRepo.branch``, the merge commits of its PRs merged into that branch.
Organizations have teams (``team``) and may have a GitHub App installation.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fakes.github_graphql import paginate

FIXTURES = Path(__file__).parents[1] / "fixtures" / "github"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def user(login: str) -> dict:
    return {"__typename": "User", "login": login}


def bot(login: str) -> dict:
    """A bot as GraphQL returns it: ``dependabot``, not ``dependabot[bot]``."""
    return {"__typename": "Bot", "login": login}


def git_actor(name: str, email: str, date: str, login: str | None = None) -> dict:
    return {"name": name, "email": email, "date": date, "user": {"login": login} if login else None}


def commit(
    oid: str,
    message: str,
    author: dict,
    committer: dict | None = None,
    *,
    additions: int = 10,
    deletions: int = 2,
    parents: int = 1,
) -> dict:
    """A ``PullRequestCommit`` node (``{"commit": Commit}``)."""
    committer = committer or author
    return {
        "commit": {
            "oid": oid,
            "message": message,
            "additions": additions,
            "deletions": deletions,
            "authoredDate": author["date"],
            "committedDate": committer["date"],
            "parents": [{"oid": sha(f"{oid}-parent-{i}")} for i in range(parents)],
            "author": author,
            "committer": committer,
        }
    }


def history_commit(
    oid: str,
    message: str,
    author: dict,
    committer: dict | None = None,
    *,
    parents: int = 1,
    additions: int = 10,
    deletions: int = 2,
) -> dict:
    """A ``Commit`` node as the default branch's history lists it."""
    node = commit(
        oid, message, author, committer, parents=parents, additions=additions, deletions=deletions
    )
    return {"__typename": "Commit", **node["commit"]}


def _git_actor_of(actor: dict | None, date: str) -> dict:
    """The git identity GitHub writes for a login (the PEOPLE's own, else a no-reply address)."""
    login = (actor or {}).get("login") or "ghost"
    known = {p[0]: p for p in PEOPLE}
    if login in known:
        _, name, email = known[login]
        return git_actor(name, email, date, login)
    return git_actor(login, f"{int(sha(login)[:6], 16)}+{login}@users.noreply.github.com", date)


def merge_commit(pull_node: dict, *, squash: bool = True) -> dict:
    """The commit that merged a PR: a squash commit (one parent) by default, else a merge."""
    merged = pull_node["mergedAt"]
    number = pull_node["number"]
    message = (
        f"{pull_node['title']} (#{number})"
        if squash
        else f"Merge pull request #{number} from {pull_node['headRefName']}\n\n{pull_node['title']}"
    )
    oid = (pull_node.get("mergeCommit") or {}).get("oid") or sha(f"merge-{number}")
    return history_commit(
        oid,
        message,
        _git_actor_of(pull_node.get("author"), merged),
        git_actor("GitHub", "noreply@github.com", merged, "web-flow"),
        parents=1 if squash else 2,
        additions=pull_node["additions"] or 0,
        deletions=pull_node["deletions"] or 0,
    )


REVIEW_IDS_2025 = 2_700_000_000
"""Review ids GitHub hands out today (past 2^31 since 2024: 2244849547 in the error that
``databaseId`` gives for one of them; about 2.7e9 in 2025)."""
PULL_IDS_2025 = 2_500_000_000
"""Pull request ids today (past 2^31 too); repository and user ids are still below it."""


def review(database_id: int, author: dict | None, state: str, submitted: str) -> dict:
    """A ``PullRequestReview``: ``databaseId`` an int (GraphQL's 32-bit ``Int`` refuses it
    above 2^31, as GitHub does), ``fullDatabaseId`` the same id as a ``BigInt`` string."""
    return {
        "__typename": "PullRequestReview",
        "databaseId": database_id,
        "fullDatabaseId": str(database_id),
        "author": author,
        "state": state,
        "submittedAt": submitted,
    }


def pull(
    number: int,
    *,
    author: dict | None,
    created: datetime,
    updated: datetime | None = None,
    state: str = "MERGED",
    title: str | None = None,
    body: str = "",
    commits: list[dict] | None = None,
    reviews: list[dict] | None = None,
    labels: list[str] = (),  # type: ignore[assignment]
    head: str | None = None,
    base: str = "main",
    draft: bool = False,
    ready: datetime | None = None,
    database_id: int | None = None,
) -> dict:
    """A ``PullRequest`` node; ``ready``: when it left draft (a ReadyForReviewEvent)."""
    updated = updated or created + timedelta(hours=5)
    merged = created + timedelta(hours=4) if state == "MERGED" else None
    closed = created + timedelta(hours=4) if state in ("MERGED", "CLOSED") else None
    commits = commits or []
    node = {
        "__typename": "PullRequest",
        "id": f"PR_kwDO{number:08d}",
        "databaseId": database_id or PULL_IDS_2025 + number,
        "fullDatabaseId": str(database_id or PULL_IDS_2025 + number),
        "number": number,
        "title": title or f"Change {number}",
        "body": body,
        "state": state,
        "isDraft": draft,
        "createdAt": iso(created),
        "updatedAt": iso(updated),
        "mergedAt": iso(merged) if merged else None,
        "closedAt": iso(closed) if closed else None,
        "additions": sum(c["commit"]["additions"] for c in commits),
        "deletions": sum(c["commit"]["deletions"] for c in commits),
        "changedFiles": len(commits),
        "headRefName": head or f"feature/{number}",
        "baseRefName": base,
        "mergeCommit": None,
        "author": author,
        "labels": [{"name": name} for name in labels],
        "commits": commits,
        "reviews": reviews or [],
        "timelineItems": (
            [{"__typename": "ReadyForReviewEvent", "createdAt": iso(ready)}] if ready else []
        ),
    }
    if merged:
        node["mergeCommit"] = merge_commit(node)
    return node


def recorded_pulls() -> list[dict]:
    """Two real PRs (perceval's recordings) in GraphQL shape; one review by a deleted user."""
    data = json.loads((FIXTURES / "graphql" / "recorded-pulls.json").read_text())
    pulls = copy.deepcopy(data["pullRequests"])
    for node in pulls:  # the recording names the merge commit only: complete it
        if node.get("mergeCommit"):
            node["mergeCommit"] = merge_commit(node, squash=False)
    return pulls


PEOPLE = [
    ("alice", "Alice Example", "alice@corp.example"),
    ("bob", "Bob Example", "bob@corp.example"),
    ("carol", "Carol Example", "carol@corp.example"),
    ("dave", "Dave Example", "dave@corp.example"),
]


def synthetic_pulls(
    count: int,
    *,
    seed: int = 1,
    start: datetime = datetime(2026, 1, 5, 9, tzinfo=UTC),
    first_number: int = 1,
    commits_per_pr: tuple[int, int] = (1, 6),
    reviews_per_pr: tuple[int, int] = (0, 3),
) -> list[dict]:
    """``count`` deterministic PRs with commits and reviews, one every few hours."""
    rng = random.Random(seed)
    pulls = []
    for i in range(count):
        number = first_number + i
        created = start + timedelta(hours=3 * i)
        login, name, email = PEOPLE[rng.randrange(len(PEOPLE))]
        commits = [
            commit(
                sha(f"{seed}-{number}-{k}"),
                f"Step {k} of change {number}\n\nDetails of step {k}.",
                git_actor(name, email, iso(created + timedelta(minutes=k)), login),
                additions=rng.randrange(1, 200),
                deletions=rng.randrange(0, 50),
            )
            for k in range(rng.randint(*commits_per_pr))
        ]
        reviewers = [p for p in PEOPLE if p[0] != login]
        reviews = [
            review(
                REVIEW_IDS_2025 + number * 10 + k,
                user(reviewers[k % len(reviewers)][0]),
                "APPROVED" if k == 0 else "COMMENTED",
                iso(created + timedelta(hours=1, minutes=k)),
            )
            for k in range(rng.randint(*reviews_per_pr))
        ]
        state = rng.choices(["MERGED", "CLOSED", "OPEN"], weights=[8, 1, 1])[0]
        pulls.append(
            pull(
                number,
                author=user(login),
                created=created,
                state=state,
                commits=commits,
                reviews=reviews,
                labels=["backend"] if number % 5 == 0 else [],
            )
        )
    return pulls


@dataclass
class FakeRepo:
    owner: str
    name: str
    database_id: int
    pulls: list[dict] = field(default_factory=list)
    created_at: str = "2024-01-15T09:00:00Z"
    default_branch: str | None = "main"
    """None: an empty repository (no commit, so no branch)."""
    fork: bool = False
    archived: bool = False
    private: bool = True
    forbidden: bool = False
    """GraphQL answers FORBIDDEN (SAML enforcement, a token without access)."""
    branch: list[dict] | None = None
    """The default branch's history, newest first (``history_commit`` nodes); None: the
    merge commits of the PRs merged into the default branch."""

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def pull(self, number: int) -> dict:
        return next(p for p in self.pulls if p["number"] == number)

    def history(self) -> list[dict]:
        if self.branch is not None:
            return self.branch
        merged = [
            p["mergeCommit"]
            for p in self.pulls
            if p.get("mergeCommit") and p["baseRefName"] == self.default_branch
        ]
        return sorted(merged, key=lambda c: c["committedDate"], reverse=True)

    def _history(self, _info: Any, since: str | None = None, **args: Any) -> dict:
        nodes = self.history()
        if since:
            start = datetime.fromisoformat(since)
            nodes = [c for c in nodes if datetime.fromisoformat(c["committedDate"]) >= start]
        return paginate(nodes, "CommitHistoryConnection", "history", args)

    def graphql(self) -> dict:
        """The ``Repository`` node."""
        history = self.history()
        tip = {"__typename": "Commit", "oid": history[0]["oid"] if history else sha(self.name)}
        return {
            "__typename": "Repository",
            "id": f"R_kgDO{self.database_id}",
            "databaseId": self.database_id,
            "name": self.name,
            "nameWithOwner": self.full_name,
            "url": f"https://github.com/{self.full_name}",
            "isFork": self.fork,
            "isArchived": self.archived,
            "isPrivate": self.private,
            "createdAt": self.created_at,
            "defaultBranchRef": (
                {"name": self.default_branch, "target": {**tip, "history": self._history}}
                if self.default_branch
                else None  # an empty repository
            ),
            "owner": {"__typename": "Organization", "login": self.owner},
            "pullRequests": self.pulls,
            "pullRequest": lambda _info, number, **_: next(
                (p for p in self.pulls if p["number"] == number), None
            ),
        }

    def rest(self) -> dict:
        """The REST ``repository`` object (the official example, renamed)."""
        text = (FIXTURES / "rest" / "repository.json").read_text()
        data = json.loads(text.replace("octocat/Hello-World", self.full_name))
        data.update(
            id=self.database_id,
            node_id=f"R_kgDO{self.database_id}",
            name=self.name,
            full_name=self.full_name,
            private=self.private,
            fork=self.fork,
            archived=self.archived,
            default_branch=self.default_branch,
            created_at=self.created_at,
        )
        data["owner"].update(login=self.owner, type="Organization")
        return data


@dataclass
class FakeOrg:
    login: str
    database_id: int
    repos: list[FakeRepo] = field(default_factory=list)
    seats: list[dict] = field(default_factory=list)
    copilot_status: int | None = None
    """A status every Copilot endpoint answers with (e.g. 403), else None."""
    reports: dict[tuple[str, str], Any] = field(default_factory=dict)
    """(report, day) -> list of NDJSON records, or a status (204, 404) for a missing day."""
    latest: dict[str, Any] = field(default_factory=dict)
    """report -> (start_day, end_day, records) for ``<report>-28-day/latest``, or a status."""
    teams: list[dict] = field(default_factory=list)
    """``Team`` nodes (see ``team``)."""
    teams_error: str | None = None
    """A GraphQL error type teams answer with (``INSUFFICIENT_SCOPES``), else None."""
    installation_id: int | None = None
    """The id of the GitHub App's installation on this org, if installed."""
    billing_items: list[dict] = field(default_factory=list)
    """Items of ``/settings/billing/usage`` (each with its ``date``; see ``billing_items``)."""
    billing_status: int | None = None
    """A status the billing usage endpoint answers with (403, 404), else None."""

    def repo(self, name: str) -> FakeRepo | None:
        return next((r for r in self.repos if r.name.lower() == name.lower()), None)


def seat(
    login: str, created: str, *, plan: str = "business", last_activity: str | None = None
) -> dict:
    """A Copilot seat in the REST shape (the official example, reassigned to ``login``)."""
    example = json.loads((FIXTURES / "rest" / "copilot-seats-list.json").read_text())["seats"][0]
    example = copy.deepcopy(example)
    example.update(
        created_at=created,
        updated_at=created,
        plan_type=plan,
        last_activity_at=last_activity,
        pending_cancellation_date=None,
    )
    example["assignee"].update(login=login, id=int(sha(login)[:6], 16))
    return example


def ndjson_records(name: str) -> list[dict]:
    """The records of a sample Copilot report file."""
    text = (FIXTURES / "copilot" / name).read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def with_copilot(org: FakeOrg) -> FakeOrg:
    """``org`` with two Copilot seats (alice active, bob never) and the sample 28-day
    organization and per-user usage reports as its latest."""
    org.seats = [
        seat("alice", "2026-01-05T10:00:00Z", last_activity="2026-08-01T09:00:00Z"),
        seat("bob", "2026-02-01T10:00:00-06:00"),
    ]
    org.latest = {
        scope: ("2026-07-06", "2026-08-02", ndjson_records(f"copilot-{file}-28-day-report.ndjson"))
        for scope, file in (("organization", "org"), ("users", "users"))
    }
    return org


def team(slug: str, members: list[str], *, name: str | None = None) -> dict:
    """A ``Team`` node; each member a ``User`` with the PEOPLE's name when known."""
    names = {p[0]: p[1] for p in PEOPLE}
    return {
        "__typename": "Team",
        "slug": slug,
        "name": name or slug.replace("-", " ").title(),
        "members": [
            {"__typename": "User", "login": login, "name": names.get(login)} for login in members
        ],
    }


# --- recorded 2017-2025 PRs, and the cases no recording holds ----------------------------------


def mannequin(login: str) -> dict:
    """A ``Mannequin``: the placeholder GitHub Enterprise Importer leaves for an author of
    imported data who has no account (an ``Actor``, like ``User`` and ``Bot``)."""
    return {"__typename": "Mannequin", "login": login}


def recorded_2025_repos() -> list[FakeRepo]:
    """PyGithub/PyGithub (#3370: 2025, a PR id past 2^31, dependabot; #538 with five real
    reviews) and simonw/datasette (#571, merged without a review), from real recordings
    (``graphql/recorded-2025.json``; what was not recorded is marked ``_built`` there)."""
    data = json.loads((FIXTURES / "graphql" / "recorded-2025.json").read_text())
    repos = []
    for entry in copy.deepcopy(data["repositories"]):
        owner, _, name = entry["nameWithOwner"].partition("/")
        for node in entry["pullRequests"]:
            if node.get("mergeCommit"):  # recorded: the oid; the fake serves the whole commit
                node["mergeCommit"] = merge_commit(node)
        repos.append(
            FakeRepo(
                owner,
                name,
                entry["databaseId"],
                pulls=entry["pullRequests"],
                created_at=entry["createdAt"],
                default_branch=entry["defaultBranch"],
                private=False,
            )
        )
    return repos


BODY_LIMIT = 65536
"""GitHub refuses a PR body longer than this many characters."""

EDGE_REVIEW_IDS = (2_244_849_547, 2_836_401_112, 3_012_345_678, 2_999_000_001)
"""Review ids of today: the first is the id in GitHub's error for ``databaseId`` ("Int
cannot represent non 32-bit signed integer value: 2244849547")."""


def edge_case_pulls(start: datetime = datetime(2025, 6, 2, 9, tzinfo=UTC)) -> list[dict]:
    """PRs no recording holds, built from GitHub's GraphQL schema and documentation:

    #701 by a deleted account (``author: null``, GitHub's "ghost"), reviewed by one too;
    #702 by the Copilot coding agent (``Bot`` ``copilot-swe-agent``), reviewed by Copilot
    code review (``Bot`` ``copilot-pull-request-reviewer``) and a person; #703 imported, by
    a ``Mannequin``; #704 emoji and a body of exactly 65,536 characters (GitHub's cap);
    #705 open without any review; #706 squash-merged after a force-push: the commit the
    force-push replaced is only in its timeline (``HeadRefForcePushedEvent``), never in
    ``commits``, and its listed commits are on no branch once the head branch is deleted.
    Review ids are today's, past 2^31; PR ids too.
    """
    hour = timedelta(hours=1)

    def at(hours: float) -> str:
        return iso(start + hours * hour)

    ghost_commit = commit(
        sha("edge-ghost"),
        "Tidy the importer",
        git_actor("Former Dev", "former.dev@corp.example", at(-2)),
    )
    agent_commit = commit(
        sha("edge-agent"),
        "Add retries to the webhook client\n\nCo-authored-by: alice <alice@corp.example>",
        git_actor("Copilot", "198982749+Copilot@users.noreply.github.com", at(0)),
        git_actor("GitHub", "noreply@github.com", at(0), "web-flow"),
    )
    imported_commit = commit(
        sha("edge-imported"),
        "Port the nightly job (imported from Bitbucket)",
        git_actor("Mona Imported", "mona@legacy.example", at(-30)),
    )
    emoji_body = "🚀 Faster parser 🐍, naïve café 漢字 — ✅\n\n"
    emoji_body += "📈" * (BODY_LIMIT - len(emoji_body))
    kept = [
        commit(
            sha(f"edge-kept-{i}"),
            f"Rework step {i}",
            git_actor("Bob Example", "bob@corp.example", at(i), "bob"),
        )
        for i in range(2)
    ]
    pulls = [
        pull(
            701,
            author=None,
            created=start,
            state="CLOSED",
            title="Tidy the importer",
            commits=[ghost_commit],
            reviews=[review(EDGE_REVIEW_IDS[0], None, "COMMENTED", at(1))],
        ),
        pull(
            702,
            author=bot("copilot-swe-agent"),
            created=start + hour,
            title="Add retries to the webhook client",
            head="copilot/webhook-retries",
            commits=[agent_commit],
            reviews=[
                review(
                    EDGE_REVIEW_IDS[1], bot("copilot-pull-request-reviewer"), "COMMENTED", at(2)
                ),
                review(EDGE_REVIEW_IDS[2], user("alice"), "APPROVED", at(3)),
            ],
        ),
        pull(
            703,
            author=mannequin("mona-imported"),
            created=start + 2 * hour,
            title="Port the nightly job",
            commits=[imported_commit],
            reviews=[review(EDGE_REVIEW_IDS[3], mannequin("ops-imported"), "APPROVED", at(3))],
        ),
        pull(
            704,
            author=user("carol"),
            created=start + 3 * hour,
            state="OPEN",
            title="🚀 Ship the 🐍 parser (naïve café, 漢字)",
            body=emoji_body,
            commits=[
                commit(
                    sha("edge-emoji"),
                    "🐍 parser: handle ✅ and 漢字",
                    git_actor("Carol Example", "carol@corp.example", at(3), "carol"),
                )
            ],
        ),
        pull(
            705,
            author=user("dave"),
            created=start + 4 * hour,
            state="OPEN",
            labels=["wip"],
            commits=[
                commit(
                    sha("edge-unreviewed"),
                    "Draft the cache",
                    git_actor("Dave Example", "dave@corp.example", at(4), "dave"),
                )
            ],
        ),
        pull(
            706,
            author=user("bob"),
            created=start + 5 * hour,
            title="Rework the steps",
            head="bob/rework",
            commits=kept,
        ),
    ]
    for node in pulls:  # ids as GitHub hands them out today
        node["databaseId"] = PULL_IDS_2025 + 700_000 + node["number"]
        node["fullDatabaseId"] = str(node["databaseId"])
    replaced = sha("edge-force-pushed-away")
    pulls[-1]["timelineItems"] = [
        {
            "__typename": "HeadRefForcePushedEvent",
            "createdAt": at(5.5),
            "beforeCommit": {"oid": replaced},
            "afterCommit": {"oid": kept[-1]["commit"]["oid"]},
        }
    ]
    return pulls


def billing_items(first: str, last: str, org: str) -> list[dict]:
    """Billing usage items for each day from ``first`` to ``last`` (ISO days): the sample's
    rows (a Copilot seat, AI credits, an Actions row) on every day, amounts made up from the
    day, plus a premium-request row on days before 2026-06-01 (when GitHub billed them)."""
    import hashlib
    from datetime import date, timedelta

    sample = json.loads((FIXTURES / "rest" / "billing-usage.json").read_text())["usageItems"]
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    out = []
    for n in range((end - start).days + 1):
        day = (start + timedelta(days=n)).isoformat()
        rows = copy.deepcopy(sample)
        if day < "2026-06-01":
            rows.append(
                {**copy.deepcopy(sample[1]), "sku": "copilot_premium_request",
                 "unitType": "requests", "pricePerUnit": 0.04}
            )  # fmt: skip
        for item in rows:
            seed = hashlib.sha256(f"{day}|{item['sku']}".encode()).digest()
            spread = 30 if item["unitType"] == "user-months" else 3000  # seats vs credits
            quantity = 1 + int.from_bytes(seed[:2], "big") % spread
            gross = round(quantity * item["pricePerUnit"], 4)
            discount = round(gross * (seed[2] % 2), 4)  # some days inside the included credits
            item.update(
                date=day, organizationName=org, quantity=quantity, grossAmount=gross,
                discountAmount=discount, netAmount=round(gross - discount, 4),
            )  # fmt: skip
            out.append(item)
    return out
