"""Cassandra access for the consumers: connect and write with retry + exponential backoff, never dropping.

``Writer.write(statements)`` runs bound statements concurrently (``execute_concurrent``, at most
``concurrency`` in flight); the failed ones are retried with backoff (0.1 s doubling up to
``max_backoff``) until they succeed - every write is an idempotent upsert, so a retry cannot double.
It gives up only when ``should_stop()`` turns true, raising ``Interrupted``: the caller then exits
without committing offsets and the batch is replayed on restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from cassandra.concurrent import execute_concurrent
from cassandra.policies import ExponentialReconnectionPolicy

from fraud_runtime.clients import cassandra_cluster
from fraud_runtime.logs import get_logger

log = get_logger("consumers.cassandra")
FIRST_BACKOFF = 0.1


class Interrupted(Exception):
    """Stop requested while a write was still failing: nothing was committed."""


def backoff(attempt: int, ceiling: float) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): 0.1, 0.2, 0.4, ... capped at ``ceiling``."""
    return min(ceiling, FIRST_BACKOFF * 2 ** (attempt - 1))


def _wait(seconds: float, should_stop: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if should_stop():
            raise Interrupted
        time.sleep(min(0.1, max(0.0, end - time.monotonic())))


def connect(contact_points: Sequence[str], port: int, *, max_backoff: float,
            should_stop: Callable[[], bool], on_retry: Callable[[], None] = lambda: None) -> tuple[Any, Any]:
    """(cluster, session on keyspace ``fraud``), retrying until Cassandra answers."""
    attempt = 0
    while True:
        cluster = cassandra_cluster(contact_points, port, connect_timeout=5)
        # Reconnect quickly after an outage (the driver's default waits up to 10 minutes).
        cluster.reconnection_policy = ExponentialReconnectionPolicy(0.2, max_backoff)
        try:
            return cluster, cluster.connect("fraud")
        except Exception as exc:  # NoHostAvailable, OperationTimedOut, ...: all mean "not reachable yet"
            cluster.shutdown()
            attempt += 1
            log.warning("cassandra unavailable, retrying", attempt=attempt, error=str(exc)[:200])
            on_retry()
            _wait(backoff(attempt, max_backoff), should_stop)


class Writer:
    """Concurrent idempotent writes with retry until success (see the module docstring)."""

    def __init__(self, session: Any, *, concurrency: int, max_backoff: float,
                 should_stop: Callable[[], bool], on_retry: Callable[[], None] = lambda: None) -> None:
        self.session, self.concurrency, self.max_backoff = session, concurrency, max_backoff
        self.should_stop, self.on_retry = should_stop, on_retry

    def write(self, statements: list[tuple[Any, Any]]) -> None:
        """Execute ``(statement, params)`` pairs; returns once every one has succeeded."""
        pending, attempt = statements, 0
        while pending:
            results = execute_concurrent(self.session, pending, concurrency=self.concurrency,
                                         raise_on_first_error=False)
            failed = [pending[i] for i, (ok, _) in enumerate(results) if not ok]
            if not failed:
                return
            attempt += 1
            error = next(res for ok, res in results if not ok)
            log.warning("cassandra writes failed, retrying", failed=len(failed), attempt=attempt,
                        error=str(error)[:200])
            self.on_retry()
            _wait(backoff(attempt, self.max_backoff), self.should_stop)
            pending = failed
