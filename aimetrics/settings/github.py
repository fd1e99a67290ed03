"""``github:``: where and how to collect from GitHub."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import AfterValidator, ConfigDict, Field

from aimetrics.settings.checks import (
    OrgName,
    RepoName,
    Slug,
    Text,
    _check_base_url,
    _check_env_name,
    _Model,
)


class GitHubApp(_Model):
    example: ClassVar[str] = (
        "app: {app_id: 123456, private_key_file: secrets/app.pem, installation_id: 7890123}"
    )

    app_id: Annotated[int, Field(gt=0, examples=[123456])]
    private_key_file: Annotated[Path, Field(examples=["secrets/aimetrics-app.pem"])]
    installation_id: Annotated[int | None, Field(gt=0, examples=[7890123])] = None


class GitHubSettings(_Model):
    model_config = ConfigDict(hide_input_in_errors=True)
    example: ClassVar[str] = "github: {orgs: [my-org], token_env: GITHUB_TOKEN}"

    base_url: Annotated[str, AfterValidator(_check_base_url)] = Field(
        "https://api.github.com", examples=["https://github.example.com/api/v3"]
    )
    token_env: Annotated[str, AfterValidator(_check_env_name)] = Field(
        "GITHUB_TOKEN", examples=["GITHUB_TOKEN"]
    )
    app: GitHubApp | None = None
    orgs: Annotated[list[OrgName], Field(examples=[["my-org"]])] = []
    repos: Annotated[list[RepoName], Field(examples=[["my-org/payments-api"]])] = []
    include: Annotated[list[Text], Field(examples=[["*"]])] = ["*"]
    exclude: Annotated[list[Text], Field(examples=[["*-archive", "sandbox-*"]])] = []
    include_forks: bool = False
    include_archived: bool = False
    enterprise: Annotated[Slug | None, Field(examples=["my-enterprise"])] = None
    teams_from_github: bool = False
    max_parallel_repos: Annotated[int, Field(ge=1, le=64)] = 4
    billing: bool = True
    """Collect Copilot's billed spend from the billing usage API (github.com only)."""
    billing_history_days: Annotated[int, Field(ge=1, le=730, examples=[90])] = 90
    """How far back the first billing collection reaches."""
    billing_lookback_days: Annotated[int, Field(ge=0, le=62, examples=[3])] = 3
    """Days before today fetched again every run (GitHub settles usage late)."""

    def token(self) -> str | None:
        """The token from the variable named by ``token_env``; None when unset or empty."""
        return os.environ.get(self.token_env) or None

    @property
    def is_enterprise_server(self) -> bool:
        """True for GitHub Enterprise Server (a base URL other than api.github.com)."""
        return self.base_url != "https://api.github.com"

    def selects_repo(self, full_name: str, *, fork: bool = False, archived: bool = False) -> bool:
        """Whether a repository found in an org passes include/exclude, fork and archive filters.

        Patterns containing '/' match ``owner/name``; others match the name alone (fnmatch).
        Repositories listed in ``repos`` are always selected.
        """
        if full_name.lower() in {r.lower() for r in self.repos}:
            return True
        if (fork and not self.include_forks) or (archived and not self.include_archived):
            return False
        return _matches_any(full_name, self.include) and not _matches_any(full_name, self.exclude)


def _matches_any(full_name: str, patterns: Iterable[str]) -> bool:
    name = full_name.rsplit("/", 1)[-1].lower()
    for pattern in patterns:
        target = full_name.lower() if "/" in pattern else name
        if fnmatch.fnmatchcase(target, pattern.lower()):
            return True
    return False
