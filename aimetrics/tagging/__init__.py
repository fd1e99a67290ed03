"""AI attribution: explainable rules over stored commits, pull requests and reviews."""

from aimetrics.tagging.classify import commit_flags, is_non_ai_bot, login_key, pr_flags
from aimetrics.tagging.rules import (
    RuleSet,
    build_ruleset,
    default_catalogue_path,
    ruleset_from_settings,
)
from aimetrics.tagging.tagger import compute_tags, tag_frame, tag_store

__all__ = [
    "RuleSet",
    "build_ruleset",
    "commit_flags",
    "compute_tags",
    "default_catalogue_path",
    "is_non_ai_bot",
    "login_key",
    "pr_flags",
    "ruleset_from_settings",
    "tag_frame",
    "tag_store",
]
