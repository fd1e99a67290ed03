"""The YAML configuration: pydantic models, file selection and loading.

Every mistake in a configuration file becomes one `ConfigError` whose message names the file, the
line, the field path (``privacy.min_group_size``), what is wrong and an example of what is right.
Several mistakes are listed one per line. Nothing here logs or echoes a token.

By topic: ``checks`` (value checks, the base model), ``github``, ``teams`` (teams and people),
``costs`` (AI tools, seat plans, ROI), ``reporting`` (exclusions, reporting, privacy, retention,
tagging, statistics), ``vendors`` (AI vendors' usage APIs), ``model`` (``Settings``, the whole
file), ``load`` (reading and parsing) and ``messages`` (validation errors as messages).
Import the public names from here.
"""

from aimetrics.settings.costs import AiTool, Budget, RoiSettings, SeatChange, SeatPlan
from aimetrics.settings.github import GitHubApp, GitHubSettings
from aimetrics.settings.load import (
    CONFIG_ENV,
    DEFAULT_CONFIG_NAME,
    DEFAULT_STORE_URL,
    EXPOSED_ENV,
    load_settings,
    parse_settings,
)
from aimetrics.settings.model import Settings, StoreSettings
from aimetrics.settings.reporting import (
    ExcludeSettings,
    PrivacySettings,
    ReportingSettings,
    RetentionSettings,
    SeatSettings,
    StatisticsSettings,
    TaggingSettings,
)
from aimetrics.settings.teams import Person, Team, TeamMember
from aimetrics.settings.vendors import (
    AnthropicSettings,
    CursorSettings,
    OpenAISettings,
    VendorSettings,
)

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_NAME",
    "DEFAULT_STORE_URL",
    "EXPOSED_ENV",
    "AiTool",
    "AnthropicSettings",
    "Budget",
    "CursorSettings",
    "ExcludeSettings",
    "GitHubApp",
    "GitHubSettings",
    "OpenAISettings",
    "Person",
    "PrivacySettings",
    "ReportingSettings",
    "RetentionSettings",
    "RoiSettings",
    "SeatChange",
    "SeatPlan",
    "SeatSettings",
    "Settings",
    "StatisticsSettings",
    "StoreSettings",
    "TaggingSettings",
    "Team",
    "TeamMember",
    "VendorSettings",
    "load_settings",
    "parse_settings",
]
