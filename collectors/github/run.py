"""`aimetrics collect github`: choose repositories, sync them in parallel, then org data.

Repositories are the ``--repo`` arguments, else ``github.repos`` plus every
repository of ``github.orgs`` that passes the include/exclude, fork and archive
filters (one REST request per 100 repositories). A bounded number sync at once
(``github.max_parallel_repos``), each worker with its own clients (one per
credential: a token, or each owner's GitHub App installation); PyGithub's
write spacing is widened by the number of workers, so the whole run keeps the
pace of one polite client. Store writes are serialized. Then, unless ``--repo``
narrows the run: Copilot seats and usage, and teams (``github.teams_from_github``);
always: the commit emails GitHub linked to logins, as identities.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import sqlalchemy as sa
from github import GithubException

from aimetrics.errors import AimetricsError
from aimetrics.settings import Settings
from collectors.github.auth import Credentials, NotInstalled
from collectors.github.billing import collect_billing
from collectors.github.client import (
    ClientOptions,
    GitHubClient,
    GitHubUnavailable,
    RequestCounter,
    rate_limited,
)
from collectors.github.copilot import collect_copilot
from collectors.github.people import collect_people
from collectors.github.progress import RepoResult, Reporter, Summary
from collectors.github.sync import RepoSync, SyncOptions


@dataclass(frozen=True)
class CollectOptions:
    repos: list[str] = field(default_factory=list)
    full: bool = False
    since: date | None = None
    client: ClientOptions | None = None
    copilot: bool = True
    today: date | None = None


class Clients:
    """GitHub clients of one thread, one per credential (see `Credentials.key`)."""

    def __init__(
        self, credentials: Credentials, options: ClientOptions, counter: RequestCounter
    ) -> None:
        self.credentials, self.options, self.counter = credentials, options, counter
        self._clients: dict[str, GitHubClient] = {}

    def for_owner(self, owner: str) -> GitHubClient:
        """The client for ``owner``'s data. Raises NotInstalled (GitHub App)."""
        key = self.credentials.key(owner)
        if key not in self._clients:
            self._clients[key] = GitHubClient(
                self.credentials.for_owner(owner),
                self.options,
                counter=self.counter,
                credential=self.credentials.description,
            )
        return self._clients[key]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def list_org_repos(client: GitHubClient, settings: Settings, org: str) -> list[str]:
    """The org's repositories that the configuration selects."""
    listing = client.rest.get_organization(org).get_repos(type="all")
    names: list[str] = []
    page = 0
    while True:
        batch = client.call(lambda p=page: listing.get_page(p), f"repositories of {org}")
        for repo in batch:
            # Attributes the listing carries: reading them fetches nothing (raw_data would
            # complete the object with one request per repository).
            selected = settings.github.selects_repo(
                repo.full_name, fork=bool(repo.fork), archived=bool(repo.archived)
            )
            if selected and not settings.is_excluded_repo(repo.full_name):
                names.append(repo.full_name)
        if len(batch) < client.rest.per_page:
            return names
        page += 1


def _listing_failure(exc: GitHubUnavailable | GithubException) -> str | None:
    """Why an org's repositories could not be listed this time; None: they never will be
    (the org is not found or not visible to the credential)."""
    if isinstance(exc, GitHubUnavailable):
        return str(exc)
    if rate_limited(exc):
        return "GitHub's rate limit is exhausted; re-run later"
    if exc.status in (403, 404):
        return None
    return f"GitHub answered {exc.status}"


def choose_repos(
    clients: Clients,
    settings: Settings,
    options: CollectOptions,
    reporter: Reporter,
    unlisted: list[RepoResult] | None = None,
) -> list[str]:
    """The repositories to sync. An org whose listing failed (5xx, resets, rate limit) is
    added to ``unlisted`` as an incomplete ``org/*``: the run goes on, and reports it."""
    if options.repos:
        wanted = list(options.repos)
    else:
        wanted = list(settings.github.repos)
        for org in settings.github.orgs:
            try:
                wanted += list_org_repos(clients.for_owner(org), settings, org)
            except NotInstalled as exc:
                reporter.warn(f"organization {org}: {exc}; its repositories are skipped")
            except (GitHubUnavailable, GithubException) as exc:
                why = _listing_failure(exc)
                if why is None:
                    status = getattr(exc, "status", "")
                    reporter.warn(f"organization {org}: not found or not accessible ({status})")
                    continue
                result = RepoResult(
                    f"{org}/*", "incomplete", detail=f"repositories not listed: {why}"
                )
                reporter.repo_finished(result)
                if unlisted is not None:
                    unlisted.append(result)
    if not wanted and not (settings.github.orgs and options.copilot and not options.repos):
        raise AimetricsError(
            "nothing to collect: list github.orgs or github.repos in the configuration "
            "(e.g. github: {orgs: [my-org]}), or pass --repo OWNER/NAME"
        )
    seen: dict[str, str] = {}
    for name in wanted:
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def sync_repos(
    engine: sa.Engine,
    credentials: Credentials,
    client_options: ClientOptions,
    sync_options: SyncOptions,
    repos: list[str],
    *,
    workers: int,
    reporter: Reporter,
    store_lock: threading.Lock,
) -> list[RepoResult]:
    """Sync ``repos`` on ``workers`` threads, each with its own clients and `RepoSync`s."""
    spaced = replace(
        client_options, seconds_between_writes=client_options.seconds_between_writes * workers
    )
    local = threading.local()
    pools: list[Clients] = []

    def work(name: str) -> RepoResult:
        if not hasattr(local, "clients"):
            local.clients, local.syncs = Clients(credentials, spaced, credentials.counter), {}
            pools.append(local.clients)
        try:
            client = local.clients.for_owner(name.partition("/")[0])
        except NotInstalled as exc:
            reporter.repo_started(name)
            reporter.warn(f"{name}: {exc}; skipped")
            result = RepoResult(name, "not_found", detail=str(exc))
            reporter.repo_finished(result)
            return result
        if id(client) not in local.syncs:
            local.syncs[id(client)] = RepoSync(engine, client, sync_options, reporter, store_lock)
        return local.syncs[id(client)].run(name)

    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="repo") as pool:
            return list(pool.map(work, repos))
    finally:
        for clients in pools:
            clients.close()


def collect_github(
    settings: Settings,
    engine: sa.Engine,
    options: CollectOptions,
    reporter: Reporter,
) -> Summary:
    started = time.perf_counter()
    # Only ADBC touches the store from here on: on SQLite, connections of two SQLite
    # libraries open on one file in one process break WAL locking (see checkpoint).
    engine.dispose()
    counter = RequestCounter()
    credentials = Credentials(settings.github, settings.resolve_path, counter=counter)
    client_options = options.client or ClientOptions.from_env(settings.github.base_url)
    main = Clients(credentials, client_options, counter)
    store_lock = threading.Lock()
    today = options.today or date.today()
    github = settings.github
    summary = Summary()
    try:
        unlisted: list[RepoResult] = []
        repos = choose_repos(main, settings, options, reporter, unlisted)
        since = datetime.combine(options.since, datetime.min.time(), UTC) if options.since else None
        reporter.start(len(repos))
        summary.repos = (
            sync_repos(
                engine,
                credentials,
                client_options,
                SyncOptions(options.full, since),
                repos,
                workers=max(1, min(github.max_parallel_repos, len(repos))),
                reporter=reporter,
                store_lock=store_lock,
            )
            + unlisted
        )
        whole_orgs = not options.repos
        if options.copilot and whole_orgs and (github.orgs or github.enterprise):
            copilot = collect_copilot(
                engine,
                main.for_owner,
                list(github.orgs),
                github.enterprise,
                since=options.since,
                reporter=reporter,
                store_lock=store_lock,
                today=today,
            )
            summary.seats, summary.usage_rows = copilot.seats, copilot.usage_rows
            summary.warnings += copilot.warnings
        # Billing usage exists on GitHub.com (and GHE.com), not on Enterprise Server, whose
        # REST API lives under /api/v3.
        server = github.base_url.rstrip("/").endswith("/api/v3")
        if options.copilot and whole_orgs and github.billing and not server:
            billing = collect_billing(
                engine,
                main.for_owner,
                github,
                settings.reporting,
                reporter=reporter,
                store_lock=store_lock,
                today=today,
            )
            summary.billing_rows = billing.rows
            summary.warnings += billing.warnings
        people = collect_people(
            engine,
            orgs=list(github.orgs) if whole_orgs and github.teams_from_github else [],
            client_for=main.for_owner,
            exclude=settings.exclude.people,
            today=today,
            reporter=reporter,
            store_lock=store_lock,
        )
        summary.teams, summary.team_members = people.teams, people.members
        summary.warnings += people.warnings
    finally:
        main.close()
        reporter.close()
    summary.requests = counter.value
    summary.seconds = time.perf_counter() - started
    reporter.finish(summary)
    return summary
