"""``ConsumerLoop``: the one consume -> commit cycle both consumers run (the commit order lives here only).

Each iteration is one batch:

1. **consume** - wait up to ``STREAM_POLL_TIMEOUT_MS`` for the first record, then take what the client has
   already fetched, up to ``batch_size``: small batches while the stream is slow, full ones when backed up.
2. **validate** - the handler parses every record strictly; an invalid one is routed (scorer: to
   ``transaction_dlq`` with the original bytes and the reason) or counted, never silently lost.
3. **compute** - features, rules and model (scorer); rows (persister).
4. **produce/write** - decisions and DLQ records sent to Kafka; rows written to Cassandra (retried with
   backoff until they succeed).
5. **flush** - the persister's Cassandra writes are acknowledged before ``process`` returns. The scorer
   commits the batch's Kafka transaction here: its decisions, DLQ records and input offsets together
   (``scorer.py``; exactly once for ``read_committed`` readers).
6. **checkpoint** - the handler saves its own state, if it has any, and says which offsets the loop may
   commit: all polled (``True``; the persister, which has no state), exactly these (a mapping), or none
   (``False``; the scorer, whose offsets went with its transaction: it saves feature state + offsets every
   ``STREAM_CHECKPOINT_SECONDS`` in the background, only to shorten the replay of a restart).
7. **commit offsets** - only now, synchronously. A crash anywhere before this replays from the last commit.
8. **collect** - every ``FULL_COLLECTION_SECONDS``, between batches, a full collection of the cyclic garbage,
   then the C allocator's free memory handed back to the system (``collect_garbage``; the pause of both is the
   ``fraud_stream_gc_seconds`` histogram). What the process built before its first poll (modules, clients, the
   scorer's restored state) is frozen out of every collection.

Persister: at-least-once delivery + idempotent sinks (every key contains ``transaction_id``) = an
exactly-once effect. Scorer: exactly once on its output topics (Kafka transactions). SIGTERM/SIGINT set a
flag checked between batches: the running batch finishes steps 2-7, then a final checkpoint + commit,
then close.
"""

from __future__ import annotations

import gc
import signal
import time
from collections import Counter
from collections.abc import Mapping
from typing import Protocol

from consumers import kafka_io
from consumers.cassandra_io import Interrupted
from consumers.kafka_io import CommitFailed, Consumer, Record, TopicPartition
from consumers.metrics import Metrics
from consumers.watchdog import Watchdog
from fraud_platform.logs import get_logger
from fraud_platform.memory import release_free_memory

log = get_logger("consumers.loop")
LAG_EVERY_SECONDS = 5.0
# Each Cassandra request leaves a reference cycle behind when it completes (the driver's ``ResponseFuture`` and
# its timeout ``Timer``), holding the request's values: for the scorer's checkpoints, every history written.
# Requests in flight when a young collection runs are promoted to the oldest generation, which the collector
# scans only every 100 x 20 young collections (``entry.GC_THRESHOLDS``): in a one-hour soak the scorer grew
# 208 -> 314 MiB after its warm-up; a 24-minute one grew +71 % and held 4,363 finished requests at its end. A
# full collection every 30 s keeps that garbage to 30 s of requests (the same soak: +6.3 %; BENCHMARKS.md).
FULL_COLLECTION_SECONDS = 30.0
Commit = bool | Mapping[tuple[str, int], int]  # step 6's answer: all polled / these (topic, partition) -> next



class Handler(Protocol):
    """What a consumer plugs into the loop."""

    def on_assigned(self, consumer: Consumer, partitions: list[TopicPartition]) -> None: ...
    def on_revoked(self, partitions: list[TopicPartition]) -> None: ...
    def held(self) -> int: ...  # records taken but held back (scorer: event-time alignment); 0 = none
    def process(self, records: list[Record]) -> None: ...  # steps 2-4
    def flush(self) -> None: ...  # step 5 (or, for outputs acknowledged asynchronously, check their reports)
    def checkpoint(self, force: bool = False) -> Commit: ...  # step 6: which offsets may be committed
    def after_commit(self) -> None: ...  # periodic work between batches (e.g. model reload)
    def close(self) -> None: ...


class ConsumerLoop:
    """Run ``handler`` over ``topics`` until stopped; see the module docstring for the steps."""

    def __init__(self, consumer: Consumer, topics: list[str], handler: Handler, metrics: Metrics,
                 *, poll_timeout_ms: int, batch_size: int, watchdog: Watchdog | None = None,
                 collect_every: float = FULL_COLLECTION_SECONDS) -> None:
        self.consumer, self.topics, self.handler, self.metrics = consumer, topics, handler, metrics
        self.poll_timeout_s, self.batch_size, self.watchdog = poll_timeout_ms / 1000, batch_size, watchdog
        self.stopping = False
        self._uncommitted = False  # processed (and flushed) records whose offsets are not committed yet
        self._next_lag = 0.0
        self._behind = False  # records waiting on an assigned partition at the last lag measurement
        self.collect_every = collect_every
        self._next_collection = time.monotonic() + collect_every

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)

    def _assigned(self, partitions: list[TopicPartition]) -> None:
        log.info("partitions assigned", partitions=sorted(f"{t}-{p}" for t, p in partitions))
        self.handler.on_assigned(self.consumer, partitions)

    def _revoked(self, partitions: list[TopicPartition]) -> None:
        log.info("partitions revoked", partitions=sorted(f"{t}-{p}" for t, p in partitions))
        self.handler.on_revoked(partitions)

    def _stop(self, signum: int, _frame: object) -> None:
        log.info("stop requested", signal=signal.Signals(signum).name)
        self.stopping = True

    def run(self) -> None:
        # Start-up's objects live as long as the process: never scanned again (the persister's full collection
        # took 137 ms with them, 2026-12-07). Its garbage is collected first, or it would be kept for ever.
        gc.collect()
        gc.freeze()
        for topic in self.topics:  # metadata first: the first group join then assigns every partition at once
            self.consumer.partitions(topic)
        self.consumer.subscribe(self.topics, on_assigned=self._assigned, on_revoked=self._revoked)
        if self.watchdog is not None:
            self.watchdog.start()
        try:
            while not self.stopping:
                polled = self.run_once()
                # Progress: records, or nothing left to read. Polling with no partition (a rejoin that never
                # completed) or empty polls while records wait (kafka-python 3.0 spinning on a coordinator
                # it lost, seen 2026-11-30: lag 5,000, 97 % CPU, no fetch for minutes) is a stall.
                if self.watchdog is not None and self.consumer.assignment() and (polled or not self._behind):
                    self.watchdog.beat()
            if self.watchdog is not None:
                self.watchdog.stop()  # the final checkpoint may wait for Cassandra: that is not a stall
            self._commit(force=True)
        except Interrupted:
            log.warning("stopped while a write was failing: the batch was not committed and will be replayed")
        finally:
            if self.watchdog is not None:
                self.watchdog.stop()
            self.handler.close()
            self.consumer.close()

    def _commit(self, force: bool = False) -> None:
        allowed = self.handler.checkpoint(force=force)  # Step 6
        if allowed is True:
            if not self._uncommitted:
                return
            self._uncommitted, offsets = False, None  # the positions of everything polled, all processed
        elif allowed:
            assigned = self.consumer.assignment()  # never commit for a partition another member now owns
            offsets = {tp: o for (t, p), o in allowed.items() if (tp := TopicPartition(t, p)) in assigned}
            if not offsets:
                return
        else:
            return
        try:
            self.consumer.commit(offsets)  # Step 7
        except CommitFailed as exc:
            # A rebalance took the partitions (their new owner replays from the last commit), or the coordinator
            # is out of reach: the positions are committed again at the next iteration, idle or not. Until then a
            # restart replays what was written - idempotently.
            self._uncommitted = self._uncommitted or offsets is None
            log.warning("commit failed; retried at the next commit", error=str(exc))

    def run_once(self) -> int:
        """One batch through steps 1-7; returns the number of records."""
        records = self.consumer.poll(self.poll_timeout_s, self.batch_size)  # Step 1
        if records:
            started = time.perf_counter()
            wall = time.time()
            for topic, n in Counter(r.topic for r in records).items():
                self.metrics.consumed(topic, n)
            stamped = [r.timestamp / 1000 for r in records if r.timestamp > 0]
            self.metrics.waited(wall - t for t in stamped)  # produced -> its batch started
            self.handler.process(records)  # Steps 2-4
            self.handler.flush()  # Step 5
            self._uncommitted = True
            done = time.time()
            self._commit()
            self.metrics.processing(time.perf_counter() - started)
            self.metrics.end_to_end(done - t for t in stamped)
        else:
            if self.handler.held():  # records held back may be released (or their wait run out) while idle
                self.handler.process([])
                self.handler.flush()
            self._commit()  # a checkpoint may fall due while idle
        self.handler.after_commit()
        if time.monotonic() >= self._next_lag:
            self._next_lag = time.monotonic() + LAG_EVERY_SECONDS
            lags = kafka_io.lag(self.consumer, self.consumer.assignment())
            for tp, value in lags.items():
                self.metrics.lag(tp.topic, tp.partition, value)
            self._behind = any(value > 0 for value in lags.values())
        if time.monotonic() >= self._next_collection:
            self.collect_garbage()
        return len(records)

    def collect_garbage(self) -> int:
        """Step 8: a full collection now (see ``FULL_COLLECTION_SECONDS``), then the memory it freed returned to
        the system where the allocator can; returns the objects it freed."""
        started = time.perf_counter()
        freed = gc.collect()
        release_free_memory()
        self.metrics.collected(time.perf_counter() - started)
        self._next_collection = time.monotonic() + self.collect_every
        return freed
