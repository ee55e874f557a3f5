"""``LabelFeed``: chargeback labels from ``fraud_labels`` applied to the scorer's feature state.

Read by a standalone consumer (manual assignment, positions checkpointed with the state). Before each
event batch the feed is drained to the topic's current end, so a label published before an event is
applied before that event is scored; applying a label early never changes a feature (it counts only
from its ``reported_at``). A label whose transaction the state has not seen yet is kept pending and
applied right after that transaction is processed.
"""

from __future__ import annotations

from typing import Any

from consumers.kafka_io import Consumer
from fraud_domain.errors import EventValidationError
from fraud_domain.features import OnlineFeatureState
from fraud_domain.schema import Label, parse_label


class LabelFeed:
    def __init__(self, consumer: Consumer, topic: str, metrics: Any) -> None:
        self.consumer, self.topic, self.metrics = consumer, topic, metrics
        self.tps = consumer.partitions(topic)
        consumer.assign(self.tps)
        self.pending: dict[str, Label] = {}

    def restore(self, offsets: dict[tuple[str, int], int], pending: list[Label]) -> None:
        for tp in self.tps:
            if tp in offsets:
                self.consumer.seek(tp, offsets[tp])
            else:
                self.consumer.seek_to_beginning(tp)
        self.pending = {lb.transaction_id: lb for lb in pending}

    def positions(self) -> dict[tuple[str, int], int]:
        return {tp: self.consumer.position(tp) for tp in self.tps}

    def drain(self, state: OnlineFeatureState, dirty: dict[str, set[int]]) -> int:
        """Apply every label up to the topic's current end; returns how many were read."""
        ends = self.consumer.end_offsets(self.tps)
        n = 0
        while any(self.consumer.position(tp) < ends[tp] for tp in self.tps):
            for r in self.consumer.poll(0.2, 20_000):
                n += 1
                try:
                    label = parse_label(r.value)
                except EventValidationError:
                    self.metrics.invalid("label")
                    continue
                changed = state.apply_label(label)
                if not changed:
                    self.pending[label.transaction_id] = label
                for ns, key in changed:
                    dirty[ns].add(key)
        if n:
            self.metrics.consumed(self.topic, n)
        return n

    def after_event(self, state: OnlineFeatureState, transaction_id: str, dirty: dict[str, set[int]]) -> None:
        """Apply the label that waited for this transaction (if any); ``dirty`` gets what it changed."""
        label = self.pending.pop(transaction_id, None) if self.pending else None
        if label is not None:
            for ns, key in state.apply_label(label):
                dirty[ns].add(key)

    def expire(self, oldest_us: int) -> None:
        """Forget pending labels whose transaction is older than anything the state still holds."""
        from fraud_domain.utc import to_epoch_us

        self.pending = {k: v for k, v in self.pending.items() if to_epoch_us(v.event_time) > oldest_us}
