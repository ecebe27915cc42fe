"""Errors that describe a user's mistake or an environment problem.

The CLI prints their message and exits non-zero without a traceback; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations


class GoldpipeError(Exception):
    """An expected failure with a message meant for the user."""

    exit_code = 1


class UsageError(GoldpipeError):
    """Bad command-line input (exit code 2, like a usage error)."""

    exit_code = 2


class ConfigError(GoldpipeError):
    """Invalid configuration (values file or environment)."""

    exit_code = 2


class SilverContractError(GoldpipeError):
    """Silver tables do not meet the data contract (missing table or column, wrong type)."""
