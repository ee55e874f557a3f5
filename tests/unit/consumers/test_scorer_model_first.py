"""The scorer loads the champion before its first batch: after a restart the replayed events are scored by
the same model as before, never by rules alone until the first batch ends."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import ClassVar

import pytest

from consumers.scorer import Scorer
from fraud_domain.schema import TransactionEvent, event_to_json
from tests.unit.consumers.test_scorer_prune import scorer

pytestmark = pytest.mark.unit


class Champion:
    version = "20180815T000000Z-lr"
    feature_names: ClassVar[list[str]] = ["tx_amount", "customer_amount_ratio_30d"]

    def predict(self, vectors: list[list[float]]) -> list[float]:
        return [0.01] * len(vectors)

    def explain(self, vector: list[float], top: int = 3) -> list[str]:
        return self.feature_names[:top]


class Registry:
    """``ModelRegistry.poll``: the champion once, then nothing new."""

    def __init__(self) -> None:
        self.polls = 0
        self.test_metrics: dict[str, float] = {}

    def poll(self) -> Champion | None:
        self.polls += 1
        return Champion() if self.polls == 1 else None


def restarted(registry: Registry) -> Scorer:
    s = scorer()
    s.registry = registry  # type: ignore[assignment]
    s.store = SimpleNamespace(load=lambda allowed_lateness=None: None, save=lambda snap: None)
    s.labels.restore = lambda offsets, pending: None  # type: ignore[attr-defined]
    return s


def test_the_first_batch_after_restore_is_scored_by_the_champion(sample_event: TransactionEvent) -> None:
    registry = Registry()
    s = restarted(registry)
    s.restore()
    assert registry.polls == 1  # before any record
    record = SimpleNamespace(topic="tx", partition=0, offset=0, timestamp=-1, key=None, headers=[],
                             value=event_to_json(sample_event))
    s.process([record])
    sent = s.producer.sent  # type: ignore[attr-defined]
    assert [json.loads(v)["model_version"] for v in sent] == [Champion.version]


def test_without_a_champion_restore_scores_by_rules(sample_event: TransactionEvent) -> None:
    registry = Registry()
    registry.polls = 1  # the pointer names nothing new: poll() answers None
    s = restarted(registry)
    s.restore()
    s.process([SimpleNamespace(topic="tx", partition=0, offset=0, timestamp=-1, key=None, headers=[],
                               value=event_to_json(sample_event))])
    sent = s.producer.sent  # type: ignore[attr-defined]
    assert registry.polls == 2 and [json.loads(v)["model_version"] for v in sent] == ["none"]


