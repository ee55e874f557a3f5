"""Pending labels are read again after a restart, not saved: the checkpoint's label offsets go back to the
earliest label still waiting for its transaction."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consumers.kafka_io import TopicPartition
from consumers.labels import LabelFeed
from fraud_domain.features import OnlineFeatureState
from fraud_domain.schema import Label, label_to_json
from tests.support.offline_scorer import LabelLog

pytestmark = pytest.mark.unit
TOPIC = "fraud_labels"


class Metrics:
    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def _label(customer: int) -> Label:
    t = datetime(2018, 4, 1, tzinfo=UTC)
    return Label(str(uuid.uuid4()), t, customer, 7, True, 1, t + timedelta(days=7))


def test_the_checkpoint_goes_back_to_the_earliest_pending_label_and_a_restart_pends_it_again() -> None:
    labels = [_label(c) for c in range(5)]
    log = LabelLog({0: [label_to_json(lb) for lb in labels[:3]], 1: [label_to_json(lb) for lb in labels[3:]]}, TOPIC)
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


def test_a_not_fraud_label_never_waits_and_cancels_a_fraud_label_waiting_for_its_transaction(sample_event) -> None:
    """A backlog's labels come before their transactions and are nearly all not-fraud: those are done with at
    once. A correction read after the fraud label it corrects still cancels it."""
    t = sample_event.event_time
    fraud = Label(sample_event.transaction_id, t, sample_event.customer_id, sample_event.terminal_id, True, 2,
                  t + timedelta(days=7))
    corrected = Label(fraud.transaction_id, t, fraud.customer_id, fraud.terminal_id, False, 0, t + timedelta(days=8))
    other = dataclasses.replace(_label(99), is_fraud=False, scenario=0)  # another transaction's not-fraud label
    log = LabelLog({0: [label_to_json(fraud), label_to_json(other)], 1: [label_to_json(corrected)]}, TOPIC)
    feed = LabelFeed(log, TOPIC, Metrics())  # type: ignore[arg-type]
    feed.restore({}, [])
    state = OnlineFeatureState()
    feed.drain(state, {})
    assert feed.pending == {}  # the not-fraud label did not wait, and it cancelled the fraud one
    state.update_and_compute(sample_event)
    feed.after_event(state, sample_event.transaction_id, {})
    assert state.snapshot()["terminal"][str(sample_event.terminal_id)]["frauds"] == []

    fraud_only = LabelFeed(LabelLog({0: [label_to_json(fraud)], 1: [label_to_json(other)]}, TOPIC), TOPIC,
                           Metrics())  # type: ignore[arg-type]
    fraud_only.restore({}, [])
    state = OnlineFeatureState()
    fraud_only.drain(state, {})
    assert set(fraud_only.pending) == {fraud.transaction_id}
    dirty: dict[str, set[int]] = {"terminal": set()}
    state.update_and_compute(sample_event)
    fraud_only.after_event(state, sample_event.transaction_id, dirty)
    assert dirty == {"terminal": {sample_event.terminal_id}}
    assert len(state.snapshot()["terminal"][str(sample_event.terminal_id)]["frauds"]) == 1
