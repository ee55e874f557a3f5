"""The persister: ``transaction_topic`` + ``fraud_topic`` + ``fraud_labels`` -> Cassandra keyspace ``fraud``
(rows in ``persister_rows.py``). Runs ``loop.ConsumerLoop``: a batch's rows are written with prepared
statements, concurrently (``cassandra_io.Writer``: bounded in-flight, retry with backoff while Cassandra is
unavailable, never dropped), and offsets are committed only after every write succeeded. Rows sharing a
partition (minute, day) go in one UNLOGGED batch: one request, one partition, still idempotent. Between
batches (``after_commit``) the decision quality of the days that got decisions or labels is recomputed
(``quality_refresh.py``).

``python -m consumers.persister --help``
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import typer

from consumers import dlq, entry, kafka_io
from consumers import persister_rows as rows
from consumers.cassandra_io import Writer, connect, partition_batches
from consumers.loop import ConsumerLoop
from consumers.quality_refresh import QualityRefresh
from consumers.watchdog import Watchdog
from fraud_domain import topics
from fraud_platform.logs import get_logger

log = get_logger("consumers.persister")
Insert = tuple[str, Any]  # (table, prepared INSERT)
Row = tuple[Insert, tuple]  # an insert and its values
# Tables whose rows are grouped per partition into UNLOGGED batches: the number of leading partition-key values.
_BATCHED = {"decisions_by_minute": 1, "alerts_by_day": 1, rows.DECISION_LABELS: 2}


def _insert(session: Any, table: str, columns: tuple[str, ...]) -> Insert:
    return table, session.prepare(rows.insert_cql(table, columns))


class Persister:
    """The persister's ``loop.Handler``."""

    def __init__(self, session: Any, writer: Any, metrics: Any, quality: QualityRefresh, *, tx_topic: str,
                 decisions_topic: str, labels_topic: str, max_bytes: int) -> None:
        self.writer, self.metrics, self.quality, self.max_bytes = writer, metrics, quality, max_bytes
        self.tx = _insert(session, "transactions_by_customer", rows.TX_COLUMNS)
        self.decision = _insert(session, "decisions", rows.DECISION_COLUMNS)
        self.minute = _insert(session, "decisions_by_minute", rows.MINUTE_COLUMNS)
        self.alert = _insert(session, "alerts_by_day", rows.ALERT_COLUMNS)
        self.joined_decision = _insert(session, rows.DECISION_LABELS, rows.JOINED_DECISION_COLUMNS)
        self.joined_label = _insert(session, rows.DECISION_LABELS, rows.JOINED_LABEL_COLUMNS)
        # topic -> (payload -> rows, raising if invalid; the invalid-record reason counted)
        self.routes: dict[str, tuple[Callable[[bytes], list[Row]], Callable[[Exception], str]]] = {
            tx_topic: (self._transaction, dlq.category),
            decisions_topic: (self._decision, dlq.category),
            labels_topic: (self._label, lambda _exc: "label"),
        }

    def on_assigned(self, consumer: Any, partitions: list[Any]) -> None:
        """Nothing to restore: resume from the committed offsets."""

    def on_revoked(self, partitions: list[Any]) -> None:
        """Nothing held: a batch is written before the next poll."""

    def held(self) -> int:
        return 0

    def process(self, records: list[Any]) -> None:
        statements: list[tuple[Any, Any]] = []
        by_partition: dict[tuple[str, Any], list[tuple[Any, tuple]]] = defaultdict(list)
        counts: dict[str, int] = defaultdict(int)
        for r in records:  # Steps 2-3: validate, map to rows
            to_rows, reason = self.routes[r.topic]
            try:
                mapped = to_rows(r.value)
            except Exception as exc:
                self.metrics.invalid(reason(exc))
                continue
            for (table, prepared), values in mapped:
                counts[table] += 1
                if table in _BATCHED:
                    by_partition[table, values[:_BATCHED[table]]].append((prepared, values))
                else:
                    statements.append((prepared, values))
        for (_table, _key), pairs in by_partition.items():
            statements += partition_batches(pairs)
        self.writer.write(statements)  # Step 4: returns only once every write succeeded
        for table, n in counts.items():
            self.metrics.written(table, n)
        self.quality.touched(key for table, key in by_partition if table == rows.DECISION_LABELS)

    def _transaction(self, raw: bytes) -> list[Row]:
        return [(self.tx, rows.transaction_row(raw, self.max_bytes))]

    def _decision(self, raw: bytes) -> list[Row]:
        decision, minute, alert, joined = rows.decision_rows(raw)
        out = [(self.decision, decision), (self.minute, minute), (self.joined_decision, joined)]
        if alert is not None:
            out.append((self.alert, alert))
        return out

    def _label(self, raw: bytes) -> list[Row]:
        return [(self.joined_label, rows.label_row(raw))]

    def flush(self) -> None:
        """Nothing buffered: ``process`` returns after the writes are acknowledged (Step 5)."""

    def checkpoint(self, force: bool = False) -> bool:
        """No state of its own: every processed batch may be committed."""
        return True

    def after_commit(self) -> None:
        """The decision quality of the days changed since the last run, every ``STREAM_QUALITY_SECONDS``."""
        self.quality.poll()

    def close(self) -> None:
        """The run in flight and the pending days' quality; the session is closed by ``main``."""
        self.quality.close()


def main(
    group: str = typer.Option(None, help="Consumer group; default STREAM_PERSISTER_GROUP."),
    metrics_port: int = typer.Option(None, help="Metrics HTTP port; default STREAM_PERSISTER_METRICS_PORT."),
    cassandra_port: int = typer.Option(None, help="CQL port override (default CASSANDRA_PORT)."),
    transactions_topic: str = typer.Option(topics.TRANSACTIONS, help="Transactions topic (tests use their own)."),
    decisions_topic: str = typer.Option(topics.DECISIONS, help="Decisions topic."),
    labels_topic: str = typer.Option(topics.LABELS, help="Labels topic (joined with the decisions)."),
) -> None:
    """Persist transactions, decisions and labels into Cassandra keyspace `fraud`, exactly once in effect."""

    settings, ep, metrics = entry.start("persister", metrics_port)
    s = settings.stream
    group = group or s.persister_group
    holder: list[ConsumerLoop] = []
    stopping = lambda: bool(holder) and holder[0].stopping  # noqa: E731
    watchdog = Watchdog(s.stall_seconds, "persister")
    retried = entry.on_retry(metrics, watchdog)
    loop = ConsumerLoop(kafka_io.consumer(ep.kafka, group, access=ep.kafka_access("persister"),
                                          batch_size=s.batch_size, client_id=group, client=settings.kafka.client),
                        [transactions_topic, decisions_topic, labels_topic], None, metrics,  # type: ignore[arg-type]
                        poll_timeout_ms=s.poll_timeout_ms, batch_size=s.batch_size, watchdog=watchdog)
    holder.append(loop)
    loop.install_signal_handlers()
    nodes = replace(ep.cassandra, port=cassandra_port) if cassandra_port else ep.cassandra
    cluster, session = connect(nodes, login=ep.cassandra_login,
                               max_backoff=s.retry_max_seconds, should_stop=stopping, on_retry=retried)
    writer = Writer(session, concurrency=s.cassandra_concurrency, max_backoff=s.retry_max_seconds,
                    should_stop=stopping, on_retry=retried)
    quality = QualityRefresh(session, metrics, every=s.quality_seconds)
    loop.handler = Persister(session, writer, metrics, quality, tx_topic=transactions_topic,
                             decisions_topic=decisions_topic, labels_topic=labels_topic,
                             max_bytes=s.max_event_bytes)
    log.info("persister started", group=group, client=settings.kafka.client)
    try:
        loop.run()
    finally:
        cluster.shutdown()
    log.info("persister stopped", group=group)


if __name__ == "__main__":
    typer.run(main)
