"""The scorer's state checkpoints in Cassandra (``fraud.scorer_state`` + ``fraud.scorer_checkpoints``).

A checkpoint is written in two steps, in this order:

1. the histories of the customers and terminals touched since the previous checkpoint (upserts; an
   entity with nothing left inside the retention is deleted);
2. one row with the input offsets (events and labels) those histories correspond to, the state's clock
   and the labels that arrived before their transaction.

On start the scorer restores the histories, seeks to the checkpoint's offsets and replays from there.
A crash between 1 and 2 leaves histories slightly ahead of the offsets: the replayed events are
recognised by ``OnlineFeatureState`` (same transaction id and time) and not counted twice.

``Snapshot.take`` copies what a checkpoint needs out of the live state (list slices, in the scorer's
thread, all at once so the copy matches its offsets exactly); ``save`` encodes and writes it and may run in
another thread while the scorer goes on. (Copying a chunk per batch was tried: the later chunks then hold
histories ahead of the offsets, and a replayed event counts a later event that has the same timestamp.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from consumers.cassandra_io import Writer, partition_batches
from consumers.errors import TopicRecreated
from fraud_domain.features import OnlineFeatureState
from fraud_domain.features.online import SnapshotHeader, namespaces, upgrade_snapshot
from fraud_domain.schema import Label, label_to_json, parse_label


@dataclass
class Checkpoint:
    """What a restart resumes from."""

    state: OnlineFeatureState
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)  # (topic, partition) -> next offset
    pending_labels: list[Label] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    """One checkpoint's content, detached from the live state (safe to save from another thread)."""

    entities: dict[str, dict[int, dict[str, Any] | None]]  # namespace -> key -> history (None = delete)
    offsets: dict[tuple[str, int], int]
    meta: SnapshotHeader  # the state's snapshot header (format, clock), as the domain defines it
    pending_labels: list[Label]

    @classmethod
    def take(cls, state: OnlineFeatureState, dirty: dict[str, set[int]], offsets: dict[tuple[str, int], int],
             pending: list[Label]) -> Snapshot:
        """Copy the ``dirty`` histories (list slices) with the offsets, clock and pending labels they match."""
        return cls({ns: state.export_entities(ns, keys) for ns, keys in dirty.items() if keys}, dict(offsets),
                   state.snapshot_header(), list(pending))

    def __len__(self) -> int:
        return sum(map(len, self.entities.values()))


class CassandraStateStore:
    """``topic_ids``: the input topics' ids now (``kafka_io.topic_ids``). Each checkpoint names them beside its
    offsets; ``load`` refuses (``TopicRecreated``) a checkpoint whose offsets belong to a topic of the same
    name that has since been deleted and created again."""

    def __init__(self, session: Any, writer: Writer, group: str, topic_ids: dict[str, str] | None = None) -> None:
        self.session, self.writer, self.group = session, writer, group
        self.topic_ids = topic_ids or {}
        self._upsert = session.prepare("INSERT INTO scorer_state (scorer_group, entity, entity_key, history) "
                                       "VALUES (?, ?, ?, ?)")
        self._delete = session.prepare("DELETE FROM scorer_state WHERE scorer_group = ? AND entity = ? "
                                       "AND entity_key = ?")
        self._select = session.prepare("SELECT entity_key, history FROM scorer_state WHERE scorer_group = ? "
                                       "AND entity = ?")
        self._save_ckpt = session.prepare("INSERT INTO scorer_checkpoints (scorer_group, offsets, meta, "
                                          "pending_labels, updated_at) VALUES (?, ?, ?, ?, ?)")
        self._delete_all = session.prepare("DELETE FROM scorer_state WHERE scorer_group = ? AND entity = ?")
        self._delete_ckpt = session.prepare("DELETE FROM scorer_checkpoints WHERE scorer_group = ?")
        self._load_ckpt = session.prepare("SELECT offsets, meta, pending_labels FROM scorer_checkpoints "
                                          "WHERE scorer_group = ?")

    def save(self, snap: Snapshot) -> None:
        """Step 1 (the histories), then step 2 (the offsets row); returns once both are written."""
        statements: list[tuple[Any, Any]] = []
        for entity, histories in snap.entities.items():  # (group, namespace) is one partition: rows batch
            rows: list[tuple[Any, tuple]] = []
            for key, history in histories.items():
                if history is None:
                    rows.append((self._delete, (self.group, entity, key)))
                else:
                    rows.append((self._upsert, (self.group, entity, key, orjson.dumps(history).decode())))
            statements += partition_batches(rows)
        self.writer.write(statements)
        row = (self.group, json.dumps([[t, p, o, *self._id(t)] for (t, p), o in sorted(snap.offsets.items())]),
               json.dumps(snap.meta), json.dumps([label_to_json(lb).decode() for lb in snap.pending_labels]),
               datetime.now(UTC))
        self.writer.write([(self._save_ckpt, row)])  # Step 2

    def forget(self) -> int:
        """Delete this group's checkpoint and histories (its next start begins from nothing); returns the
        number of history namespaces cleared."""
        row = self.session.execute(self._load_ckpt, (self.group,)).one()
        if row is None:
            return 0
        spaces = namespaces(upgrade_snapshot(json.loads(row.meta)))  # type: ignore[arg-type]
        for ns in spaces:
            self.session.execute(self._delete_all, (self.group, ns))
        self.session.execute(self._delete_ckpt, (self.group,))  # last: a half-done forget can be run again
        return len(spaces)

    def _id(self, topic: str) -> list[str]:
        return [self.topic_ids[topic]] if topic in self.topic_ids else []

    def load(self, allowed_lateness: timedelta | None = None) -> Checkpoint | None:
        """The last checkpoint (None before the first); ``allowed_lateness``: the setting, which wins over the
        value saved with the snapshot."""
        row = self.session.execute(self._load_ckpt, (self.group,)).one()
        if row is None:
            return None
        data: dict[str, Any] = upgrade_snapshot(json.loads(row.meta))
        for ns in namespaces(data):  # type: ignore[arg-type]
            rows = self.session.execute(self._select, (self.group, ns))
            data[ns] = {str(r.entity_key): json.loads(r.history) for r in rows}
        saved = json.loads(row.offsets)  # [topic, partition, next offset(, topic id)]
        for t, _p, _o, *named in saved:
            if named and t in self.topic_ids and named[0] != self.topic_ids[t]:
                raise TopicRecreated(
                    f"topic {t} was deleted and created again since scorer group {self.group}'s checkpoint "
                    f"(topic id {named[0]}, now {self.topic_ids[t]}): its saved offsets point into the old topic. "
                    f"Forget the checkpoint with `python -m consumers.scorer --group {self.group} --forget-state` "
                    "(the new topic is then scored from its start), or restore the old topic")
        offsets = {(t, p): o for t, p, o, *_ in saved}
        pending = [parse_label(text.encode()) for text in json.loads(row.pending_labels)]
        return Checkpoint(OnlineFeatureState.restore(data, allowed_lateness=allowed_lateness), offsets, pending)
