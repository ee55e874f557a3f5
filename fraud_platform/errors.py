"""Errors a process turns into one clear line and a non-zero exit (never a traceback)."""

from __future__ import annotations


class FraudError(Exception):
    """Base of every expected failure: its message is the one line the user sees."""

    exit_code = 1


class ConfigError(FraudError):
    """A setting or argument is wrong (unknown profile/service, bad value, missing secret)."""

    exit_code = 2
