"""``LabelFeed``: chargeback labels from ``fraud_labels`` applied to the scorer's feature state.

Read by a standalone consumer (manual assignment, positions checkpointed with the state). Before each
event batch the feed is drained to the topic's current end, so a label published before an event is
applied before that event is scored; applying a label early never changes a feature (it counts only
from its ``reported_at``). A label whose transaction the state has not seen yet is kept pending and
applied right after that transaction is processed. Only a fraud label waits: a not-fraud label changes a
history only when it corrects a fraud label (``History.set_label``), and a transaction not seen yet has none,
so such a label only cancels a fraud label still waiting for it. In a backlog, where the labels are read
before their transactions, nearly every label is not-fraud and is done with at once.

Pending labels are not saved with the state: a checkpoint names, per partition, the offset of its earliest
pending label (or the position), and a restart reads the labels again from there — re-applying a label is
harmless, and the ones still ahead of their transactions become pending again. (Saved in the checkpoint
row, a backlog replay's labels - all published before most of their transactions are read - made that
row larger than Cassandra accepts in one request.)
"""

from __future__ import annotations

from typing import Any

from consumers.kafka_io import Consumer, TopicPartition
from fraud_domain.errors import EventValidationError
from fraud_domain.features import OnlineFeatureState
from fraud_domain.schema import Label, parse_label


class LabelFeed:
    def __init__(self, consumer: Consumer, topic: str, metrics: Any) -> None:
        self.consumer, self.topic, self.metrics = consumer, topic, metrics
        self.tps = consumer.partitions(topic)
        consumer.assign(self.tps)
        # transaction_id -> (label, its partition and offset; None for one restored from an older checkpoint)
        self.pending: dict[str, tuple[Label, TopicPartition | None, int]] = {}

    def restore(self, offsets: dict[tuple[str, int], int], legacy_pending: list[Label]) -> None:
        for tp in self.tps:
            if tp in offsets:
                self.consumer.seek(tp, offsets[tp])
            else:
                self.consumer.seek_to_beginning(tp)
        self.pending = {lb.transaction_id: (lb, None, 0) for lb in legacy_pending}

    def resume_offsets(self) -> dict[tuple[str, int], int]:
        """Where a restart reads labels again: each partition's position, or its earliest pending label."""
        offsets: dict[tuple[str, int], int] = {tp: self.consumer.position(tp) for tp in self.tps}
        for _, tp, offset in self.pending.values():
            if tp is not None and offset < offsets[tp]:
                offsets[tp] = offset
        return offsets

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
                if changed is None:  # the transaction is not here yet
                    if label.is_fraud:  # the label waits for it
                        self.pending[label.transaction_id] = (label, TopicPartition(r.topic, r.partition), r.offset)
                    elif self.pending:  # a correction cancels a fraud label waiting for the same transaction
                        self.pending.pop(label.transaction_id, None)
                    continue
                for ns, key in changed:
                    dirty[ns].add(key)
        if n:
            self.metrics.consumed(self.topic, n)
        return n

    def after_event(self, state: OnlineFeatureState, transaction_id: str, dirty: dict[str, set[int]]) -> None:
        """Apply the label that waited for this transaction (if any); ``dirty`` gets what it changed."""
        entry = self.pending.pop(transaction_id, None) if self.pending else None
        if entry is not None:
            for ns, key in state.apply_label(entry[0]) or ():
                dirty[ns].add(key)

    def expire(self, oldest_us: int) -> None:
        """Forget pending labels whose transaction is older than anything the state still holds."""
        from fraud_domain.utc import to_epoch_us

        self.pending = {k: v for k, v in self.pending.items() if to_epoch_us(v[0].event_time) > oldest_us}
