"""``vendors:``: AI vendors' own usage and cost APIs, pulled by ``aimetrics collect``.

Keys never live in the file: each vendor names the environment variable that holds its
key (``admin_key_env``), as ``github.token_env`` does for the GitHub token.
"""

from __future__ import annotations

import os
from typing import Annotated, ClassVar

from pydantic import AfterValidator, ConfigDict, Field

from aimetrics.settings.checks import _check_base_url, _check_env_name, _check_tool_id, _Model


class _KeyFromEnv:
    """A vendor whose key lives in the environment variable a field names (``key_env_field``:
    the field's name is part of the config file, so each vendor keeps its own)."""

    key_env_field: ClassVar[str] = "admin_key_env"

    def key_env(self) -> str:
        """The name of the variable that holds the key."""
        return getattr(self, self.key_env_field)

    def key(self) -> str | None:
        """The key from the variable ``key_env()`` names; None when unset or empty."""
        return os.environ.get(self.key_env()) or None


class AnthropicSettings(_KeyFromEnv, _Model):
    model_config = ConfigDict(hide_input_in_errors=True)
    example: ClassVar[str] = (
        "anthropic: {admin_key_env: ANTHROPIC_ADMIN_KEY, lookback_days: 3, history_days: 90}"
    )

    admin_key_env: Annotated[str, AfterValidator(_check_env_name)] = Field(
        "ANTHROPIC_ADMIN_KEY", examples=["ANTHROPIC_ADMIN_KEY"]
    )
    base_url: Annotated[str, AfterValidator(_check_base_url)] = Field(
        "https://api.anthropic.com", examples=["https://api.anthropic.com"]
    )
    lookback_days: Annotated[int, Field(ge=0, le=62, examples=[3])] = 3
    """Days before today fetched again on every run: Anthropic corrects recent days late."""
    history_days: Annotated[int, Field(ge=1, le=3660, examples=[90])] = 90
    """How far back the first run reaches (later runs fetch only days not yet stored)."""


class CursorSettings(_KeyFromEnv, _Model):
    model_config = ConfigDict(hide_input_in_errors=True)
    key_env_field: ClassVar[str] = "api_key_env"
    example: ClassVar[str] = (
        "cursor: {api_key_env: CURSOR_API_KEY, lookback_days: 3, history_days: 90, tracking: true}"
    )

    api_key_env: Annotated[str, AfterValidator(_check_env_name)] = Field(
        "CURSOR_API_KEY", examples=["CURSOR_API_KEY"]
    )
    base_url: Annotated[str, AfterValidator(_check_base_url)] = Field(
        "https://api.cursor.com", examples=["https://api.cursor.com"]
    )
    lookback_days: Annotated[int, Field(ge=0, le=30, examples=[3])] = 3
    """Days before today fetched again on every run: Cursor aggregates hourly and late."""
    history_days: Annotated[int, Field(ge=1, le=3660, examples=[90])] = 90
    """How far back the first run reaches (later runs fetch only days not yet stored)."""
    requests_per_minute: Annotated[int, Field(ge=1, le=1000, examples=[20])] = 20
    """Requests a minute per endpoint the collector keeps to (Cursor's documented limit)."""
    tracking: bool = True
    """Read the AI Code Tracking API (Enterprise plans): per-commit AI lines. A team whose
    plan lacks it gets one line saying so; false skips the attempt."""


ToolOrSkip = Annotated[str, AfterValidator(_check_tool_id)] | None
"""A catalogue tool id, or null: this spend is not an AI tool's and is not collected."""


class OpenAISettings(_KeyFromEnv, _Model):
    """``vendors.openai``: the organization costs API (``collect openai``).

    OpenAI bills an organization, not a tool: ``tool`` is the tool its spend counts for,
    and ``projects`` / ``api_keys`` send a project's or a key's spend to another tool, or
    (null) leave it out (a chatbot project is no coding tool). A key's mapping wins over
    its project's."""

    model_config = ConfigDict(hide_input_in_errors=True)
    example: ClassVar[str] = (
        "openai: {admin_key_env: OPENAI_ADMIN_KEY, tool: openai-codex, "
        "projects: {proj_support_bot: null}, lookback_days: 3, history_days: 90}"
    )

    admin_key_env: Annotated[str, AfterValidator(_check_env_name)] = Field(
        "OPENAI_ADMIN_KEY", examples=["OPENAI_ADMIN_KEY"]
    )
    base_url: Annotated[str, AfterValidator(_check_base_url)] = Field(
        "https://api.openai.com", examples=["https://api.openai.com"]
    )
    tool: Annotated[str, AfterValidator(_check_tool_id)] = Field(
        "openai-codex", examples=["openai-codex"]
    )
    """The tool the organization's spend counts for, unless ``projects``/``api_keys`` say."""
    projects: dict[str, ToolOrSkip] = Field(default_factory=dict)
    """Project id (``proj_...``) -> tool id, or null to leave the project's spend out."""
    api_keys: dict[str, ToolOrSkip] = Field(default_factory=dict)
    """API key id (``key_...``) -> tool id, or null. Set: costs are grouped by key too."""
    lookback_days: Annotated[int, Field(ge=0, le=62, examples=[3])] = 3
    """Days before today fetched again on every run (OpenAI settles recent days late)."""
    history_days: Annotated[int, Field(ge=1, le=3660, examples=[90])] = 90
    """How far back the first run reaches (later runs fetch only days not yet stored)."""

    def tool_for(self, project_id: str | None, api_key_id: str | None) -> str | None:
        """The tool a cost row counts for; None: not collected (mapped to null)."""
        if api_key_id is not None and api_key_id in self.api_keys:
            return self.api_keys[api_key_id]
        if project_id is not None and project_id in self.projects:
            return self.projects[project_id]
        return self.tool


class VendorSettings(_Model):
    example: ClassVar[str] = "vendors: {anthropic: {admin_key_env: ANTHROPIC_ADMIN_KEY}}"

    # Not `_section`: an empty `anthropic:` stays None (not collected); `anthropic: {}` is
    # every default. None round-trips through to_yaml as null, defaults as a mapping.
    anthropic: AnthropicSettings | None = None
    cursor: CursorSettings | None = None  # as anthropic: None is not collected
    openai: OpenAISettings | None = None
