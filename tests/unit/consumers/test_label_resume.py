"""Pending labels are read again after a restart, not saved: the checkpoint's label offsets go back to the
earliest label still waiting for its transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consumers.kafka_io import Record, TopicPartition
from consumers.labels import LabelFeed
from fraud_domain.features import OnlineFeatureState
from fraud_domain.schema import Label, label_to_json

pytestmark = pytest.mark.unit
TOPIC = "fraud_labels"


class Partitions:
    """Two label partitions held in memory, read the way ``kafka_io.Consumer`` reads them."""

    def __init__(self, records: dict[int, list[bytes]]) -> None:
        self.records, self.pos = records, {TopicPartition(TOPIC, p): 0 for p in records}

    def partitions(self, topic: str) -> list[TopicPartition]:
        return sorted(self.pos)

    def assign(self, tps: list[TopicPartition]) -> None: ...

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.pos[tp] = offset

    def seek_to_beginning(self, tp: TopicPartition) -> None:
        self.pos[tp] = 0

    def position(self, tp: TopicPartition) -> int:
        return self.pos[tp]

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: len(self.records[tp.partition]) for tp in tps}

    def poll(self, timeout_s: float, max_records: int) -> list[Record]:
        out = []
        for tp, at in self.pos.items():
            for offset, value in enumerate(self.records[tp.partition][at:], start=at):
                out.append(Record(TOPIC, tp.partition, offset, None, value, None, -1))
            self.pos[tp] = len(self.records[tp.partition])
        return out


class Metrics:
    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def _label(customer: int) -> Label:
    t = datetime(2018, 4, 1, tzinfo=UTC)
    return Label(str(uuid.uuid4()), t, customer, 7, True, 1, t + timedelta(days=7))


def test_the_checkpoint_goes_back_to_the_earliest_pending_label_and_a_restart_pends_it_again() -> None:
    labels = [_label(c) for c in range(5)]
    log = Partitions({0: [label_to_json(lb) for lb in labels[:3]], 1: [label_to_json(lb) for lb in labels[3:]]})
    feed = LabelFeed(log, TOPIC, Metrics())  # type: ignore[arg-type]
    feed.restore({}, [])
    state = OnlineFeatureState()
    feed.drain(state, {})  # no transaction seen yet: every label waits
    assert len(feed.pending) == 5
    feed.after_event(state, labels[0].transaction_id, {})  # its transaction came: no longer pending
    resume = feed.resume_offsets()
    assert resume == {TopicPartition(TOPIC, 0): 1, TopicPartition(TOPIC, 1): 0}

    again = LabelFeed(log, TOPIC, Metrics())  # type: ignore[arg-type]
    again.restore(resume, [])
    again.drain(OnlineFeatureState(), {})
    assert set(again.pending) == {lb.transaction_id for lb in labels[1:]}
