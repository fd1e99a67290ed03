"""The GitHub collector: PRs, commits, reviews, default branches and teams through GraphQL,
Copilot through REST.

Modules, in the order data flows: ``auth`` (a token, or a GitHub App
installation per owner), ``client`` (PyGithub, retries, request counting),
``queries`` (GraphQL text), ``pulls`` (bulk pages with adaptive size and
follow-ups), ``history`` (the default branch's commits), ``checkpoint`` (raw
pages and sync state), ``normalize`` (pages -> store frames), ``buffer``
(frames gathered chunk by chunk), ``branch`` (which commits are on the default
branch), ``sync`` (one repository, incremental and resumable), ``copilot``
(seats and usage reports), ``teams`` (teams and dated memberships), ``people``
(people and identities GitHub vouches for), ``progress`` (what the person sees)
and ``run`` (the command: repositories in parallel, then the orgs' data).
"""

from collectors.github.client import ClientOptions, GitHubAuthError
from collectors.github.progress import RepoResult, Summary, make_reporter
from collectors.github.run import CollectOptions, collect_github

__all__ = [
    "ClientOptions",
    "CollectOptions",
    "GitHubAuthError",
    "RepoResult",
    "Summary",
    "collect_github",
    "make_reporter",
]
