"""The GitHub collector: pull requests, commits and reviews through GraphQL, Copilot through REST.

Modules, in the order data flows: ``client`` (PyGithub, retries, auth),
``queries`` (GraphQL text), ``pulls`` (bulk pages with adaptive size and
follow-ups), ``checkpoint`` (raw pages and sync state), ``normalize`` (pages ->
store frames), ``sync`` (one repository, incremental and resumable),
``copilot`` (seats and usage reports), ``progress`` (what the person sees) and
``run`` (the command: repositories in parallel, then Copilot).
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
