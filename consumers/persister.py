"""The persister: ``transaction_topic`` + ``fraud_topic`` -> Cassandra keyspace ``fraud`` (rows in
``persister_rows.py``). Runs ``loop.ConsumerLoop``: a batch's rows are written with prepared statements,
concurrently (``cassandra_io.Writer``: bounded in-flight, retry with backoff while Cassandra is
unavailable, never dropped), and offsets are committed only after every write succeeded. Rows sharing a
partition (minute, day) go in one UNLOGGED batch: one request, one partition, still idempotent.

``python -m consumers.persister --help``
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import typer

from consumers import dlq, entry, kafka_io
from consumers import persister_rows as rows
from consumers.cassandra_io import Writer, connect, partition_batches
from consumers.loop import ConsumerLoop
from consumers.watchdog import Watchdog
from fraud_domain import topics
from fraud_platform.logs import get_logger

log = get_logger("consumers.persister")


def _insert(session: Any, table: str, columns: tuple[str, ...]) -> Any:
    return session.prepare(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})")


class Persister:
    """The persister's ``loop.Handler``."""

    def __init__(self, session: Any, writer: Any, metrics: Any, *, tx_topic: str, decisions_topic: str,
                 max_bytes: int) -> None:
        self.writer, self.metrics, self.max_bytes = writer, metrics, max_bytes
        self.tx_topic, self.decisions_topic = tx_topic, decisions_topic
        self.tx = _insert(session, "transactions_by_customer", rows.TX_COLUMNS)
        self.decision = _insert(session, "decisions", rows.DECISION_COLUMNS)
        self.minute = _insert(session, "decisions_by_minute", rows.MINUTE_COLUMNS)
        self.alert = _insert(session, "alerts_by_day", rows.ALERT_COLUMNS)

    def on_assigned(self, consumer: Any, partitions: list[Any]) -> None:
        """Nothing to restore: resume from the committed offsets."""

    def process(self, records: list[Any]) -> None:
        statements: list[tuple[Any, Any]] = []
        by_partition: dict[tuple[Any, Any], list[tuple]] = defaultdict(list)
        counts: dict[str, int] = defaultdict(int)
        for r in records:  # Steps 2-3: validate, map to rows
            try:
                if r.topic == self.tx_topic:
                    statements.append((self.tx, rows.transaction_row(r.value, self.max_bytes)))
                    counts["transactions_by_customer"] += 1
                    continue
                decision, minute, alert = rows.decision_rows(r.value)
            except Exception as exc:
                self.metrics.invalid(dlq.category(exc))
                continue
            statements.append((self.decision, decision))
            by_partition[self.minute, minute[0]].append(minute)
            counts["decisions"] += 1
            counts["decisions_by_minute"] += 1
            if alert is not None:
                by_partition[self.alert, alert[0]].append(alert)
                counts["alerts_by_day"] += 1
        statements += self._batches(by_partition)
        self.writer.write(statements)  # Step 4: returns only once every write succeeded
        for table, n in counts.items():
            self.metrics.written(table, n)

    @staticmethod
    def _batches(by_partition: dict[tuple[Any, Any], list[tuple]]) -> list[tuple[Any, Any]]:
        out: list[tuple[Any, Any]] = []
        for (prepared, _key), values in by_partition.items():
            out += partition_batches([(prepared, v) for v in values])
        return out

    def flush(self) -> None:
        """Nothing buffered: ``process`` returns after the writes are acknowledged (Step 5)."""

    def checkpoint(self, force: bool = False) -> bool:
        """No state of its own: every processed batch may be committed."""
        return True

    def after_commit(self) -> None:
        """No periodic work."""

    def close(self) -> None:
        """The session is closed by ``main``."""


def main(
    group: str = typer.Option(None, help="Consumer group; default STREAM_PERSISTER_GROUP."),
    metrics_port: int = typer.Option(None, help="Metrics HTTP port; default STREAM_PERSISTER_METRICS_PORT."),
    cassandra_port: int = typer.Option(None, help="CQL port override (default CASSANDRA_PORT)."),
    transactions_topic: str = typer.Option(topics.TRANSACTIONS, help="Transactions topic (tests use their own)."),
    decisions_topic: str = typer.Option(topics.DECISIONS, help="Decisions topic."),
) -> None:
    """Persist transactions and decisions into Cassandra keyspace `fraud`, exactly once in effect."""

    settings, ep, metrics = entry.start("persister", metrics_port)
    s = settings.stream
    group = group or s.persister_group
    holder: list[ConsumerLoop] = []
    stopping = lambda: bool(holder) and holder[0].stopping  # noqa: E731
    watchdog = Watchdog(s.stall_seconds, "persister")
    retried = entry.on_retry(metrics, watchdog)
    loop = ConsumerLoop(kafka_io.consumer(ep.kafka, group, batch_size=s.batch_size, client_id=group),
                        [transactions_topic, decisions_topic], None, metrics,  # type: ignore[arg-type]
                        poll_timeout_ms=s.poll_timeout_ms, batch_size=s.batch_size, watchdog=watchdog)
    holder.append(loop)
    loop.install_signal_handlers()
    cluster, session = connect(ep.cassandra_points, cassandra_port or ep.cassandra_port,
                               max_backoff=s.retry_max_seconds, should_stop=stopping, on_retry=retried)
    writer = Writer(session, concurrency=s.cassandra_concurrency, max_backoff=s.retry_max_seconds,
                    should_stop=stopping, on_retry=retried)
    loop.handler = Persister(session, writer, metrics, tx_topic=transactions_topic,
                             decisions_topic=decisions_topic, max_bytes=s.max_event_bytes)
    log.info("persister started", group=group)
    try:
        loop.run()
    finally:
        cluster.shutdown()
    log.info("persister stopped", group=group)


if __name__ == "__main__":
    typer.run(main)
