"""The scorer's transactions, without Kafka: each batch's outputs and input offsets commit together; a
restart (or an aborted transaction) restores the last snapshot, rebuilds the state from its offsets S up to
the committed offsets C without publishing, then publishes from C. Whatever happens, the committed outputs
hold one decision per transaction, with the features of an uninterrupted run. (On the real Kafka:
``tests/integration/test_stream_consumers.py``, kill -9 of a scorer mid-stream.)"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from consumers.kafka_io import TopicPartition, TransactionAborted
from consumers.state_store import Checkpoint, Snapshot
from fraud_domain.features import OnlineFeatureState
from fraud_domain.features.online import namespaces, upgrade_snapshot
from fraud_domain.schema import TransactionEvent, event_to_json
from tests.unit.consumers.test_scorer_prune import scorer

pytestmark = pytest.mark.unit
TP = TopicPartition("tx", 0)


class Kafka:
    """One input partition, the group's committed offset, and the committed outputs (what a read_committed
    reader of ``fraud_topic`` sees); ``fail_commits`` aborts that many of the next transactions."""

    def __init__(self, records: list[Any]) -> None:
        self.records, self.position, self.committed_offset = records, 0, None
        self.decisions: list[dict] = []
        self.fail_commits = 0

    # kafka_io.Consumer, as the scorer uses it
    def assignment(self) -> set[TopicPartition]:
        return {TP}

    def committed(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {} if self.committed_offset is None else {TP: self.committed_offset}

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.position = offset

    def seek_to_beginning(self, tp: TopicPartition) -> None:
        self.position = 0

    def group_metadata(self) -> object:
        return "group"

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {TP: len(self.records)}

    def poll(self, n: int) -> list[Any]:
        got = self.records[self.position:self.position + n]
        self.position += len(got)
        return got

    def producer(self) -> Producer:
        return Producer(self)


class Producer:
    """A transactional ``kafka_io.Producer``: outputs become visible only with their transaction's commit."""

    def __init__(self, kafka: Kafka) -> None:
        self.kafka, self.open, self.commits = kafka, None, []

    def begin(self) -> None:
        assert self.open is None, "a transaction begun while one is open"
        self.open = []

    def send(self, topic: str, *, value: bytes = b"", **_: Any) -> None:
        assert self.open is not None, "a record sent outside a transaction"
        if topic == "decisions":
            self.open.append(json.loads(value))

    def commit(self, offsets: dict[TopicPartition, int], group_metadata: object) -> None:
        outputs, self.open = self.open, None
        if self.kafka.fail_commits:
            self.kafka.fail_commits -= 1
            raise TransactionAborted("delivery failed")
        self.commits.append(offsets)
        self.kafka.decisions += outputs or []
        if TP in offsets:
            self.kafka.committed_offset = offsets[TP]

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class Store:
    """Snapshots kept in memory; ``load`` rebuilds the state as ``CassandraStateStore.load`` does."""

    def __init__(self) -> None:
        self.saved: list[Snapshot] = []

    def save(self, snap: Snapshot) -> None:
        self.saved.append(snap)

    def load(self, allowed_lateness: timedelta | None = None) -> Checkpoint | None:
        if not self.saved:
            return None
        data: dict[str, Any] = upgrade_snapshot(dict(self.saved[-1].meta))
        for ns in namespaces(data):  # type: ignore[arg-type]
            data[ns] = {}
        for snap in self.saved:
            for ns, entities in snap.entities.items():
                for key, history in entities.items():
                    data.setdefault(ns, {}).pop(str(key), None)
                    if history is not None:
                        data[ns][str(key)] = orjson.loads(orjson.dumps(history.to_json()))
        return Checkpoint(OnlineFeatureState.restore(data, allowed_lateness=allowed_lateness),
                          dict(self.saved[-1].offsets))


def records(template: TransactionEvent, n: int) -> list[Any]:
    out = []
    for i in range(n):
        ev = dataclasses.replace(template, transaction_id=str(uuid.UUID(int=i + 1)), customer_id=i % 3,
                                 terminal_id=i % 2, event_time=template.event_time + timedelta(minutes=i),
                                 amount=10.0 + i)
        out.append(SimpleNamespace(topic=TP.topic, partition=TP.partition, offset=i, timestamp=-1, key=None,
                                   value=event_to_json(ev), headers=[]))
    return out


def start(kafka: Kafka, store: Store) -> Any:
    """A scorer process: producer first (fencing), state restored, then the partition assigned."""
    s = scorer()
    s.producer, s.store = kafka.producer(), store
    s.labels.restore = lambda offsets, pending: None
    s.restore()
    s.on_assigned(kafka, [TP])
    return s


def run(s: Any, kafka: Kafka, batches: int, size: int = 4, snapshot_after: int | None = None) -> None:
    for i in range(batches):
        s.process(kafka.poll(size))
        s.flush()
        if snapshot_after == i:
            s.checkpoint(force=True)


def uninterrupted(template: TransactionEvent, n: int) -> dict[str, dict]:
    kafka, store = Kafka(records(template, n)), Store()
    run(start(kafka, store), kafka, batches=n)
    return {d["transaction_id"]: d for d in kafka.decisions}


def test_each_batch_commits_its_decisions_with_its_offsets(sample_event: TransactionEvent) -> None:
    kafka = Kafka(records(sample_event, 10))
    s = start(kafka, Store())
    run(s, kafka, batches=3)
    assert s.producer.commits == [{TP: 4}, {TP: 8}, {TP: 10}]
    assert kafka.committed_offset == 10 and len(kafka.decisions) == 10
    run(s, kafka, batches=1)  # nothing new: no transaction at all
    assert len(s.producer.commits) == 3


def test_a_restart_replays_from_the_snapshot_to_the_commit_without_publishing(sample_event: TransactionEvent) -> None:
    n = 20
    expected = uninterrupted(sample_event, n)
    kafka, store = Kafka(records(sample_event, n)), Store()
    run(start(kafka, store), kafka, batches=3, snapshot_after=0)  # snapshot S = 4, committed C = 12, then "kill -9"
    assert store.saved[-1].offsets[TP] == 4 and kafka.committed_offset == 12
    restarted = start(kafka, store)
    assert kafka.position == 4 and restarted.replay_until == {TP: 12}
    run(restarted, kafka, batches=n)
    decided = Counter(d["transaction_id"] for d in kafka.decisions)
    assert set(decided) == set(expected) and max(decided.values()) == 1, "one decision per transaction"
    assert all(d["features"] == expected[d["transaction_id"]]["features"] for d in kafka.decisions)
    assert restarted.producer.commits[0] == {TP: 16}, "the replayed records' offsets are not committed again"
    assert restarted.replay_until == {}


def test_a_restart_without_a_snapshot_rebuilds_from_the_first_record(sample_event: TransactionEvent) -> None:
    n = 12
    expected = uninterrupted(sample_event, n)
    kafka, store = Kafka(records(sample_event, n)), Store()
    run(start(kafka, store), kafka, batches=2)  # C = 8, no snapshot yet
    restarted = start(kafka, store)
    assert kafka.position == 0 and restarted.replay_until == {TP: 8}
    run(restarted, kafka, batches=n)
    assert [d["transaction_id"] for d in kafka.decisions] == list(expected)
    assert all(d["features"] == expected[d["transaction_id"]]["features"] for d in kafka.decisions)


def test_an_aborted_transaction_rewinds_to_the_commit_and_skips_nothing(sample_event: TransactionEvent) -> None:
    n = 20
    expected = uninterrupted(sample_event, n)
    kafka, store = Kafka(records(sample_event, n)), Store()
    s = start(kafka, store)
    run(s, kafka, batches=2, snapshot_after=0)  # S = 4, C = 8
    kafka.fail_commits = 1
    run(s, kafka, batches=1)  # records 8..11 processed, their transaction aborted
    assert kafka.committed_offset == 8 and kafka.position == 4 and s.replay_until == {TP: 8}
    run(s, kafka, batches=n)
    decided = Counter(d["transaction_id"] for d in kafka.decisions)
    assert set(decided) == set(expected) and max(decided.values()) == 1
    assert all(d["features"] == expected[d["transaction_id"]]["features"] for d in kafka.decisions)


def test_the_loop_never_commits_offsets_itself(sample_event: TransactionEvent) -> None:
    kafka = Kafka(records(sample_event, 4))
    s = start(kafka, Store())
    run(s, kafka, batches=1)
    assert s.checkpoint() is False and s.checkpoint(force=True) is False
