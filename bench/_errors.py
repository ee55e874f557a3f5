"""Errors of the benchmark suites: a ``BenchError`` is printed as one ``<suite>: error: …`` line."""

from __future__ import annotations

from fraud_platform.errors import FraudError


class BenchError(FraudError):
    """A benchmark cannot go on; the message says what is wrong and what to do."""
