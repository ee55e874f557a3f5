"""Cassandra access for the consumers: connect and write with retry + exponential backoff, never dropping.

``Writer.write(statements)`` runs bound statements concurrently (``execute_async``, at most
``concurrency`` in flight); the failed ones are retried with backoff (0.1 s doubling up to
``max_backoff``) until they succeed - every write is an idempotent upsert, so a retry cannot double.
It gives up only when ``should_stop()`` turns true, raising ``Interrupted``: the caller then exits
without committing offsets and the batch is replayed on restart.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from fraud_platform.clients import CqlLogin, CqlNodes, cassandra_cluster
from fraud_platform.logs import get_logger

log = get_logger("consumers.cassandra")
FIRST_BACKOFF = 0.1
MAX_BATCH_ROWS = 100
# Below Cassandra's default batch_size_fail_threshold (50 KiB), so external clusters need no tuning.
MAX_BATCH_BYTES = 40 * 1024


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


def connect(nodes: CqlNodes, *, login: CqlLogin | None, max_backoff: float,
            should_stop: Callable[[], bool], on_retry: Callable[[], None] = lambda: None) -> tuple[Any, Any]:
    """(cluster, session on keyspace ``fraud``), retrying until Cassandra answers."""
    attempt = 0
    while True:
        cluster = cassandra_cluster(nodes, login=login, connect_timeout=5,
                                    max_reconnect_delay=max_backoff)
        try:
            return cluster, cluster.connect("fraud")
        except Exception as exc:  # NoHostAvailable, OperationTimedOut, ...: all mean "not reachable yet"
            cluster.shutdown()
            attempt += 1
            log.warning("cassandra unavailable, retrying", attempt=attempt, error=str(exc)[:200])
            on_retry()
            _wait(backoff(attempt, max_backoff), should_stop)


def partition_batches(pairs: Sequence[tuple[Any, tuple]], *, max_rows: int = MAX_BATCH_ROWS,
                      max_bytes: int = MAX_BATCH_BYTES) -> list[tuple[Any, Any]]:
    """``(statement, params)`` pairs that all write ONE partition, as UNLOGGED batches (one request each,
    applied atomically in that partition, as idempotent as their statements) of at most ``max_rows``
    statements and about ``max_bytes`` of text/blob values. A lone statement stays a plain request."""
    from cassandra.query import BatchStatement, BatchType

    out: list[tuple[Any, Any]] = []
    chunk: list[tuple[Any, tuple]] = []
    size = 0

    def close() -> None:
        if len(chunk) == 1:
            out.append(chunk[0])
        elif chunk:
            batch = BatchStatement(batch_type=BatchType.UNLOGGED)
            for statement, params in chunk:
                batch.add(statement, params)
            out.append((batch, None))

    for pair in pairs:
        row_bytes = 16 + sum(len(v) for v in pair[1] if isinstance(v, str | bytes))
        if chunk and (len(chunk) >= max_rows or size + row_bytes > max_bytes):
            close()
            chunk, size = [], 0
        chunk.append(pair)
        size += row_bytes
    close()
    return out


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
            failed, error = self._run(pending)
            if not failed:
                return
            attempt += 1
            log.warning("cassandra writes failed, retrying", failed=len(failed), attempt=attempt,
                        error=str(error)[:200])
            self.on_retry()
            _wait(backoff(attempt, self.max_backoff), self.should_stop)
            pending = failed

    def _run(self, statements: list[tuple[Any, Any]]) -> tuple[list[tuple[Any, Any]], Exception | None]:
        """One pass with a sliding window of at most ``concurrency`` requests in flight (the oldest is awaited
        before the next is sent, so Cassandra never waits for a whole window to finish); returns the failed
        pairs and one error.

        (The driver's ``execute_concurrent`` recurses and then fails to sort its results when many
        requests fail at once - exactly the outage case - so the window is managed here.)"""
        failed: list[tuple[Any, Any]] = []
        error: Exception | None = None
        in_flight: deque[tuple[tuple[Any, Any], Any]] = deque()

        def settle(pair: tuple[Any, Any], future: Any) -> None:
            nonlocal error
            try:
                if isinstance(future, Exception):
                    raise future
                future.result()
            except Exception as exc:
                failed.append(pair)
                error = exc

        for pair in statements:
            if len(in_flight) >= self.concurrency:
                settle(*in_flight.popleft())
            try:
                in_flight.append((pair, self.session.execute_async(*pair)))
            except Exception as exc:
                in_flight.append((pair, exc))
        while in_flight:
            settle(*in_flight.popleft())
        return failed, error
