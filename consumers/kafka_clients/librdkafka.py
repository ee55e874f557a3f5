"""``kafka_io`` on confluent-kafka (librdkafka): the default client.

librdkafka fetches in background threads into a local queue, so ``poll`` waits only for the first record
and then takes what is already queued (up to ``max_records``): small batches while the stream is slow, full
ones when it is backed up. Deliveries are reported by a callback served on ``poll``/``flush``; with no
``on_acknowledged`` listener only failures are reported (``delivery.report.only.error``).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

from confluent_kafka import Consumer as _Consumer
from confluent_kafka import KafkaError, KafkaException, TopicCollection
from confluent_kafka import Producer as _Producer
from confluent_kafka import TopicPartition as _TP
from confluent_kafka.admin import AdminClient

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

log = logging.getLogger("librdkafka")
TIMEOUT_S = 30.0  # metadata and offset queries
# A blocking transactional call (each has its own TIMEOUT_S) that has not returned after this is stuck.
TXN_CALL_CEILING_S = TIMEOUT_S + 5.0
TXN_RETRY_BACKOFF_MS = 5  # 1 ms measured the same (p50 30.6 vs 30.9 ms at 1k tx/s)
LOG_LEVEL = 2  # librdkafka's own log lines off: its errors reach error_cb (``_error``), rate-limited
# Commit refusals that mean "the partitions moved to another member", not a broken cluster.
_REBALANCED = {KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION, KafkaError.UNKNOWN_MEMBER_ID,
               KafkaError._ASSIGNMENT_LOST, KafkaError._STATE, KafkaError.FENCED_INSTANCE_ID}
# The group coordinator out of reach (a broker restarting): the commit is retried at the next one.
_COORDINATOR_LOST = {KafkaError._WAIT_COORD, KafkaError.COORDINATOR_NOT_AVAILABLE, KafkaError.NOT_COORDINATOR,
                     KafkaError.COORDINATOR_LOAD_IN_PROGRESS, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN,
                     KafkaError._TIMED_OUT, KafkaError.REQUEST_TIMED_OUT}


# What the offset-query handle shares with its consumer: where the cluster is and how to log in.
_CONNECTION = frozenset({"bootstrap.servers", "client.id", "error_cb", "security.protocol", "sasl.mechanisms",
                         "sasl.username", "sasl.password", "ssl.ca.location"})


def _retrying(what: str, call: Callable[[], Any]) -> Any:
    return retrying(what, call, KafkaException, fatal=lambda exc: not isinstance(exc.args[0], KafkaError)
                    or exc.args[0].fatal())


_last_logged: dict[int, float] = {}


def _error(err: KafkaError) -> None:
    """librdkafka's global errors (e.g. every broker down): it reconnects by itself, so each kind is logged at
    most every 10 s; fatal ones are raised."""
    if err.fatal():
        raise KafkaIOError(f"Kafka client fatal error: {err}")
    now = time.monotonic()
    if now - _last_logged.get(err.code(), -1e9) >= 10.0:
        _last_logged[err.code()] = now
        log.warning("kafka client error: %s", err)


class Consumer:
    """``kafka_io.Consumer`` on librdkafka."""

    def __init__(self, conf: dict) -> None:
        self._c = _Consumer(conf, logger=log)
        # Offset queries go through a handle of their own: on the fetching handle's connection a ListOffsets
        # request waits behind the broker's long-poll fetch (up to fetch.wait.max.ms, 500 ms), which held
        # every scorer batch ~0.7 s at 1k tx/s (the label feed asks before each batch).
        self._queries = _Consumer({k: v for k, v in conf.items() if k in _CONNECTION}
                                  | {"group.id": f"{conf['group.id']}-offsets", "log_level": LOG_LEVEL}, logger=log)
        self._next: dict[TopicPartition, int] = {}  # next offset per partition, as returned or sought
        self._returned: set[TopicPartition] = set()  # partitions that returned a record since their last seek
        self._assigned: set[TopicPartition] = set()
        self._manual = False
        self._sought: dict[TopicPartition, int] | None = None  # seeks requested inside an assignment callback

    def partitions(self, topic: str) -> list[TopicPartition]:
        found = _retrying("metadata", lambda: self._c.list_topics(topic, timeout=TIMEOUT_S)).topics.get(topic)
        if found is None or found.error is not None or not found.partitions:
            raise KafkaIOError(f"topic {topic} does not exist (run ./fraudctl up)")
        return [TopicPartition(topic, p) for p in sorted(found.partitions)]

    def subscribe(self, topics: list[str], on_assigned: Callable[[list[TopicPartition]], None],
                  on_revoked: Callable[[list[TopicPartition]], None]) -> None:
        def assigned(consumer: _Consumer, parts: list[_TP]) -> None:
            tps = [TopicPartition(p.topic, p.partition) for p in parts]
            self._sought = {}
            try:
                on_assigned(tps)  # the handler may seek: the offsets go into the assignment itself
            finally:
                sought, self._sought = self._sought, None
            consumer.assign([_TP(tp.topic, tp.partition, sought[tp]) if tp in sought else _TP(tp.topic, tp.partition)
                             for tp in tps])
            self._assigned = set(tps)
            for tp in tps:
                self._next.pop(tp, None)
            self._next.update(sought)
            self._returned.difference_update(tps)

        def revoked(consumer: _Consumer, parts: list[_TP]) -> None:
            tps = [TopicPartition(p.topic, p.partition) for p in parts]
            on_revoked(tps)
            consumer.unassign()
            self._assigned.difference_update(tps)
            for tp in tps:
                self._next.pop(tp, None)

        self._c.subscribe(topics, on_assign=assigned, on_revoke=revoked, on_lost=revoked)

    def assign(self, tps: list[TopicPartition]) -> None:
        self._manual, self._assigned = True, set(tps)
        self._c.assign([_TP(tp.topic, tp.partition) for tp in tps])

    def poll(self, timeout_s: float, max_records: int) -> list[Record]:
        got = self._c.consume(num_messages=1, timeout=timeout_s)
        if not got:
            return []
        if max_records > 1:
            got += self._c.consume(num_messages=max_records - 1, timeout=0)
        out = []
        nxt = self._next
        for m in got:
            err = m.error()
            if err is not None:
                if err.fatal():
                    raise KafkaIOError(f"Kafka consumer fatal error: {err}")
                if err.code() != KafkaError._PARTITION_EOF:
                    log.warning("kafka consumer error: %s", err)
                continue
            topic, partition, offset = cast(str, m.topic()), cast(int, m.partition()), cast(int, m.offset())
            kind, ts = m.timestamp()
            out.append(Record(topic, partition, offset, m.key(), m.value() or b"", cast(Headers | None, m.headers()),
                              ts if kind else -1))
            tp = TopicPartition(topic, partition)
            nxt[tp] = offset + 1
            self._returned.add(tp)
        return out

    def seek(self, tp: TopicPartition, offset: int) -> None:
        if self._sought is not None:  # inside the assignment callback
            self._sought[tp] = offset
            return
        self._next[tp] = offset
        self._returned.discard(tp)
        if self._manual:  # re-assign with every known position: a seek right after assign may not be ready yet
            self._c.assign([_TP(t.topic, t.partition, self._next[t]) if t in self._next else _TP(t.topic, t.partition)
                            for t in sorted(self._assigned)])
        else:
            self._c.seek(_TP(tp.topic, tp.partition, offset))

    def seek_to_beginning(self, tp: TopicPartition) -> None:
        self.seek(tp, self._watermarks(tp)[0])

    def position(self, tp: TopicPartition) -> int:
        ck = _TP(tp.topic, tp.partition)
        if tp in self._next:
            # Past the last record returned, and past the transaction marker behind it once the client has
            # stepped over it (its own position; not right after a seek, when it may still be the old one).
            if tp in self._returned:
                return max(self._next[tp], self._c.position([ck])[0].offset)
            return self._next[tp]
        offset = self._c.position([ck])[0].offset
        if offset < 0:
            offset = _retrying("committed offsets", lambda: self._c.committed([ck], timeout=TIMEOUT_S))[0].offset
        if offset < 0:  # nothing consumed nor committed: auto.offset.reset=earliest
            offset = self._watermarks(tp)[0]
        return offset

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        """One ListOffsets request for all (timestamp -1 = the latest offset): 0.7 ms here against 4.4 ms for
        six watermark queries, and the scorer asks before every batch (``labels.LabelFeed.drain``)."""
        if not tps:
            return {}
        query = [_TP(tp.topic, tp.partition, -1) for tp in tps]
        found = _retrying("end offsets", lambda: self._queries.offsets_for_times(query, timeout=TIMEOUT_S))
        latest = {TopicPartition(g.topic, g.partition): g.offset for g in found if g.error is None and g.offset >= 0}
        return {tp: latest[tp] if tp in latest else self._watermarks(tp)[1] for tp in tps}

    def _watermarks(self, tp: TopicPartition) -> tuple[int, int]:
        return _retrying("watermarks", lambda: self._queries.get_watermark_offsets(
            _TP(tp.topic, tp.partition), timeout=TIMEOUT_S, cached=False))

    def assignment(self) -> set[TopicPartition]:
        return set(self._assigned)

    def commit(self, offsets: dict[TopicPartition, int] | None = None) -> None:
        if offsets is None:
            offsets = {tp: self._next[tp] for tp in self._assigned if tp in self._next}
        if not offsets:
            return
        try:
            done = self._c.commit(offsets=[_TP(tp.topic, tp.partition, o) for tp, o in offsets.items()],
                                  asynchronous=False)
        except KafkaException as exc:
            err = exc.args[0]
            if err.code() in _REBALANCED or err.code() in _COORDINATOR_LOST:
                raise CommitFailed(str(err)) from None
            raise KafkaIOError(f"commit failed: {err}") from None
        failed = [tp for tp in done or () if tp.error is not None]
        if failed:
            raise CommitFailed(f"commit refused for {len(failed)} partition(s): {failed[0].error}")

    def committed(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        # read_committed: the broker answers once no transaction holding offsets of the group is pending
        found = _retrying("committed offsets", lambda: self._c.committed([_TP(*tp) for tp in tps], timeout=TIMEOUT_S))
        return {TopicPartition(c.topic, c.partition): c.offset for c in found if c.error is None and c.offset >= 0}

    def group_metadata(self) -> object:
        return self._c.consumer_group_metadata()

    def close(self) -> None:
        self._c.close()
        self._queries.close()


class Producer:
    """``kafka_io.Producer`` on librdkafka."""

    def __init__(self, conf: dict, on_acknowledged: Callable[[float], None] | None) -> None:
        self._acked = on_acknowledged
        # Transactional: a failed delivery fails the transaction's commit, which aborts it (``commit``).
        self._transactional = "transactional.id" in conf
        self._failed: list[str] = []
        self._sent = 0
        self._initialised = False
        self._ceiling = _Ceiling()
        self._outage = False  # every broker was lost since the transaction began
        self._conf = conf | {"on_delivery": self._report, "delivery.report.only.error": on_acknowledged is None,
                             "error_cb": self._error}
        self._p = _Producer(self._conf, logger=log)

    def _error(self, err: KafkaError) -> None:
        if err.code() == KafkaError._ALL_BROKERS_DOWN:
            self._outage = True
        _error(err)

    def _report(self, err: KafkaError | None, msg: object) -> None:
        if err is not None:
            self._failed.append(f"{msg.topic()}: {err.str()}")  # type: ignore[attr-defined]
        elif self._acked is not None:
            self._acked(msg.latency() or 0.0)  # type: ignore[attr-defined]

    def send(self, topic: str, *, key: bytes | None = None, value: bytes, headers: Headers | None = None,
             timestamp_ms: int | None = None) -> None:
        while True:
            try:
                self._p.produce(topic, value, key, headers=cast(Any, headers), timestamp=timestamp_ms or 0)
                break
            except BufferError:  # the local queue is full: let deliveries drain it
                self._p.poll(0.05)
                self._raise()
        self._sent += 1
        if self._sent % 1000 == 0:
            self.poll()

    def poll(self) -> None:
        self._p.poll(0)
        self._raise()

    def flush(self) -> None:
        while self._p.flush(1.0) > 0:  # records fail by themselves once DELIVERY_TIMEOUT_MS passes
            self._raise()
        self._raise()

    def _raise(self) -> None:
        if self._failed and not self._transactional:
            failed, self._failed = self._failed, []
            raise DeliveryFailed(f"{len(failed)} record(s) not acknowledged by Kafka, e.g. {failed[0]}")

    def close(self) -> None:
        self._p.flush(10.0)

    def begin(self) -> None:
        self._txn("begin", self._p.begin_transaction, bounded=False)  # local: no request, nothing to wait on

    def commit(self, offsets: dict[TopicPartition, int], group_metadata: object) -> None:
        """The offsets into the transaction, then its commit (which waits for every record of it). A
        transaction during which every broker was lost is aborted instead: after a broker restart librdkafka
        may wait forever on the group coordinator it had cached (``_Ceiling``); the scorer reads the batch
        again from its last snapshot, on a fresh client."""
        if self._outage:
            self._abort("every broker was unreachable during the transaction")
        if offsets:
            tps = [_TP(tp.topic, tp.partition, o) for tp, o in offsets.items()]
            self._txn("send offsets", lambda: self._p.send_offsets_to_transaction(tps, group_metadata, TIMEOUT_S))
        self._txn("commit", lambda: self._p.commit_transaction(TIMEOUT_S))
        self._failed.clear()  # a failed delivery fails the commit: it was aborted, not committed, if any

    def _txn(self, what: str, call: Callable[[], Any], *, bounded: bool = True) -> None:
        """librdkafka's error classes: retriable -> again; requires abort -> abort + ``TransactionAborted``;
        anything else (fenced, fatal) -> ``KafkaIOError``. A call that waits on the cluster runs under the
        ceiling (``_Ceiling``)."""
        while True:
            try:
                if bounded:
                    self._ceiling.run(f"transaction {what}", call, TXN_CALL_CEILING_S)
                else:
                    call()
                return
            except KafkaException as exc:
                err = exc.args[0]
                if err.retriable() and not err.txn_requires_abort() and not err.fatal():
                    log.warning("kafka transaction %s failed, retrying: %s", what, err)
                    continue
                if err.txn_requires_abort():
                    self._abort(f"{what}: {err}")
                raise KafkaIOError(f"kafka transaction {what} failed: {err}") from None

    def _abort(self, why: str) -> None:
        self._failed.clear()
        try:
            self._ceiling.run("transaction abort", lambda: self._p.abort_transaction(TIMEOUT_S), TXN_CALL_CEILING_S)
        except KafkaException as exc:
            raise KafkaIOError(f"kafka transaction abort failed ({exc.args[0]}) after: {why}") from None
        self.initialise()
        raise TransactionAborted(why)

    def initialise(self) -> None:
        """A fresh client for the same ``transactional.id`` (fencing the previous one). After an abort - most
        often a broker outage - nothing the old client cached (brokers, coordinators) survives into the next
        transaction: after a broker restart librdkafka can otherwise wait forever on a coordinator it lost."""
        if self._initialised:
            self._p = _Producer(self._conf, logger=log)
        self._initialised = True
        self._txn("init", lambda: self._p.init_transactions(TIMEOUT_S))
        self._outage = False


class _Ceiling:
    """Runs blocking librdkafka calls on one daemon thread, so the caller can give up on a call that never
    returns. librdkafka's blocking transactional calls take a timeout, but ``send_offsets_to_transaction``
    does not always honour it: after the broker restarts it can wait forever on a group coordinator it still
    has cached (librdkafka issues #5456, #5511). The process then exits for its supervisor to restart it,
    which resumes from the last commit, instead of hanging until the stall watchdog
    (``STREAM_STALL_SECONDS``) notices. One long-lived thread: 73 µs per call against 126 µs for a thread
    per call (measured here), on the scorer's path twice per batch."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def run(self, what: str, call: Callable[[], Any], ceiling_s: float) -> Any:
        """``call()``'s result or exception, or ``KafkaIOError`` if it has not returned after ``ceiling_s``."""
        if self._worker is None:
            self._worker = threading.Thread(target=self._serve, name="kafka blocking calls", daemon=True)
            self._worker.start()  # daemon: a hung call must not block the exit
        done = threading.Event()
        outcome: list[tuple[bool, Any]] = []
        self._jobs.put((call, outcome, done))
        if not done.wait(ceiling_s):
            raise KafkaIOError(f"kafka {what} did not return within {ceiling_s:.0f} s (the client is stuck on a "
                               "coordinator it lost): exiting so the supervisor restarts the process")
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    def _serve(self) -> None:
        while True:
            call, outcome, done = self._jobs.get()
            try:
                outcome.append((True, call()))
            except BaseException as exc:  # handed to the caller's thread
                outcome.append((False, exc))
            done.set()


def consumer(bootstrap: str, group: str | None, *, access: KafkaAccess, batch_size: int, client_id: str,
             partition_fetch_bytes: int) -> Consumer:
    return Consumer(access.librdkafka() | {
        "bootstrap.servers": bootstrap,
        "group.id": group or f"{client_id}-standalone",  # librdkafka wants one; a standalone reader never joins
        "client.id": client_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": SESSION_TIMEOUT_MS,
        "heartbeat.interval.ms": HEARTBEAT_MS,
        "max.poll.interval.ms": MAX_POLL_INTERVAL_MS,
        "fetch.max.bytes": FETCH_MAX_BYTES,
        "max.partition.fetch.bytes": partition_fetch_bytes,
        # A partition whose local queue is full is fetched again after this, not librdkafka's default 1 s
        # (with a queue capped at 8,000 messages that backoff held a backlog near 12k records/s; now ~80k).
        "fetch.queue.backoff.ms": 10,
        "isolation.level": ISOLATION,
        "error_cb": _error,
        "log_level": LOG_LEVEL,
    })


def producer(bootstrap: str, *, access: KafkaAccess, client_id: str, linger_ms: int, delivery_timeout_ms: int,
             on_acknowledged: Callable[[float], None] | None, transactional_id: str | None) -> Producer:
    txn = {} if transactional_id is None else {
        "transactional.id": transactional_id,
        "transaction.timeout.ms": max(TRANSACTION_TIMEOUT_MS, delivery_timeout_ms),
        # A transaction begun right after a commit finds the previous one's markers still being written
        # (CONCURRENT_TRANSACTIONS) and is retried after this: librdkafka's default (100 ms) put 100 ms on
        # batches at 1k tx/s; the Java client uses 20 ms for this case. Backoff still grows to 1 s on errors.
        "retry.backoff.ms": TXN_RETRY_BACKOFF_MS}
    p = Producer(access.librdkafka() | txn | {
        "bootstrap.servers": bootstrap,
        "client.id": client_id,
        "acks": "all",
        "enable.idempotence": True,
        "linger.ms": linger_ms,
        "batch.size": BATCH_BYTES,
        "message.max.bytes": MAX_REQUEST_BYTES,
        "delivery.timeout.ms": delivery_timeout_ms,
        "log_level": LOG_LEVEL,
    }, on_acknowledged)
    if transactional_id is not None:  # fences older instances and aborts what they left open
        p.initialise()
    return p


def topic_ids(bootstrap: str, names: list[str], *, access: KafkaAccess, timeout_s: float) -> dict[str, str]:
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": LOG_LEVEL, **access.librdkafka()})
    out = {}
    for name, future in admin.describe_topics(TopicCollection(list(names))).items():
        try:
            uid = future.result(timeout=timeout_s).topic_id
        except KafkaException as exc:
            raise KafkaIOError(f"topic {name}: {exc.args[0].str() if exc.args else exc}") from None
        msb, lsb = uid.get_most_significant_bits(), uid.get_least_significant_bits()
        out[name] = str(uuid.UUID(int=((msb & (2**64 - 1)) << 64) | (lsb & (2**64 - 1))))
    return out
