"""`aimetrics collect github`: choose repositories, sync them in parallel, then Copilot.

Repositories are the ``--repo`` arguments, else ``github.repos`` plus every
repository of ``github.orgs`` that passes the include/exclude, fork and archive
filters (one REST request per 100 repositories). A bounded number sync at once
(``github.max_parallel_repos``), each worker with its own client; PyGithub's
write spacing is widened by the number of workers, so the whole run keeps the
pace of one polite client. Store writes are serialized.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import sqlalchemy as sa
from github import Auth, GithubException

from aimetrics.errors import AimetricsError
from aimetrics.settings import Settings
from aimetrics.tagging import RuleSet
from collectors.github.client import (
    ClientOptions,
    GitHubClient,
    RequestCounter,
    make_auth,
)
from collectors.github.copilot import collect_copilot
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


def choose_repos(
    client: GitHubClient, settings: Settings, options: CollectOptions, reporter: Reporter
) -> list[str]:
    if options.repos:
        wanted = list(options.repos)
    else:
        wanted = list(settings.github.repos)
        for org in settings.github.orgs:
            try:
                wanted += list_org_repos(client, settings, org)
            except GithubException as exc:
                if exc.status not in (403, 404):
                    raise
                reporter.warn(f"organization {org}: not found or not accessible ({exc.status})")
    if not wanted and not (settings.github.orgs and options.copilot and not options.repos):
        raise AimetricsError(
            "nothing to collect: list github.orgs or github.repos in the configuration "
            "(e.g. github: {orgs: [my-org]}), or pass --repo OWNER/NAME"
        )
    seen: dict[str, str] = {}
    for name in wanted:
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def _credential(settings: Settings, auth: Auth.Auth) -> str:
    if isinstance(auth, Auth.Token):
        return f"${settings.github.token_env}"
    return "the GitHub App installation"


def collect_github(
    settings: Settings,
    engine: sa.Engine,
    ruleset: RuleSet,
    options: CollectOptions,
    reporter: Reporter,
) -> Summary:
    started = time.perf_counter()
    # Only ADBC touches the store from here on: on SQLite, connections of two SQLite
    # libraries open on one file in one process break WAL locking (see checkpoint).
    engine.dispose()
    auth = make_auth(settings.github, settings.resolve_path)
    client_options = options.client or ClientOptions.from_env(settings.github.base_url)
    counter = RequestCounter()
    credential = _credential(settings, auth)
    main = GitHubClient(auth, client_options, counter=counter, credential=credential)
    summary = Summary()
    try:
        repos = choose_repos(main, settings, options, reporter)
        workers = max(1, min(settings.github.max_parallel_repos, len(repos)))
        spaced = replace(
            client_options,
            seconds_between_writes=client_options.seconds_between_writes * workers,
        )
        since = datetime.combine(options.since, datetime.min.time(), UTC) if options.since else None
        store_lock = threading.Lock()
        local = threading.local()
        clients: list[GitHubClient] = []

        def work(name: str) -> RepoResult:
            if not hasattr(local, "sync"):
                client = GitHubClient(auth, spaced, counter=counter, credential=credential)
                clients.append(client)
                local.sync = RepoSync(
                    engine, client, ruleset, SyncOptions(options.full, since), reporter, store_lock
                )
            return local.sync.run(name)

        reporter.start(len(repos))
        try:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="repo") as pool:
                summary.repos = list(pool.map(work, repos))
        finally:
            for client in clients:
                client.close()
        if (
            options.copilot
            and not options.repos
            and (settings.github.orgs or settings.github.enterprise)
        ):
            copilot = collect_copilot(
                engine,
                main,
                list(settings.github.orgs),
                settings.github.enterprise,
                since=options.since,
                reporter=reporter,
                store_lock=store_lock,
                today=options.today,
            )
            summary.seats, summary.usage_rows = copilot.seats, copilot.usage_rows
            summary.warnings += copilot.warnings
    finally:
        main.close()
        reporter.close()
    summary.requests = counter.value
    summary.seconds = time.perf_counter() - started
    reporter.finish(summary)
    return summary
