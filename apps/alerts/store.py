"""AlertStore: the UI's read interface over the persister's query-shaped Cassandra tables.

The page calls these methods and never writes CQL itself; each method reads exactly one partition (or a
bounded set of them), as the tables in migrations/cassandra/0003_stream_tables.cql are keyed for.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any


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
