"""Errors a user can act on. The CLI prints them as one line, without a traceback."""

from __future__ import annotations


class AimetricsError(Exception):
    """Base of every error caused by input, configuration or environment."""


class ConfigError(AimetricsError):
    """A configuration file is missing, malformed or invalid."""


class StoreError(AimetricsError):
    """The store cannot be opened, written or is on an old schema."""


class SchemaOutdated(StoreError):
    """The store's schema is older than this version of aimetrics."""


class RulesError(AimetricsError):
    """An AI-tagging rule file is invalid."""


class ExportError(AimetricsError):
    """An export cannot be made as asked (an unknown filter value, no browser for a PDF)."""
