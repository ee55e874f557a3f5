"""``kafka_io`` on kafka-python (pure Python): for hosts without librdkafka wheels (``KAFKA_CLIENT=kafka-python``).

Record-batch CRC32C comes from the ``crc32c`` C package, which kafka-python picks up by itself when it is
installed (pure Python capped a producer near 1,500 records/s); ``tests/unit/consumers/test_crc32c.py`` pins it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka import TopicPartition as _TP
from kafka.errors import CommitFailedError, KafkaError, ProducerFencedError
from kafka.structs import OffsetAndMetadata

from consumers.kafka_io import (
    BATCH_BYTES,
    FETCH_MAX_BYTES,
    HEARTBEAT_MS,
    ISOLATION,
    MAX_POLL_INTERVAL_MS,
    MAX_REQUEST_BYTES,
    SESSION_TIMEOUT_MS,
    TRANSACTION_TIMEOUT_MS,
    CommitFailed,
    DeliveryFailed,
    Headers,
    KafkaIOError,
    Record,
    TopicPartition,
    TransactionAborted,
    retrying,
)
from fraud_platform.kafka_access import KafkaAccess

CLOSE_TIMEOUT_S = 10.0


def _ours(tp: Any) -> TopicPartition:
    return TopicPartition(tp.topic, tp.partition)


class _Listener(ConsumerRebalanceListener):
    def __init__(self, on_assigned: Callable[[list[TopicPartition]], None],
                 on_revoked: Callable[[list[TopicPartition]], None]) -> None:
        self.assigned, self.revoked = on_assigned, on_revoked

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.revoked([_ours(tp) for tp in revoked])

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.assigned([_ours(tp) for tp in assigned])


class Consumer:
    """``kafka_io.Consumer`` on ``KafkaConsumer``."""

    def __init__(self, consumer: KafkaConsumer) -> None:
        self._c = consumer
        self._on_assigned: Callable[[list[TopicPartition]], None] | None = None
        self._new: list[TopicPartition] = []  # assigned in the last poll, handed over once it returns
        self._sought: set[TopicPartition] | None = None  # partitions ``on_assigned`` seeks

    def partitions(self, topic: str) -> list[TopicPartition]:
        found = self._c.partitions_for_topic(topic)
        if not found:
            raise KafkaIOError(f"topic {topic} does not exist (run ./fraudctl up)")
        return [TopicPartition(topic, p) for p in sorted(found)]

    def subscribe(self, topics: list[str], on_assigned: Callable[[list[TopicPartition]], None],
                  on_revoked: Callable[[list[TopicPartition]], None]) -> None:
        # kafka-python 3 runs the listener on its IO thread, where a blocking call (``committed``, which the
        # scorer needs on assignment) is refused: ``on_assigned`` runs once the poll that assigned returns.
        self._on_assigned = on_assigned

        def revoked(tps: list[TopicPartition]) -> None:
            self._new[:] = [tp for tp in self._new if tp not in tps]
            on_revoked(tps)

        self._c.subscribe(topics, listener=_Listener(self._new.extend, revoked))

    def assign(self, tps: list[TopicPartition]) -> None:
        self._c.assign([_TP(*tp) for tp in tps])

    def poll(self, timeout_s: float, max_records: int) -> list[Record]:
        polled = self._c.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        if self._new and self._on_assigned is not None:
            new, self._new[:] = set(self._new), []
            self._sought = set()
            try:
                self._on_assigned(sorted(new))
            finally:
                sought, self._sought = self._sought, None
            # what the poll returned for a partition it sought is read again from there; the rest is kept
            polled = {tp: batch for tp, batch in polled.items() if _ours(tp) not in sought}
        return [Record(r.topic, r.partition, r.offset, r.key, r.value or b"", r.headers or None, r.timestamp)
                for batch in polled.values() for r in batch]

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._c.seek(_TP(*tp), offset)
        if self._sought is not None:
            self._sought.add(tp)

    def seek_to_beginning(self, tp: TopicPartition) -> None:
        self._c.seek_to_beginning(_TP(*tp))
        if self._sought is not None:
            self._sought.add(tp)

    def position(self, tp: TopicPartition) -> int:
        return self._c.position(_TP(*tp))

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        ends = retrying("end offsets", lambda: self._c.end_offsets([_TP(*tp) for tp in tps]), KafkaError)
        return {_ours(tp): o for tp, o in ends.items()}

    def assignment(self) -> set[TopicPartition]:
        return {_ours(tp) for tp in self._c.assignment()}

    def commit(self, offsets: dict[TopicPartition, int] | None = None) -> None:
        meta = None if offsets is None else {_TP(*tp): OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()}
        if meta == {}:
            return
        try:
            self._c.commit(meta)
        except CommitFailedError as exc:
            raise CommitFailed(str(exc)) from None

    def committed(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        found: dict[TopicPartition, int | None] = {tp: self._committed(tp) for tp in tps}
        return {tp: o for tp, o in found.items() if o is not None and o >= 0}

    def _committed(self, tp: TopicPartition) -> int | None:
        return retrying("committed offsets", lambda: self._c.committed(_TP(*tp)), KafkaError)

    def group_metadata(self) -> object:
        return self._c.group_metadata()

    def close(self) -> None:
        self._c.close(autocommit=False)


class Producer:
    """``kafka_io.Producer`` on ``KafkaProducer``: each send's future is checked on ``poll``/``flush``."""

    def __init__(self, producer: KafkaProducer, on_acknowledged: Callable[[float], None] | None) -> None:
        self._p, self._acked = producer, on_acknowledged
        self._pending: list[Any] = []

    def send(self, topic: str, *, key: bytes | None = None, value: bytes, headers: Headers | None = None,
             timestamp_ms: int | None = None) -> None:
        try:  # kafka-python blocks up to max_block_ms for metadata, then raises here rather than in the future
            future = self._p.send(topic, value=value, key=key, headers=headers, timestamp_ms=timestamp_ms)
        except KafkaError as exc:
            raise DeliveryFailed(f"a record was not acknowledged by Kafka: {exc}") from None
        if self._acked is not None:
            sent, acked = time.perf_counter(), self._acked
            future.add_callback(lambda _meta: acked(time.perf_counter() - sent))
        self._pending.append(future)
        if len(self._pending) >= 10_000:
            self.poll()

    def poll(self) -> None:
        still = []
        for f in self._pending:
            if not f.is_done:
                still.append(f)
            elif f.failed():
                self._fail(f)
        self._pending = still

    def flush(self) -> None:
        self._p.flush()
        pending, self._pending = self._pending, []
        for f in pending:
            if not f.is_done or f.failed():
                self._fail(f)

    def _fail(self, future: Any) -> None:
        self._pending = []
        error = future.exception if future.is_done else "not acknowledged"
        raise DeliveryFailed(f"a record was not acknowledged by Kafka: {error}")

    def begin(self) -> None:
        self._txn("begin", self._p.begin_transaction)

    def commit(self, offsets: dict[TopicPartition, int], group_metadata: object) -> None:
        """The offsets into the transaction, then its commit (which waits for every record of it)."""
        if offsets:
            meta = {_TP(*tp): OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()}
            self._txn("send offsets", lambda: self._p.send_offsets_to_transaction(meta, group_metadata))
        self._txn("commit", self._p.commit_transaction)
        self._pending = []  # all acknowledged: the commit succeeded

    def _txn(self, what: str, call: Callable[[], Any]) -> None:
        """A fenced producer -> ``KafkaIOError``; any other failure -> abort + ``TransactionAborted``, or
        ``KafkaIOError`` if the abort fails too (the producer is in a fatal state)."""
        try:
            call()
            return
        except ProducerFencedError as exc:
            raise KafkaIOError(f"kafka transaction {what}: fenced by a newer instance ({exc})") from None
        except KafkaError as exc:
            why = f"{what}: {exc}"
        self._pending = []
        try:
            self._p.abort_transaction()
        except KafkaError as exc:
            raise KafkaIOError(f"kafka transaction abort failed ({exc}) after: {why}") from None
        raise TransactionAborted(why)

    def close(self) -> None:
        # Bounded: kafka-python's close() waits forever for batches a broker outage left behind (seen hanging a
        # scorer that had raised DeliveryFailed); whatever is not delivered by then was never committed.
        with contextlib.suppress(KafkaError):
            self._p.close(timeout=CLOSE_TIMEOUT_S)


def consumer(bootstrap: str, group: str | None, *, access: KafkaAccess, batch_size: int, client_id: str,
             partition_fetch_bytes: int) -> Consumer:
    return Consumer(KafkaConsumer(
        bootstrap_servers=bootstrap,
        **access.kafka_python(),
        group_id=group,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=batch_size,
        session_timeout_ms=SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=HEARTBEAT_MS,
        max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
        fetch_max_bytes=FETCH_MAX_BYTES,
        max_partition_fetch_bytes=partition_fetch_bytes,
        check_crcs=False,  # the broker validated them on produce
        isolation_level=ISOLATION,
    ))


def producer(bootstrap: str, *, access: KafkaAccess, client_id: str, linger_ms: int, delivery_timeout_ms: int,
             on_acknowledged: Callable[[float], None] | None, transactional_id: str | None) -> Producer:
    txn = {} if transactional_id is None else {
        "transactional_id": transactional_id,
        "transaction_timeout_ms": max(TRANSACTION_TIMEOUT_MS, delivery_timeout_ms)}
    p = Producer(KafkaProducer(
        bootstrap_servers=bootstrap,
        **access.kafka_python(),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
        batch_size=BATCH_BYTES,
        max_request_size=MAX_REQUEST_BYTES,
        delivery_timeout_ms=delivery_timeout_ms,
        request_timeout_ms=min(30_000, delivery_timeout_ms - linger_ms - 1),
        **txn,
    ), on_acknowledged)
    if transactional_id is not None:  # fences older instances and aborts what they left open
        retrying("init transactions", p._p.init_transactions, KafkaError,
                 fatal=lambda exc: not getattr(exc, "retriable", False))
    return p


def topic_ids(bootstrap: str, names: list[str], *, access: KafkaAccess, timeout_s: float) -> dict[str, str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000),
                             **access.kafka_python())
    try:
        described = {t["name"]: t for t in admin.describe_topics(list(names))}
    except KafkaError as exc:
        raise KafkaIOError(f"topics {', '.join(names)}: {exc}") from None
    finally:
        admin.close()
    out = {}
    for name in names:
        topic = described.get(name)
        if topic is None or topic.get("error_code"):
            raise KafkaIOError(f"topic {name}: not found (error code {topic and topic.get('error_code')})")
        out[name] = str(topic["topic_id"])
    return out
