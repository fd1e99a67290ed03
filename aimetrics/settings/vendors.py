"""``vendors:``: AI vendors' own usage and cost APIs, pulled by ``aimetrics collect``.

Keys never live in the file: each vendor names the environment variable that holds its
key (``admin_key_env``), as ``github.token_env`` does for the GitHub token.
"""

from __future__ import annotations

import os
from typing import Annotated, ClassVar

from pydantic import AfterValidator, ConfigDict, Field

from aimetrics.settings.checks import _check_base_url, _check_env_name, _Model


class AnthropicSettings(_Model):
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

    def key(self) -> str | None:
        """The key from the variable named by ``admin_key_env``; None when unset or empty."""
        return os.environ.get(self.admin_key_env) or None


class CursorSettings(_Model):
    model_config = ConfigDict(hide_input_in_errors=True)
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

    def key(self) -> str | None:
        """The key from the variable named by ``api_key_env``; None when unset or empty."""
        return os.environ.get(self.api_key_env) or None


class VendorSettings(_Model):
    example: ClassVar[str] = "vendors: {anthropic: {admin_key_env: ANTHROPIC_ADMIN_KEY}}"

    # Not `_section`: an empty `anthropic:` stays None (not collected); `anthropic: {}` is
    # every default. None round-trips through to_yaml as null, defaults as a mapping.
    anthropic: AnthropicSettings | None = None
    cursor: CursorSettings | None = None  # as anthropic: None is not collected
