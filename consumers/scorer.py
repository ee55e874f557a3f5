"""The scorer: ``transaction_topic`` -> a ``Decision`` on ``fraud_topic`` for every valid transaction
(key = customer id), invalid payloads -> ``transaction_dlq`` (``dlq.py``). Runs ``loop.ConsumerLoop``
(commit order there); state checkpoints in Cassandra (``state_store.py``); labels via ``labels.py``;
rules (``rules.py``) + champion model (``model_registry.py``) combined by ``decide.py``.

Exactly once on ``fraud_topic``/``transaction_dlq`` (for ``read_committed`` readers), with either client:
each poll batch is one Kafka transaction holding its decisions, its DLQ records and the input offsets they
cover (``flush``, step 5). The producer's ``transactional.id`` is ``<group>-<STREAM_SCORER_INSTANCE_ID>``,
so a restarted instance fences the one it replaces and aborts what that one left open. The feature state
is snapshotted to Cassandra every few seconds with its offsets S, behind the committed offsets C: on start
(and after an aborted transaction) the scorer restores the snapshot and reads S..C again to rebuild the
state WITHOUT publishing (``replay_until``), then publishes from C. Nothing is decided twice, nothing skipped.

``python -m consumers.scorer --help``
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import chain, compress
from typing import Any

import numpy as np
import typer

from consumers import dlq, entry, kafka_io, rules
from consumers.alignment import EventTimeAligner
from consumers.cassandra_io import Writer, connect
from consumers.decide import MODEL_REASON, combine_batch
from consumers.errors import StreamError
from consumers.kafka_io import KafkaIOError, TopicPartition, TransactionAborted
from consumers.labels import LabelFeed
from consumers.loop import ConsumerLoop
from consumers.model_registry import Model, ModelRegistry
from consumers.promotion_floor import CassandraPromotionFloor
from consumers.state_store import CassandraStateStore, Snapshot
from consumers.watchdog import Watchdog
from fraud_domain import topics
from fraud_domain.errors import ErrorCode, EventValidationError
from fraud_domain.features import ALL_FEATURE_NAMES, OnlineFeatureState, retention
from fraud_domain.features.online import DEFAULT_SOURCE, SOURCE_SEPARATOR, namespace
from fraud_domain.schema import decisions_to_json, finite_rows, parse_event
from fraud_domain.utc import to_epoch_us
from fraud_platform.errors import FraudError
from fraud_platform.logs import get_logger
from fraud_platform.model_store import MODELS_ROOT
from fraud_platform.webhdfs import WebHdfs

log = get_logger("consumers.scorer")
FEATURE_COLUMN = {name: i for i, name in enumerate(ALL_FEATURE_NAMES)}  # a feature's column in a batch's matrix
RULE_COLUMNS = [FEATURE_COLUMN[name] for name in rules.RULE_INPUTS]


class Scorer:
    """The scorer's ``loop.Handler``."""

    def __init__(self, *, producer: Any, labels: LabelFeed, store: Any, registry: ModelRegistry | None,
                 thresholds: rules.Thresholds, metrics: Any, stream: Any, out_topic: str, dlq_topic: str) -> None:
        self.producer, self.labels, self.store, self.registry = producer, labels, store, registry
        self.thresholds, self.metrics, self.out_topic, self.dlq_topic = thresholds, metrics, out_topic, dlq_topic
        self.max_bytes, self.max_amount = stream.max_event_bytes, stream.max_amount
        self.max_future = timedelta(seconds=stream.max_future_seconds)
        self.checkpoint_every, self.model_every = stream.checkpoint_seconds, stream.model_poll_seconds
        # History is evicted behind the newest event time of the record's source (topics.SOURCE_HEADER) seen
        # on ANY partition: when a backlog is replayed one partition can run ahead of another, so the
        # lateness must exceed that skew (a later event goes to the DLQ as ``late``).
        self.state = OnlineFeatureState(allowed_lateness=timedelta(seconds=stream.allowed_lateness_seconds))
        self.offsets: dict[tuple[str, int], int] = {}  # next offset per input partition, as processed
        # Per partition, the group's committed offset while the state is rebuilt below it: records there were
        # published by a committed transaction already and are processed without publishing anything.
        self.replay_until: dict[TopicPartition, int] = {}
        self._in_txn = False  # a transaction is open: this batch has sent something
        self._committed: dict[TopicPartition, int] = {}  # offsets the last transactions committed
        self.dirty: defaultdict[str, set[int]] = defaultdict(set)  # namespace -> keys changed since the snapshot
        self.model: Model | None = None
        self.aligner = EventTimeAligner(stream.alignment_skew_seconds * 1_000_000, stream.alignment_max_wait_seconds)
        self.consumer: kafka_io.Consumer | None = None  # known once partitions are assigned
        self._ends: dict[kafka_io.TopicPartition, int] = {}
        self._ends_at = 0.0
        self._timeouts = 0
        self._rewind: dict[kafka_io.TopicPartition, int] = {}  # first held offset of a revoked partition
        self._next_checkpoint = time.monotonic() + self.checkpoint_every
        self._changed = False  # records processed since the last snapshot
        self._saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint")
        self._saving: tuple[Future, Snapshot] | None = None  # at most one save in flight
        self._next_model = 0.0
        self.metrics.model_version("none")

    def restore(self) -> None:
        ckpt = self.store.load(allowed_lateness=self.state.allowed_lateness)  # the setting, not the saved value
        if ckpt is not None:
            self.state, self.offsets = ckpt.state, dict(ckpt.offsets)
            log.info("state restored", entities=len(self.state), offsets=len(self.offsets))
        else:
            self.state, self.offsets = OnlineFeatureState(allowed_lateness=self.state.allowed_lateness), {}
        self.dirty, self._changed = defaultdict(set), False
        self.labels.restore(self.offsets, ckpt.pending_labels if ckpt else [])
        # The champion before the first batch: a replay after a restart re-derives the same decisions.
        self.poll_model()

    def on_assigned(self, consumer: kafka_io.Consumer, partitions: list[kafka_io.TopicPartition]) -> None:
        self.consumer = consumer
        self.aligner.assign(partitions)
        self._ends_at = 0.0
        # Resume where this scorer's state ends (the restored snapshot's offsets, or after a rebalance the
        # records it processed), not where Kafka's commit is: records held back for alignment and dropped on
        # revocation are read again, nothing processed is counted twice. Up to the commit, nothing is published.
        committed = consumer.committed(partitions)
        for tp in partitions:
            self._committed.pop(tp, None)
            offset = self.offsets.get(tp, self._rewind.pop(tp, None))
            if offset is not None:
                consumer.seek(tp, offset)
            elif tp in committed:  # no state for it: rebuilt from the partition's first record
                consumer.seek_to_beginning(tp)
            if tp in committed and (offset is None or offset < committed[tp]):
                self.replay_until[tp] = committed[tp]
            else:
                self.replay_until.pop(tp, None)
            log.info("resuming where the state ends", partition=f"{tp.topic}-{tp.partition}",
                     offset="first" if offset is None else offset, publishing_from=committed.get(tp))

    def on_revoked(self, partitions: list[kafka_io.TopicPartition]) -> None:
        # Held records are dropped; reading starts again at the first of them if the partition comes back
        # (kafka-python keeps its position for a partition it gets back; librdkafka starts at the commit).
        self._rewind.update(self.aligner.drop(partitions, lambda item: item[0].offset))

    def held(self) -> int:
        return len(self.aligner)

    def _behind(self, tp: kafka_io.TopicPartition) -> bool:
        """Whether ``tp`` has records not read yet (its end offset refreshed at most every second)."""
        if self.consumer is None:
            return False
        if time.monotonic() >= self._ends_at:
            self._ends = self.consumer.end_offsets(sorted(self.consumer.assignment()))
            self._ends_at = time.monotonic() + 1.0
        return self.consumer.position(tp) < self._ends.get(tp, 0)

    def process(self, records: list[kafka_io.Record]) -> None:
        self.labels.drain(self.state, self.dirty)
        now = datetime.now(UTC)
        for r in records:  # Step 2: validate; held until the partitions are aligned in event time
            done = self.offsets.get((r.topic, r.partition))
            if done is not None and r.offset < done:
                continue  # already processed here (a position reset behind what the state holds)
            tp = kafka_io.TopicPartition(r.topic, r.partition)
            try:
                ev = parse_event(r.value, now=now, max_bytes=self.max_bytes, max_future=self.max_future,
                                 max_amount=self.max_amount)
                source = record_source(r.headers)
            except Exception as exc:
                if not isinstance(exc, EventValidationError):
                    log.exception("event failed parsing", topic=r.topic, offset=r.offset)
                self.aligner.add(tp, (r, None, "", exc), "", None)
                continue
            self.aligner.add(tp, (r, ev, source, None), source, to_epoch_us(ev.event_time))
        released = self.aligner.release(self._behind)
        self.metrics.held(len(self.aligner), self.aligner.timeouts - self._timeouts)
        self._timeouts = self.aligner.timeouts
        if not released:
            return
        self._changed = True
        scored: list[tuple[Any, Any]] = []
        rows: list[list[float]] = []  # the scored events' features, ALL_FEATURE_NAMES order
        replaying = self.replay_until
        for r, ev, source, error in released:  # Step 3: features, each partition in offset order
            self.offsets[r.topic, r.partition] = r.offset + 1
            # Published by a committed transaction already: only the state is rebuilt.
            replayed = bool(replaying) and r.offset < replaying.get(TopicPartition(r.topic, r.partition), 0)
            if error is not None:
                if not replayed:
                    self._dead_letter(r, error, now)
                continue
            try:
                features = self.state.update_and_compute_row(ev, source)
            except Exception as exc:
                if not isinstance(exc, EventValidationError):
                    log.exception("event failed processing", topic=r.topic, offset=r.offset)
                if not replayed:
                    self._dead_letter(r, exc, now)
                continue
            self.labels.after_event(self.state, ev.transaction_id, self.dirty)
            self.dirty[namespace("customer", source)].add(ev.customer_id)
            self.dirty[namespace("terminal", source)].add(ev.terminal_id)
            if not replayed:
                scored.append((r, ev))
                rows.append(features)
        if scored:
            self._decide(scored, np.array(rows, dtype=np.float64), now)

    def _decide(self, scored: list[tuple[Any, Any]], x: np.ndarray, now: datetime) -> None:
        """Step 4, for the whole batch at once: rules, one model call, scores and decisions, one encoding
        pass; each decision is sent keyed by its customer. A row whose features are not all finite (a bug,
        never expected) goes to the DLQ with that reason instead of stopping the scorer."""
        ok = finite_rows(x)
        if not ok.all():
            for (r, _), good in zip(scored, ok.tolist(), strict=True):
                if not good:
                    self._dead_letter(r, EventValidationError("features", "a computed feature is not finite",
                                                              ErrorCode.OUT_OF_RANGE), now)
            scored, x = list(compress(scored, ok.tolist())), x[ok]
            if not scored:
                return
        hits = rules.fire(x[:, RULE_COLUMNS], self.thresholds)
        model, vectors, probabilities = self.model, [], None
        if model is not None:  # one call for the batch
            vectors = x[:, [FEATURE_COLUMN[name] for name in model.feature_names]].tolist()
            probabilities = model.predict(vectors)
        scores, outcomes, reasons = combine_batch(hits, probabilities, self.thresholds)
        if model is not None:  # what drove the model: "model:<feature>"
            for i, why in enumerate(reasons):
                if MODEL_REASON in why:
                    reasons[i] = (*why, *(f"{MODEL_REASON}:{name}" for name in model.explain(vectors[i])))
        events = [ev for _, ev in scored]
        payloads = decisions_to_json(
            transaction_ids=[ev.transaction_id for ev in events], event_times=[ev.event_time for ev in events],
            scored_at=now, scores=scores, decisions=outcomes, reasons=reasons,
            model_version=model.version if model else "none", feature_names=ALL_FEATURE_NAMES, features=x,
            customer_ids=[ev.customer_id for ev in events], terminal_ids=[ev.terminal_id for ev in events],
            amounts=[ev.amount for ev in events])
        for (r, ev), value in zip(scored, payloads, strict=True):
            self._send(self.out_topic, key=str(ev.customer_id).encode(), value=value,
                       timestamp_ms=r.timestamp if r.timestamp > 0 else None)
        for outcome, n in Counter(outcomes).items():
            self.metrics.decision(outcome, n)
        for reason, n in Counter(chain.from_iterable(reasons)).items():
            self.metrics.flagged(reason, n)
        self.metrics.produced(self.out_topic, len(scored))

    def _dead_letter(self, r: Any, exc: Exception, now: datetime) -> None:
        self._send(self.dlq_topic, key=r.key, value=r.value,
                   headers=dlq.headers(exc, r.topic, r.partition, r.offset, now))
        self.metrics.invalid(dlq.category(exc))
        self.metrics.produced(self.dlq_topic)

    def _send(self, topic: str, **record: Any) -> None:
        if not self._in_txn:  # the batch's transaction starts with its first output (a local step, no request)
            self.producer.begin()
            self._in_txn = True
        self.producer.send(topic, **record)

    def flush(self) -> None:
        """Step 5: the batch's transaction gets the input offsets its outputs cover (the processed prefix of
        each partition: records held for alignment come later) and is committed - one commit per poll batch.
        Aborted (``TransactionAborted``): the state holds the batch, so it goes back to the last snapshot and
        the partitions are read again from there, published from the committed offsets on. Fatal (fenced by a
        newer instance): ``KafkaIOError`` ends the process for its supervisor to restart."""
        if not self._in_txn:
            return
        self._in_txn = False
        assigned = self.consumer.assignment() if self.consumer is not None else set()
        offsets = {tp: o for (t, p), o in self.offsets.items()
                   if (tp := TopicPartition(t, p)) in assigned and o != self._committed.get(tp)
                   and o > self.replay_until.get(tp, -1)}
        try:
            self.producer.commit(offsets, self.consumer.group_metadata() if self.consumer is not None else None)
        except TransactionAborted as exc:
            log.warning("transaction aborted: back to the last snapshot, publishing again from the committed "
                        "offsets", error=str(exc))
            self.rewind_to_committed()
            return
        self._committed.update(offsets)
        if self.replay_until:
            self.replay_until = {tp: c for tp, c in self.replay_until.items() if self.offsets.get(tp, 0) < c}

    def rewind_to_committed(self) -> None:
        """Discard what was processed since the last snapshot and read it again (as a restart would)."""
        self._collect(wait=True)  # the save in flight completes first: the store's sequence stays consistent
        self.restore()
        if self.consumer is not None:
            assigned = sorted(self.consumer.assignment())
            self.aligner.drop(assigned, lambda item: item[0].offset)
            self._rewind.clear()
            self.on_assigned(self.consumer, assigned)

    def after_commit(self) -> None:
        if time.monotonic() >= self._next_model:
            self.poll_model()

    def poll_model(self) -> None:
        """Load the champion if the pointer names a new one (and schedule the next check)."""
        self._next_model = time.monotonic() + self.model_every
        if self.registry is None:
            return
        model = self.registry.poll()
        if model is not None:
            self.model = model
            self.metrics.model_version(model.version)
            self.metrics.model_quality(model.version, self.registry.test_metrics)

    def checkpoint(self, force: bool = False) -> bool:
        """Every ``checkpoint_every`` s: copy the histories touched since the last checkpoint with the
        offsets they cover (copies of their columns, here) and save them in the background (``state_store`` steps
        1-2) while scoring goes on. Always False: the loop commits nothing, each batch's transaction has
        committed its offsets (step 5); a snapshot only shortens the replay of a restart.
        ``force`` (on stop) waits for the save in flight, then saves what is left synchronously."""
        self._collect(wait=force)
        if force:  # what was processed since the last snapshot, saved synchronously
            if self._changed:
                self.store.save(self._snapshot())
            return False
        if self._saving is None and self._changed and time.monotonic() >= self._next_checkpoint:
            # Copied whole, here: a snapshot copied over several batches would hold histories ahead of its
            # offsets, and a replayed event would then count a later event with the same timestamp
            # (seen in CI as a customer feature off by one after kill -9).
            snap = self._snapshot()
            self._saving = (self._saver.submit(self._save, snap), snap)
        return False

    def _snapshot(self) -> Snapshot:
        # Taken between batches: every output of the offsets it names is in a committed transaction (S <= C).
        self._next_checkpoint = time.monotonic() + self.checkpoint_every
        # Forget idle entities: only history no window can reach is dropped. They are saved as dirty, so that the
        # store records that nothing is left of them (and then deletes their rows) instead of keeping them for ever.
        self.state.prune(self.dirty)
        if self.state.clocks:  # a pending label older than every source's horizon can never apply
            horizon = max(retention("customer"), retention("terminal")) + self.state.allowed_lateness
            self.labels.expire(min(self.state.clocks.values()) - int(horizon.total_seconds() * 1_000_000))
        snap = Snapshot.take(self.state, self.dirty, self.offsets | self.labels.resume_offsets())
        self.dirty = defaultdict(set)
        self._changed = False
        return snap

    def _save(self, snap: Snapshot) -> None:
        started = time.perf_counter()
        self.store.save(snap)
        self.metrics.checkpoint(time.perf_counter() - started)
        log.debug("checkpoint saved", entities=len(snap), seconds=round(time.perf_counter() - started, 3))

    def _collect(self, *, wait: bool) -> dict[tuple[str, int], int] | None:
        """The offsets of the save in flight once it has completed (its error, if any, is raised here)."""
        if self._saving is None or not (wait or self._saving[0].done()):
            return None
        future, snap = self._saving
        self._saving = None
        future.result()
        return snap.offsets

    def close(self) -> None:
        self._saver.shutdown(wait=True, cancel_futures=True)
        self.producer.close()
        self.labels.consumer.close()


def record_source(headers: list[tuple[str, bytes]] | None) -> str:
    """The record's ``topics.SOURCE_HEADER`` (the live stream's ``""`` when absent);
    ``EventValidationError`` when it is not short printable UTF-8."""
    for key, value in headers or ():
        if key == topics.SOURCE_HEADER:
            try:
                source = value.decode()
            except (UnicodeDecodeError, AttributeError):
                raise EventValidationError("source", "header is not UTF-8", ErrorCode.BAD_FORMAT) from None
            if not (source.isprintable() and len(source) <= topics.SOURCE_MAX_CHARS and SOURCE_SEPARATOR not in source):
                raise EventValidationError("source", f"header must be at most {topics.SOURCE_MAX_CHARS} printable "
                                           f"characters without {SOURCE_SEPARATOR!r} (got {source[:40]!r})",
                                           ErrorCode.BAD_FORMAT)
            return source
    return DEFAULT_SOURCE


def transactional_id(group: str, instance_id: str) -> str:
    """The scorer's ``transactional.id``: the same after a restart (which fences the instance it replaces),
    distinct per instance of a group."""
    return f"{group}-{instance_id}"


def main(
    group: str = typer.Option(None, help="Consumer group (and state key); default STREAM_SCORER_GROUP."),
    metrics_port: int = typer.Option(None, help="Metrics HTTP port; default STREAM_SCORER_METRICS_PORT."),
    transactions_topic: str = typer.Option(topics.TRANSACTIONS, help="Input topic (tests use their own)."),
    decisions_topic: str = typer.Option(topics.DECISIONS, help="Output topic."),
    dlq_topic: str = typer.Option(topics.DLQ, help="Dead-letter topic."),
    labels_topic: str = typer.Option(topics.LABELS, help="Chargeback labels topic."),
    no_model: bool = typer.Option(False, help="Rules only: do not poll the champion model."),
    instance_id: str = typer.Option(None, help="This instance's stable id in the group (transactional.id "
                                                "<group>-<id>); default STREAM_SCORER_INSTANCE_ID."),
    forget_state: bool = typer.Option(False, help="Delete the group's checkpoint and feature histories, then "
                                                  "exit (after its input topic was recreated)."),
) -> None:
    """Score every transaction: rules + champion model -> fraud_topic; invalid events -> transaction_dlq."""

    settings, ep, metrics = entry.start("scorer", metrics_port)
    s = settings.stream
    group = group or s.scorer_group
    loop_holder: list[ConsumerLoop] = []
    stopping = lambda: bool(loop_holder) and loop_holder[0].stopping  # noqa: E731
    watchdog = Watchdog(s.stall_seconds, "scorer")
    retried = entry.on_retry(metrics, watchdog)
    cluster, session = connect(ep.cassandra, login=ep.cassandra_login,
                               max_backoff=s.retry_max_seconds,
                               should_stop=stopping, on_retry=retried)
    writer = Writer(session, concurrency=s.cassandra_concurrency, max_backoff=s.retry_max_seconds,
                    should_stop=stopping, on_retry=retried)
    client, access = settings.kafka.client, ep.kafka_access("scorer")
    store = CassandraStateStore(session, writer, group, kafka_io.topic_ids(
        ep.kafka, [transactions_topic, labels_topic], access=access, client=client))
    if forget_state:
        cleared = store.forget()
        log.info("scorer state forgotten", group=group, namespaces=cleared)
        cluster.shutdown()
        return
    feed = LabelFeed(kafka_io.consumer(ep.kafka, None, access=access, batch_size=20_000, client_id=f"{group}-labels",
                                       client=client), labels_topic, metrics)
    registry = None if no_model else ModelRegistry(WebHdfs(ep.webhdfs_url, ep.hdfs_user, timeout=10),
                                                    ep.model_signing_key, metrics=metrics,
                                                    floor=CassandraPromotionFloor(session, group, MODELS_ROOT))
    # Before the consumer joins: fences the instance this one replaces and aborts its open transaction, so the
    # group's committed offsets read on assignment are final.
    out = kafka_io.producer(ep.kafka, access=access, client_id=group, client=client,
                            on_acknowledged=metrics.acknowledged,
                            delivery_timeout_ms=settings.kafka.delivery_timeout_ms,
                            transactional_id=transactional_id(group, instance_id or s.scorer_instance_id))
    scorer = Scorer(producer=out, labels=feed,
                    store=store, registry=registry,
                    thresholds=rules.Thresholds.from_settings(s), metrics=metrics, stream=s,
                    out_topic=decisions_topic, dlq_topic=dlq_topic)
    scorer.restore()
    loop = ConsumerLoop(kafka_io.consumer(ep.kafka, group, access=access, batch_size=s.batch_size, client_id=group,
                                          partition_fetch_bytes=s.partition_fetch_bytes, client=client),
                        [transactions_topic], scorer, metrics, poll_timeout_ms=s.poll_timeout_ms,
                        batch_size=s.batch_size, watchdog=watchdog)
    loop_holder.append(loop)
    loop.install_signal_handlers()
    log.info("scorer started", group=group, topic=transactions_topic, client=client)
    try:
        loop.run()
    finally:
        cluster.shutdown()
    log.info("scorer stopped", group=group)


def run() -> None:
    """``python -m consumers.scorer``: an expected failure (a recreated topic, a bad setting) is one clear
    log line and a non-zero exit, not a traceback."""
    try:
        typer.run(main)
    except (StreamError, FraudError, KafkaIOError) as exc:
        log.error("scorer failed", error=str(exc))
        sys.exit(getattr(exc, "exit_code", 2))


if __name__ == "__main__":
    run()
