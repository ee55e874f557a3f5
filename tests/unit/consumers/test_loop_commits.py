"""``ConsumerLoop``'s commit order, in process: an in-memory consumer (per-partition logs, positions that
``poll`` advances, every commit recorded) and a handler that writes each record to a sink and can fail at
any step. The invariant: a committed offset never passes a record whose write was not flushed, and after a
successful batch everything polled is committed (the real-Kafka runs are in tests/integration)."""

from __future__ import annotations

import gc
import os
import signal
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from consumers.cassandra_io import Interrupted
from consumers.kafka_io import CommitFailed, TopicPartition
from consumers.loop import Commit, ConsumerLoop
from consumers.metrics import Metrics
from fraud_platform import memory

TOPIC = "tx"
P0, P1 = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    """``ConsumerLoop.run`` freezes what exists (``gc.freeze``): give the test process's objects back after it."""
    yield
    gc.unfreeze()


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    timestamp: int = -1
    key: bytes | None = None
    value: bytes = b"{}"


class FakeConsumer:
    """What ``ConsumerLoop`` and ``kafka_io.lag`` call on a ``kafka_io.Consumer``."""

    def __init__(self, sizes: Mapping[TopicPartition, int]) -> None:
        self.sizes = dict(sizes)
        self.positions = dict.fromkeys(sizes, 0)
        self.assigned = set(sizes)  # as after a completed join; ``subscribe`` assigns again
        self.committed: dict[TopicPartition, int] = {}
        self.commits: list[dict[TopicPartition, int]] = []
        self.polls = 0
        self.fail_commits = 0  # the next n commits raise CommitFailed (a rebalance took the partitions)
        self.on_drained: Callable[[], None] = lambda: None
        self.closed_with: dict[str, Any] | None = None

    def partitions(self, topic: str) -> list[TopicPartition]:
        return sorted(tp for tp in self.sizes if tp.topic == topic)

    def subscribe(self, topics: list[str], on_assigned: Callable, on_revoked: Callable) -> None:
        self.assigned = {tp for tp in self.sizes if tp.topic in topics}
        on_assigned(sorted(self.assigned))

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def revoke(self, tp: TopicPartition) -> None:
        self.assigned.discard(tp)

    def poll(self, timeout_s: float, max_records: int) -> list[Record]:
        """Up to ``max_records`` from the assigned partitions, in partition order."""
        self.polls += 1
        out: list[Record] = []
        room = max_records
        for tp in sorted(self.assigned, key=lambda t: t.partition):
            start = self.positions[tp]
            end = min(self.sizes[tp], start + room)
            if end > start:
                out += [Record(tp.topic, tp.partition, o) for o in range(start, end)]
                self.positions[tp], room = end, room - (end - start)
        if not out:
            self.on_drained()
        return out

    def commit(self, offsets: Mapping[TopicPartition, int] | None = None) -> None:
        if self.fail_commits:
            self.fail_commits -= 1
            raise CommitFailed("rebalanced")
        # no argument = the position of every assigned partition
        done = {tp: self.positions[tp] for tp in self.assigned} if offsets is None else dict(offsets)
        self.commits.append(done)
        self.committed.update(done)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.positions[tp] = offset

    def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.sizes[tp] for tp in tps}

    def close(self) -> None:
        self.closed_with = {"closed": True}


class Sink:
    """A ``loop.Handler`` writing every record to ``flushed`` once ``flush`` acknowledges it. ``checkpoint``
    answers from ``answers`` (a list consumed one per call; the last one repeats), ``True`` by default."""

    def __init__(self, *, fail_process_at: tuple[int, int] | None = None, fail_process_with: Exception | None = None,
                 fail_flush_on: int | None = None, fail_checkpoint_on: int | None = None,
                 answers: list[Commit] | None = None, during_process: Callable[[int], None] = lambda batch: None,
                 ) -> None:
        self.fail_process_at, self.fail_process_with = fail_process_at, fail_process_with or RuntimeError("bad")
        self.fail_flush_on, self.fail_checkpoint_on = fail_flush_on, fail_checkpoint_on
        self.answers = list(answers or [True])
        self.during_process = during_process
        self.pending: list[tuple[int, int]] = []
        self.flushed: list[tuple[int, int]] = []  # (partition, offset) acknowledged by the sink
        self.batches = self.checkpoints = 0
        self.forced: list[bool] = []
        self.closed = False

    def on_assigned(self, consumer: Any, partitions: list[Any]) -> None:
        pass

    def on_revoked(self, partitions: list[Any]) -> None:
        pass

    def held(self) -> int:
        return 0

    def process(self, records: list[Any]) -> None:
        self.batches += 1
        self.during_process(self.batches)
        for r in records:
            if (r.partition, r.offset) == self.fail_process_at:
                raise self.fail_process_with
            self.pending.append((r.partition, r.offset))

    def flush(self) -> None:
        if self.batches == self.fail_flush_on:
            raise RuntimeError("flush timed out")
        self.flushed += self.pending
        self.pending = []

    def checkpoint(self, force: bool = False) -> Commit:
        self.checkpoints += 1
        self.forced.append(force)
        if self.checkpoints == self.fail_checkpoint_on:
            raise RuntimeError("state save failed")
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def after_commit(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def make(sink: Sink, sizes: Mapping[TopicPartition, int] | None = None, *, batch: int = 4,
         stop_when_drained: bool = True) -> tuple[ConsumerLoop, FakeConsumer]:
    consumer = FakeConsumer(sizes or {P0: 10, P1: 10})
    loop = ConsumerLoop(consumer, [TOPIC], sink, Metrics("test"),  # type: ignore[arg-type]
                        poll_timeout_ms=10, batch_size=batch)
    if stop_when_drained:
        consumer.on_drained = lambda: setattr(loop, "stopping", True)
    return loop, consumer


def assert_never_ahead_of_the_sink(consumer: FakeConsumer, sink: Sink) -> None:
    """Every committed offset is covered: each record below it was flushed."""
    for commit in consumer.commits:
        for tp, offset in commit.items():
            written = {o for p, o in sink.flushed if p == tp.partition}
            missing = sorted(set(range(offset)) - written)
            assert not missing, f"{tp} committed to {offset} but offsets {missing[:5]} were never flushed"


def test_each_flushed_batch_is_committed_up_to_everything_polled() -> None:
    sink = Sink()
    loop, consumer = make(sink)
    loop.run()
    assert consumer.commits == [{P0: 4, P1: 0}, {P0: 8, P1: 0}, {P0: 10, P1: 2}, {P0: 10, P1: 6},
                                {P0: 10, P1: 10}]
    assert consumer.committed == {P0: 10, P1: 10}
    assert len(sink.flushed) == 20
    assert sink.forced[-1] is True  # the final checkpoint on stop (nothing left: no extra commit)
    assert sink.closed and consumer.closed_with == {"closed": True}
    assert_never_ahead_of_the_sink(consumer, sink)


def test_a_record_failing_in_process_is_not_committed_nor_anything_of_its_batch() -> None:
    sink = Sink(fail_process_at=(0, 6))  # the second batch (P0 4..7)
    loop, consumer = make(sink)
    with pytest.raises(RuntimeError, match="bad"):
        loop.run()
    assert consumer.commits == [{P0: 4, P1: 0}]
    assert sink.checkpoints == 1  # no checkpoint after the failure
    assert sink.closed and consumer.closed_with == {"closed": True}
    assert_never_ahead_of_the_sink(consumer, sink)


def test_a_failed_flush_commits_nothing_of_its_batch() -> None:
    sink = Sink(fail_flush_on=2)
    loop, consumer = make(sink)
    with pytest.raises(RuntimeError, match="flush"):
        loop.run()
    assert consumer.commits == [{P0: 4, P1: 0}]
    assert consumer.closed_with == {"closed": True}
    assert_never_ahead_of_the_sink(consumer, sink)


def test_a_failed_checkpoint_commits_nothing_of_its_batch() -> None:
    sink = Sink(fail_checkpoint_on=3)
    loop, consumer = make(sink)
    with pytest.raises(RuntimeError, match="state save"):
        loop.run()
    assert consumer.commits == [{P0: 4, P1: 0}, {P0: 8, P1: 0}]
    assert_never_ahead_of_the_sink(consumer, sink)


def test_a_write_interrupted_by_stop_leaves_its_batch_uncommitted_and_exits_cleanly() -> None:
    # Writer.write raises Interrupted when a stop is requested while the sink is still failing.
    sink = Sink(fail_process_at=(0, 9), fail_process_with=Interrupted())
    loop, consumer = make(sink)
    loop.run()  # no exception: a clean stop, to be replayed from the last commit
    assert consumer.commits == [{P0: 4, P1: 0}, {P0: 8, P1: 0}]
    assert True not in sink.forced  # no final checkpoint after an interrupted write
    assert sink.closed and consumer.closed_with == {"closed": True}
    assert_never_ahead_of_the_sink(consumer, sink)


def test_a_stop_mid_batch_finishes_and_commits_that_batch_then_polls_no_more() -> None:
    holder: list[ConsumerLoop] = []

    def sigterm_in_batch(batch: int) -> None:
        if batch == 2:
            holder[0]._stop(signal.SIGTERM, None)

    sink = Sink(during_process=sigterm_in_batch)
    loop, consumer = make(sink, stop_when_drained=False)
    holder.append(loop)
    loop.run()
    assert consumer.polls == 2
    assert consumer.commits == [{P0: 4, P1: 0}, {P0: 8, P1: 0}]
    assert sink.forced == [False, False, True]
    assert_never_ahead_of_the_sink(consumer, sink)


def test_no_commit_until_the_checkpoint_allows_then_everything_polled() -> None:
    sink = Sink(answers=[False, False, True])
    loop, consumer = make(sink, stop_when_drained=False)
    loop.run_once()
    loop.run_once()
    assert consumer.commits == []
    loop.run_once()
    assert consumer.commits == [{P0: 10, P1: 2}]
    assert_never_ahead_of_the_sink(consumer, sink)


def test_a_partial_checkpoint_commits_exactly_the_offsets_it_covers() -> None:
    sink = Sink(answers=[False, {(TOPIC, 0): 3}, {(TOPIC, 0): 8, (TOPIC, 1): 1}])
    loop, consumer = make(sink, stop_when_drained=False)
    for _ in range(3):
        loop.run_once()
    assert consumer.commits == [{P0: 3}, {P0: 8, P1: 1}]  # behind the polled positions (10, 2): as saved
    assert consumer.positions == {P0: 10, P1: 2}
    assert_never_ahead_of_the_sink(consumer, sink)


def test_a_partial_checkpoint_never_commits_a_partition_no_longer_assigned() -> None:
    sink = Sink(answers=[{(TOPIC, 0): 4, (TOPIC, 1): 0}])
    loop, consumer = make(sink, stop_when_drained=False)
    consumer.revoke(P1)  # another member owns it now: its offsets are that member's to commit
    loop.run_once()
    assert consumer.commits == [{P0: 4}]
    consumer.revoke(P0)
    loop.run_once()
    assert consumer.commits == [{P0: 4}]  # nothing assigned: no commit at all


def test_the_final_forced_checkpoint_commits_what_it_saved() -> None:
    # The scorer: no save completed while running; on stop it saves synchronously and hands the offsets over.
    class Scorerish(Sink):
        def checkpoint(self, force: bool = False) -> Commit:
            super().checkpoint(force)
            return {(TOPIC, 0): 10, (TOPIC, 1): 10} if force else False

    sink = Scorerish()
    loop, consumer = make(sink)
    loop.run()
    assert consumer.commits == [{P0: 10, P1: 10}]
    assert_never_ahead_of_the_sink(consumer, sink)


def test_a_commit_lost_to_a_rebalance_is_not_fatal_and_the_next_batch_commits() -> None:
    sink = Sink()
    loop, consumer = make(sink, stop_when_drained=False)
    consumer.fail_commits = 1
    loop.run_once()
    assert consumer.commits == []
    loop.run_once()
    assert consumer.commits == [{P0: 8, P1: 0}]


def test_a_failed_commit_of_the_last_batch_is_retried_by_the_next_idle_poll() -> None:
    sink = Sink()  # e.g. the group coordinator restarting (librdkafka's _WAIT_COORD)
    loop, consumer = make(sink, {P0: 2, P1: 0}, stop_when_drained=False)
    consumer.fail_commits = 1
    loop.run_once()
    assert consumer.commits == []
    loop.run_once()  # nothing new polled
    assert consumer.commits == [{P0: 2, P1: 0}]
    assert_never_ahead_of_the_sink(consumer, sink)


def test_an_idle_poll_after_a_committed_batch_commits_nothing_more() -> None:
    sink = Sink()
    loop, consumer = make(sink, {P0: 2, P1: 0}, stop_when_drained=False)
    loop.run_once()
    loop.run_once()
    loop.run_once()
    assert consumer.commits == [{P0: 2, P1: 0}]
    assert sink.checkpoints == 3  # asked every iteration: a checkpoint may fall due while idle


def test_an_idle_poll_gives_a_handler_holding_records_the_chance_to_release_them() -> None:
    sink = Sink()
    calls: list[int] = []
    sink.held = lambda: 3  # type: ignore[method-assign]  # records held back (the scorer's alignment)
    process = sink.process
    sink.process = lambda records: (calls.append(len(records)), process(records))  # type: ignore[method-assign]
    loop, _ = make(sink, {P0: 0, P1: 0}, stop_when_drained=False)
    loop.run_once()
    assert calls == [0]  # an empty batch: the handler releases what may go (or what waited too long)


class Beats:
    """A watchdog that only counts beats."""

    def __init__(self) -> None:
        self.beats = 0

    def start(self) -> None: ...
    def stop(self) -> None: ...

    def beat(self) -> None:
        self.beats += 1


def test_empty_polls_while_records_wait_are_no_progress(monkeypatch) -> None:
    # A client that stops fetching (polls return nothing) while the partitions hold unread records must let
    # the watchdog fire; once everything is read, idle polling is progress.
    monkeypatch.setattr("consumers.loop.LAG_EVERY_SECONDS", 0.0)  # measure the lag on every iteration
    sink = Sink()
    loop, consumer = make(sink, {P0: 6}, stop_when_drained=False)
    loop.watchdog = beats = Beats()  # type: ignore[assignment]
    stuck = {"polls": 0}

    def poll(timeout_s: float, max_records: int) -> list:
        stuck["polls"] += 1
        if stuck["polls"] >= 5:
            loop.stopping = True
        return []

    consumer.poll = poll  # type: ignore[method-assign]
    loop.run()
    assert stuck["polls"] == 5 and beats.beats == 0

    sink = Sink()
    loop, consumer = make(sink, {P0: 6}, stop_when_drained=False)
    loop.watchdog = beats = Beats()  # type: ignore[assignment]
    real_poll = consumer.poll

    def drained_then_stop(timeout_ms: int, max_records: int) -> dict:
        out = real_poll(timeout_ms, max_records)
        if not out and consumer.polls >= 5:
            loop.stopping = True
        return out

    consumer.poll = drained_then_stop  # type: ignore[method-assign]
    loop.run()
    assert beats.beats == 5  # two batches of records, then three idle polls with nothing left to read


class Node:
    """Half of a reference cycle: only a collection frees it."""

    other: Any = None


def a_cycle() -> weakref.ref[Node]:
    """A two-node cycle nothing else refers to; the reference dies when the cycle is collected."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture
def only_the_loop_collects() -> Iterator[None]:
    """The collector's own thresholds off, so that a freed cycle proves the loop collected it."""
    automatic = gc.isenabled()
    gc.disable()
    yield
    if automatic:
        gc.enable()


@pytest.mark.parametrize("due", [True, False])
def test_cyclic_garbage_is_collected_between_batches_when_a_full_collection_is_due(
        due: bool, only_the_loop_collects: None) -> None:
    """Step 8: the loop's own full collection frees what the collector's thresholds would leave for long (a
    finished Cassandra request is such a cycle); it is timed in ``fraud_stream_gc_seconds``."""
    garbage: list[weakref.ref[Node]] = []
    sink = Sink(during_process=lambda batch: garbage.append(a_cycle()))
    metrics = Metrics("test")
    loop = ConsumerLoop(FakeConsumer({P0: 4}), [TOPIC], sink, metrics,  # type: ignore[arg-type]
                        poll_timeout_ms=10, batch_size=4, collect_every=0.0 if due else 3600.0)
    assert loop.run_once() == 4
    assert (garbage[0]() is None) is due
    timed = metrics.registry.get_sample_value("fraud_stream_gc_seconds_count", {"consumer": "test"}) or 0.0
    assert timed == (1.0 if due else 0.0)


def test_run_freezes_what_start_up_built_after_collecting_its_garbage(only_the_loop_collects: None) -> None:
    start_up_garbage = a_cycle()
    loop, _consumer = make(Sink())
    loop.run()
    assert start_up_garbage() is None  # collected, not frozen for ever
    assert gc.get_freeze_count() > 0


def _resident_mib() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(memory.MALLOC_TRIM is None, reason="the C library has no malloc_trim (not glibc)")
def test_memory_freed_between_live_blocks_goes_back_to_the_system() -> None:
    """Step 8's second half: blocks freed between blocks still in use stay resident (the allocator keeps them
    for reuse, so RSS stays at its high-water mark) until ``malloc_trim`` hands their pages back."""
    blocks = [bytearray(1000) for _ in range(60_000)]  # ~60 MiB from glibc's heap (above pymalloc's 512 bytes)
    kept = blocks[::16]  # live blocks all along the heap: nothing at its top to shrink by itself
    del blocks
    before = _resident_mib()
    assert memory.release_free_memory()
    assert before - _resident_mib() > 20, (before, _resident_mib())
    assert len(kept) == 3750
