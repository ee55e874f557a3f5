"""Shared entry-point plumbing of the spark-submit scripts: argument types, logging, one-line errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date, timedelta

from spark_jobs.errors import BatchError


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def date_range(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last`` inclusive (an error if ``last`` is before ``first``)."""
    if last < first:
        raise argparse.ArgumentTypeError(f"{last} is before {first}")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def run(main: Callable[[], None]) -> None:
    """Run ``main``; a ``BatchError`` becomes ``ERROR: <message>`` on stderr and exit code 2."""
    from fraud_platform.logs import configure_logging

    configure_logging(json=True)
    try:
        main()
    except BatchError as exc:
        print(f"ERROR: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
