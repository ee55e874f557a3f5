"""The scorer's state checkpoints in Cassandra (``fraud.scorer_state`` + ``fraud.scorer_checkpoints``).

A checkpoint is written in two steps, in this order:

0. the intent: the checkpoint row notes the number about to be written and the namespaces it touches;
1. the histories of the customers and terminals touched since the previous checkpoint, each into the one of
   its row's two slots that does not hold its value at the previous checkpoint, tagged with the new
   checkpoint's number (an entity with nothing left inside the retention gets an empty slot);
2. the checkpoint row: its number, the input offsets (events and labels) those histories correspond to, the
   state's clock and the labels that arrived before their transaction; the intent cleared;
3. the partitions of the namespaces the new checkpoint no longer holds (a source the state forgot) deleted.

An entity whose slot says "empty" at a complete checkpoint (nothing left of it: its history ran out, or the
scorer pruned it as idle) has its row deleted by the next checkpoint, with step 1, unless that one writes it
again: no row means no history, exactly what the empty slot said, so a crash on either side of the delete
restores the same state. The store then forgets the entity, so neither its memory nor the table grows with
every entity ever seen.

On start the scorer reads, per entity, the newest slot written at or before the last complete checkpoint,
seeks to that checkpoint's offsets and replays from there. A crash between 0 and 2 leaves new slots beside
the old ones: the noted intent says where, and the start clears them before anything else is written, so
the number can be used again. Histories and offsets never disagree (issue #15: before, histories could run
ahead of the offsets and a replayed event count a later one with the same timestamp).

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
from fraud_domain.features.history import History
from fraud_domain.features.online import SnapshotHeader, namespaces, upgrade_snapshot
from fraud_domain.schema import Label, parse_label

EMPTY = ""  # a slot saying the entity had no history left at its checkpoint


@dataclass
class Checkpoint:
    """What a restart resumes from."""

    state: OnlineFeatureState
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)  # (topic, partition) -> next offset
    pending_labels: list[Label] = field(default_factory=list)  # only in checkpoints written before they were re-read


@dataclass(frozen=True)
class Snapshot:
    """One checkpoint's content, detached from the live state (safe to save from another thread)."""

    entities: dict[str, dict[int, History | None]]  # namespace -> key -> detached history (None = delete)
    offsets: dict[tuple[str, int], int]
    meta: SnapshotHeader  # the state's snapshot header (format, clock), as the domain defines it

    @classmethod
    def take(cls, state: OnlineFeatureState, dirty: dict[str, set[int]],
             offsets: dict[tuple[str, int], int]) -> Snapshot:
        """Copy the ``dirty`` histories (column slices: ``History.copy_after``; they are serialised by ``save``,
        off the scorer's thread) with the offsets and clock they match (the label offsets go back to the earliest
        pending label: ``LabelFeed.resume_offsets``)."""
        return cls({ns: state.export_entities(ns, keys) for ns, keys in dirty.items() if keys}, dict(offsets),
                   state.snapshot_header())

    def __len__(self) -> int:
        return sum(map(len, self.entities.values()))


class CassandraStateStore:
    """``topic_ids``: the input topics' ids now (``kafka_io.topic_ids``). Each checkpoint names them beside its
    offsets; ``load`` refuses (``TopicRecreated``) a checkpoint whose offsets belong to a topic of the same
    name that has since been deleted and created again."""

    def __init__(self, session: Any, writer: Writer, group: str, topic_ids: dict[str, str] | None = None) -> None:
        self.session, self.writer, self.group = session, writer, group
        self.topic_ids = topic_ids or {}
        self.seq = 0  # the last complete checkpoint's number
        self._slots: dict[tuple[str, int], int] = {}  # (namespace, key) -> slot holding its value at ``seq``
        self._empty: set[tuple[str, int]] = set()  # entities whose value at ``seq`` is EMPTY: deleted next time
        self._held: set[str] = set()  # the namespaces checkpoint ``seq`` holds
        self._write_slot = [session.prepare(f"UPDATE scorer_state SET {history} = ?, {ckpt} = ? "
                                            "WHERE scorer_group = ? AND entity = ? AND entity_key = ?")
                            for history, ckpt in (("history", "ckpt0"), ("history1", "ckpt1"))]
        self._select = session.prepare("SELECT entity_key, history, ckpt0, history1, ckpt1 FROM scorer_state "
                                       "WHERE scorer_group = ? AND entity = ?")
        self._save_ckpt = session.prepare("INSERT INTO scorer_checkpoints (scorer_group, seq, offsets, meta, "
                                          "pending_labels, updated_at, intent_seq, intent_namespaces) "
                                          "VALUES (?, ?, ?, ?, ?, ?, null, null)")
        self._intent = session.prepare("UPDATE scorer_checkpoints SET intent_seq = ?, intent_namespaces = ? "
                                       "WHERE scorer_group = ?")
        self._clear_slot = [session.prepare(f"UPDATE scorer_state SET {history} = null, {ckpt} = null "
                                            "WHERE scorer_group = ? AND entity = ? AND entity_key = ?")
                            for history, ckpt in (("history", "ckpt0"), ("history1", "ckpt1"))]
        self._delete_all = session.prepare("DELETE FROM scorer_state WHERE scorer_group = ? AND entity = ?")
        self._delete_row = session.prepare("DELETE FROM scorer_state WHERE scorer_group = ? AND entity = ? "
                                           "AND entity_key = ?")
        self._delete_ckpt = session.prepare("DELETE FROM scorer_checkpoints WHERE scorer_group = ?")
        self._load_ckpt = session.prepare("SELECT seq, offsets, meta, pending_labels, intent_seq, intent_namespaces "
                                          "FROM scorer_checkpoints "
                                          "WHERE scorer_group = ?")

    def save(self, snap: Snapshot) -> None:
        """Steps 0-3 (intent, histories, checkpoint row, forgotten namespaces); returns once all are written."""
        seq = self.seq + 1
        self.begin(snap, seq)
        written = self.write_histories(snap, seq)
        self.write_checkpoint(snap, seq)
        self.seq = seq
        self._slots.update(written)
        for key in self._empty - written.keys():  # step 1 deleted their rows
            self._slots.pop(key, None)
        self._empty = {(ns, key) for ns, histories in snap.entities.items() for key, history in histories.items()
                       if history is None and (ns, key) in written}
        held = set(namespaces(snap.meta))
        self._drop_namespaces(self._held - held)
        self._held = held

    def _drop_namespaces(self, gone: set[str]) -> None:
        """Step 3: the rows of namespaces no complete checkpoint holds any more (one partition delete each)."""
        if not gone:
            return
        self.writer.write([(self._delete_all, (self.group, ns)) for ns in sorted(gone)])
        self._slots = {k: slot for k, slot in self._slots.items() if k[0] not in gone}
        self._empty = {k for k in self._empty if k[0] not in gone}

    def begin(self, snap: Snapshot, seq: int) -> None:
        """Step 0: note checkpoint ``seq`` and the namespaces it is about to write."""
        self.writer.write([(self._intent, (seq, json.dumps(sorted(snap.entities)), self.group))])

    def write_histories(self, snap: Snapshot, seq: int) -> dict[tuple[str, int], int]:
        """Step 1: each touched entity's history into its free slot, tagged ``seq`` (an entity the store holds
        nothing of and that has nothing left: no row), and the rows of the entities that were empty at the last
        checkpoint and are untouched since deleted; returns the slots written."""
        statements: list[tuple[Any, Any]] = []
        written: dict[tuple[str, int], int] = {}
        touched = {(ns, key) for ns, histories in snap.entities.items() for key in histories}
        gone: dict[str, list[tuple[Any, tuple]]] = {}
        for ns, key in sorted(self._empty - touched):
            gone.setdefault(ns, []).append((self._delete_row, (self.group, ns, key)))
        for deletes in gone.values():
            statements += partition_batches(deletes)
        for entity, histories in snap.entities.items():  # (group, namespace) is one partition: rows batch
            rows: list[tuple[Any, tuple]] = []
            for key, history in histories.items():
                if history is None and (entity, key) not in self._slots:
                    continue  # never stored, or deleted already: no row says the same as an empty slot
                slot = 1 - self._slots.get((entity, key), 1)
                text = EMPTY if history is None else orjson.dumps(history.to_json()).decode()
                rows.append((self._write_slot[slot], (text, seq, self.group, entity, key)))
                written[entity, key] = slot
            statements += partition_batches(rows)
        self.writer.write(statements)
        return written

    def write_checkpoint(self, snap: Snapshot, seq: int) -> None:
        """Step 2: the row that makes checkpoint ``seq`` the one a restart resumes from."""
        row = (self.group, seq,
               json.dumps([[t, p, o, *self._id(t)] for (t, p), o in sorted(snap.offsets.items())]),
               json.dumps(snap.meta), "[]",  # pending labels are read again from Kafka (consumers/labels.py)
               datetime.now(UTC))
        self.writer.write([(self._save_ckpt, row)])

    def forget(self) -> int:
        """Delete this group's checkpoint and histories (its next start begins from nothing); returns the
        number of history namespaces cleared."""
        row = self.session.execute(self._load_ckpt, (self.group,)).one()
        if row is None:
            return 0
        spaces = self._namespaces(row)
        for ns in spaces:
            self.session.execute(self._delete_all, (self.group, ns))
        self.session.execute(self._delete_ckpt, (self.group,))  # last: a half-done forget can be run again
        return len(spaces)

    @staticmethod
    def _namespaces(row: Any) -> list[str]:
        """The namespaces a checkpoint row's state holds, and those an unfinished checkpoint was writing."""
        done = namespaces(upgrade_snapshot(json.loads(row.meta))) if row.meta else []  # type: ignore[arg-type]
        return sorted(set(done) | set(json.loads(row.intent_namespaces or "[]")))

    def _id(self, topic: str) -> list[str]:
        return [self.topic_ids[topic]] if topic in self.topic_ids else []

    def load(self, allowed_lateness: timedelta | None = None) -> Checkpoint | None:
        """The last checkpoint (None before the first); ``allowed_lateness``: the setting, which wins over the
        value saved with the snapshot."""
        row = self.session.execute(self._load_ckpt, (self.group,)).one()
        if row is None:
            return None
        seq = row.seq or 0  # a checkpoint from before the slots: 0, as are the rows it wrote
        histories, slots, unfinished, empty = self._read_histories(row, seq)
        if unfinished:  # an unfinished checkpoint's slots, cleared before its number is used again
            self.writer.write(unfinished)
        if row.intent_seq is not None:
            self.writer.write([(self._intent, (None, None, self.group))])
        self.seq, self._slots = seq, slots
        self._empty = {k for k in slots if k[1] in empty.get(k[0], set())}
        if row.offsets is None:  # only the intent of a first checkpoint that never completed
            self._held = set()
            return None
        data: dict[str, Any] = upgrade_snapshot(json.loads(row.meta))
        self._held = set(namespaces(data))  # type: ignore[arg-type]
        for ns in namespaces(data):  # type: ignore[arg-type]
            data[ns] = histories.get(ns, {})
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

    def _read_histories(self, row: Any, seq: int) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, int], int],
                                                          list[tuple[Any, tuple]], dict[str, set[int]]]:
        """Per namespace and entity, the newest slot written by checkpoint ``seq`` or before (its history,
        unless empty), which slot that is, the statements clearing slots of an unfinished checkpoint, and the
        entities whose newest slot is empty."""
        histories: dict[str, dict[str, Any]] = {}
        slots: dict[tuple[str, int], int] = {}
        unfinished: list[tuple[Any, tuple]] = []
        empty: dict[str, set[int]] = {}
        for ns in self._namespaces(row):
            histories[ns] = {}
            for r in self.session.execute(self._select, (self.group, ns)):
                kept = []
                for ckpt, text, slot in ((r.ckpt0 or 0, r.history, 0), (r.ckpt1, r.history1, 1)):
                    if text is None or ckpt is None:
                        continue
                    if ckpt > seq:
                        unfinished.append((self._clear_slot[slot], (self.group, ns, r.entity_key)))
                    else:
                        kept.append((ckpt, text, slot))
                if not kept:  # written only by a checkpoint that never completed
                    continue
                _, text, slots[ns, r.entity_key] = max(kept)
                if text != EMPTY:
                    histories[ns][str(r.entity_key)] = json.loads(text)
                else:
                    empty.setdefault(ns, set()).add(r.entity_key)
        return histories, slots, unfinished, empty
