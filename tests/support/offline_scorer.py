"""A ``consumers.scorer.Scorer`` wired to in-memory stand-ins for its Kafka producer, metrics, label feed and
state store: its own work (parse, align, features, rules, decide, encode, checkpoint copies) on records given
by hand. With ``labels``, the real ``consumers.labels.LabelFeed`` reads them from an in-memory ``LabelLog``.
Used by the scorer's unit tests and by ``fraudctl benchmark stream cpu``; the real wiring is tested
against Kafka and Cassandra in ``tests/integration/test_stream_consumers.py``."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from consumers import rules
from consumers.kafka_io import Record, TopicPartition
from consumers.labels import LabelFeed
from consumers.scorer import Scorer
from consumers.state_store import Snapshot


class NoOp:
    """Metrics, producer: every call accepted; the producer keeps the decisions it sent."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, topic: str, *, key: bytes | None = None, value: bytes = b"", **_: Any) -> None:
        if topic == "decisions":
            self.sent.append(value)

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class Labels:
    """A label feed with no labels (``LabelFeed``'s methods the scorer calls)."""

    def __init__(self) -> None:
        self.topic, self.pending, self.consumer = "labels", dict[str, Any](), NoOp()

    def drain(self, state: Any, dirty: dict[str, set[int]]) -> int:
        return 0

    def after_event(self, state: Any, transaction_id: str, dirty: dict[str, set[int]]) -> None:
        return None

    def expire(self, oldest_us: int) -> None:
        return None

    def resume_offsets(self) -> dict[tuple[str, int], int]:
        return {}


class LabelLog:
    """Label partitions held in memory, read the way ``kafka_io.Consumer`` reads them (``LabelFeed``'s calls)."""

    def __init__(self, records: dict[int, list[bytes]], topic: str = "labels") -> None:
        self.topic, self.records = topic, records
        self.pos = {TopicPartition(topic, p): 0 for p in records}

    def partitions(self, topic: str) -> list[TopicPartition]:
        return sorted(self.pos)

    def assign(self, tps: list[TopicPartition]) -> None: ...

    def close(self) -> None: ...

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.pos[tp] = offset

    def seek_to_beginning(self, tp: TopicPartition) -> None:
        self.pos[tp] = 0

    def position(self, tp: TopicPartition) -> int:
        return self.pos[tp]

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: len(self.records[tp.partition]) for tp in tps}

    def poll(self, timeout_s: float, max_records: int) -> list[Record]:
        out: list[Record] = []
        for tp, at in self.pos.items():
            end = min(len(self.records[tp.partition]), at + max_records - len(out))
            out += [Record(self.topic, tp.partition, offset, None, self.records[tp.partition][offset], None, -1)
                    for offset in range(at, end)]
            self.pos[tp] = end
        return out


class Store:
    """Keeps every snapshot it is given."""

    def __init__(self) -> None:
        self.saved: list[Snapshot] = []

    def save(self, snap: Snapshot) -> None:
        self.saved.append(snap)


def offline_scorer(lateness: timedelta = timedelta(days=1), labels: LabelLog | None = None) -> Scorer:
    stream = SimpleNamespace(max_event_bytes=16384, max_amount=1e6, max_future_seconds=300, checkpoint_seconds=5.0,
                             model_poll_seconds=60.0, allowed_lateness_seconds=int(lateness.total_seconds()),
                             alignment_skew_seconds=3600, alignment_max_wait_seconds=2.0)
    metrics = NoOp()
    feed: Any = Labels()
    if labels is not None:
        feed = LabelFeed(labels, labels.topic, metrics)  # type: ignore[arg-type]
        feed.restore({}, [])
    return Scorer(producer=NoOp(), labels=feed, store=Store(), registry=None, thresholds=rules.Thresholds(),
                  metrics=metrics, stream=stream, out_topic="decisions", dlq_topic="dlq")
