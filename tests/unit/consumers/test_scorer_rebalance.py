"""The scorer across a rebalance: records held back for event-time alignment are dropped with their revoked
partition and read again after it comes back (the scorer seeks to where its own state ends), nothing is
decided twice and nothing is skipped."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from consumers.kafka_io import TopicPartition
from fraud_domain.schema import TransactionEvent, event_to_json
from tests.unit.consumers.test_scorer_prune import scorer

pytestmark = pytest.mark.unit
P0, P1 = TopicPartition("tx", 0), TopicPartition("tx", 1)


class Consumer:
    """What the scorer asks of a ``kafka_io.Consumer``: P1 has records not read yet until ``caught_up``."""

    def __init__(self) -> None:
        self.sought: dict[TopicPartition, int] = {}
        self.caught_up = False

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.sought[tp] = offset

    def committed(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {}  # nothing committed: nothing to replay without publishing

    def assignment(self) -> set[TopicPartition]:
        return {P0, P1}

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {P0: 100, P1: 0 if self.caught_up else 100}

    def position(self, tp: TopicPartition) -> int:
        return 0


def records(template: TransactionEvent, tp: TopicPartition, days: range) -> list[Any]:
    out = []
    for offset, day in enumerate(days):
        ev = dataclasses.replace(template, transaction_id=str(uuid.UUID(int=tp.partition * 1000 + offset + 1)),
                                 event_time=template.event_time + timedelta(days=day), customer_id=tp.partition)
        out.append(SimpleNamespace(topic=tp.topic, partition=tp.partition, offset=offset, timestamp=-1, key=None,
                                   value=event_to_json(ev), headers=[]))
    return out


def test_held_records_dropped_on_revocation_are_read_again_and_decided_once(sample_event: TransactionEvent) -> None:
    s = scorer()
    consumer = Consumer()
    s.on_assigned(consumer, [P0, P1])
    assert consumer.sought == {}  # nothing processed yet: Kafka's committed position
    first = records(sample_event, P0, range(5))
    s.process(first)  # P1 has unread records and none seen: P0's are held
    assert s.held() == 5 and s.producer.sent == []
    s.on_revoked([P0, P1])
    assert s.held() == 0
    s.on_assigned(consumer, [P0, P1])
    assert consumer.sought == {P0: 0}  # nothing of P0 processed: read again from its first held record
    consumer.caught_up = True  # P1 turns out empty
    s._ends_at = 0.0
    s.process(first)
    decided = [json.loads(v)["transaction_id"] for v in s.producer.sent]
    assert len(decided) == 5 == len(set(decided))
    s.on_revoked([P0, P1])
    s.on_assigned(consumer, [P0, P1])
    assert consumer.sought == {P0: 5}  # after a rebalance: where the state ends, not the last commit nor the
    # client's own position
    s.process(first)  # a client that re-delivers anyway: skipped, not decided again
    assert len(s.producer.sent) == 5
