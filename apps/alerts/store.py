"""AlertStore: the UI's read interface over the persister's query-shaped Cassandra tables, and the
connection that the page keeps across reruns.

The page calls these methods and never writes CQL itself; every read is bounded: one partition (or a bounded
set of them) with a LIMIT, as the tables in migrations/cassandra/0003_stream_tables.cql are keyed for.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cassandra import DriverException, OperationTimedOut
from cassandra.cluster import NoHostAvailable

from apps.alerts.errors import StoreUnavailable
from fraud_platform.clients import CqlLogin, CqlNodes

DRIVER_ERRORS = (DriverException, OperationTimedOut, NoHostAvailable)  # a read Cassandra did not answer
ALERT_DECISIONS = ("block", "review")  # what alerts_by_day holds: the persister writes only these there
MAX_DAYS = 100_000  # (day, hour) partitions read to find the days with decisions: ~11 years of hours


@dataclass(frozen=True)
class Alert:
    event_time: datetime
    transaction_id: str
    customer_id: int
    terminal_id: int
    amount: float
    score: float
    decision: str
    reasons: tuple[str, ...]
    model_version: str


class AlertStore:
    def __init__(self, session: Any) -> None:
        self.session = session
        self._alerts = session.prepare(
            "SELECT event_time, transaction_id, customer_id, terminal_id, amount, score, decision, reasons,"
            " model_version FROM fraud.alerts_by_day WHERE day = ? LIMIT ?"
        )
        self._minute = session.prepare("SELECT decision FROM fraud.decisions_by_minute WHERE minute = ?")
        self._customer = session.prepare(
            "SELECT event_time, transaction_id, terminal_id, amount, channel FROM fraud.transactions_by_customer"
            " WHERE customer_id = ? LIMIT ?"
        )
        self._decisions = session.prepare(
            "SELECT transaction_id, decision, score, reasons, model_version FROM fraud.decisions"
            " WHERE transaction_id IN ?"
        )
        # decision_labels gets one row per decision, partitioned by the event's (day, hour): its partition keys
        # are the hours that hold decisions, read without touching a row.
        self._hours = session.prepare("SELECT DISTINCT day, hour FROM fraud.decision_labels LIMIT ?")

    def decision_days(self, limit: int = MAX_DAYS) -> list[date]:
        """The UTC days holding decisions (by event time), newest first; empty for an empty database."""
        days = {row.day for row in self.session.execute(self._hours, (limit,))}
        return sorted((d.date() if hasattr(d, "date") else d for d in days), reverse=True)

    def recent_alerts(self, day: date, limit: int) -> list[Alert]:
        """The day's review/block decisions, newest first."""
        rows = self.session.execute(self._alerts, (day, limit))
        return [
            Alert(row.event_time, str(row.transaction_id), row.customer_id, row.terminal_id, row.amount, row.score,
                  row.decision, tuple(row.reasons or ()), row.model_version or "none")
            for row in rows
        ]

    def decisions_per_minute(self, until: datetime, minutes: int) -> list[tuple[datetime, Counter[str]]]:
        """Decision counts per minute for the `minutes` minutes ending at `until` (oldest first)."""
        last = until.replace(second=0, microsecond=0)
        starts = [last - timedelta(minutes=offset) for offset in range(minutes - 1, -1, -1)]
        futures = [self.session.execute_async(self._minute, (start,)) for start in starts]
        return [
            (start, Counter(row.decision for row in future.result()))
            for start, future in zip(starts, futures, strict=True)
        ]

    def customer_transactions(self, customer_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """One customer's latest transactions, newest first."""
        rows = self.session.execute(self._customer, (customer_id, limit))
        return [row._asdict() for row in rows]

    def customer_decisions(self, customer_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """One customer's latest transactions with their decisions (None: not decided yet), newest first."""
        transactions = self.customer_transactions(customer_id, limit)
        ids = [tx["transaction_id"] for tx in transactions]
        decided = {row.transaction_id: row for row in self.session.execute(self._decisions, (ids,))} if ids else {}
        out = []
        for tx in transactions:
            d = decided.get(tx["transaction_id"])
            out.append({**tx, "transaction_id": str(tx["transaction_id"]),
                        "decision": d.decision if d else None, "score": d.score if d else None,
                        "reasons": ", ".join(d.reasons or ()) if d else "",
                        "model_version": d.model_version if d else None})
        return out


class StoreConnection:
    """The page's Cassandra session, opened on first use and dropped by ``reset`` after a failed read, so the
    next rerun reconnects: a Cassandra that was down is picked up again without restarting the page."""

    def __init__(self, nodes: CqlNodes, *, login: CqlLogin | None, connect_timeout: float = 5.0) -> None:
        self.nodes, self.connect_timeout = nodes, connect_timeout
        self.login = login
        self._lock = threading.Lock()
        self._cluster: Any = None
        self._store: AlertStore | None = None

    @property
    def endpoint(self) -> str:
        return str(self.nodes)

    def store(self) -> AlertStore:
        """The connected store (``StoreUnavailable`` if Cassandra does not answer)."""
        from fraud_platform.clients import cassandra_cluster

        with self._lock:
            if self._store is None:
                cluster = cassandra_cluster(self.nodes, login=self.login,
                                            connect_timeout=self.connect_timeout)
                try:
                    self._store = AlertStore(cluster.connect())
                except DRIVER_ERRORS as exc:
                    cluster.shutdown()
                    raise self._error(exc) from exc
                self._cluster = cluster
            return self._store

    def unavailable(self, exc: BaseException) -> StoreUnavailable:
        """``exc`` (a failed read) as the page's error; the session is dropped, the next ``store()`` reconnects."""
        self.reset()
        return self._error(exc)

    def _error(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(f"Cassandra at {self.endpoint} does not answer ({exc.__class__.__name__}: {exc})")

    def reset(self) -> None:
        with self._lock:
            cluster, self._cluster, self._store = self._cluster, None, None
        if cluster is not None:
            cluster.shutdown()
