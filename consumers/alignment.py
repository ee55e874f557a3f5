"""``EventTimeAligner``: the scorer's partitions advance together in event time.

A customer's events share a partition (key = customer id), but a terminal's come from every partition.
Terminal features count a window that ends ``delay`` (7 days) before the event, so a terminal feature is
exact only if every partition's events up to ``t - delay`` are processed before an event at ``t``. While a
backlog is read (a replay, a restart), the client may hand over one partition's records days ahead of
another's (measured: up to 5 days with either client on a 20k-record backlog), so the features would depend
on fetch timing. The aligner holds a record while its event time is more than ``skew`` ahead of the
*frontier* of another partition of the same source (the head of what that partition has waiting, or, when
nothing waits, the newest event time it has released) if that partition still has unread records. With
``skew`` below every feature's delay, the features do not depend on how partitions interleave. Live traffic
is never held (every partition's frontier is near now); a partition with nothing left to read never holds
the others. A head whose limit has not moved for ``max_wait_s`` (wall clock) is released anyway and
counted: the partition it waits for is not bringing that source any closer - it may have none of it left, its
unread records being another source's (a replay or ``stream --count`` while the live stream runs).

Per-partition order is kept, invalid records included (they release as soon as they are at the head), so
the scorer's offsets only ever cover a contiguous processed prefix of each partition.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from consumers.kafka_io import TopicPartition


@dataclass(slots=True)
class Held:
    item: Any
    source: str
    t_us: int | None  # None: releases at the head (an invalid record)


@dataclass
class _Partition:
    waiting: deque[Held] = field(default_factory=deque)
    released: dict[str, int] = field(default_factory=dict)  # source -> newest event time released
    blocked: tuple[float, float] | None = None  # the head's limit, and since when it has not moved

    def pop(self) -> Any:
        """Release the head: its item, its event time noted as this partition's frontier for its source."""
        head = self.waiting.popleft()
        if head.t_us is not None and head.t_us > self.released.get(head.source, -1):
            self.released[head.source] = head.t_us
        return head.item


class EventTimeAligner:
    def __init__(self, skew_us: int, max_wait_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.skew_us, self.max_wait_s, self.clock = skew_us, max_wait_s, clock
        self._parts: dict[TopicPartition, _Partition] = {}
        self.timeouts = 0  # heads released by max_wait_s

    def __len__(self) -> int:
        return sum(len(p.waiting) for p in self._parts.values())

    def add(self, tp: TopicPartition, item: Any, source: str, t_us: int | None) -> None:
        self._parts.setdefault(tp, _Partition()).waiting.append(Held(item, source, t_us))

    def assign(self, tps: list[TopicPartition]) -> None:
        """Partitions to align, before their first record arrives (a backlog's slowest partition included)."""
        for tp in tps:
            self._parts.setdefault(tp, _Partition())

    def drop(self, tps: list[TopicPartition], offset: Callable[[Any], int]) -> dict[TopicPartition, int]:
        """Forget revoked partitions; returns, per partition that had records held, the ``offset`` of the first
        (where reading must start again: a client may keep its position for a partition it gets back)."""
        rewind = {}
        for tp in tps:
            part = self._parts.pop(tp, None)
            if part is not None and part.waiting:
                rewind[tp] = offset(part.waiting[0].item)
        return rewind

    def release(self, behind: Callable[[TopicPartition], bool]) -> list[Any]:
        """Every held item that may be processed now, each partition's in order. ``behind(tp)``: records of
        ``tp`` are still to be read (position below the end)."""
        out: list[Any] = []
        now = self.clock()
        progress = True
        while progress:
            progress = False
            for tp, part in self._parts.items():
                limits: dict[str, float] = {}
                while part.waiting:
                    head = part.waiting[0]
                    if head.t_us is not None:
                        limit = limits.get(head.source)
                        if limit is None:
                            limit = limits[head.source] = self._limit(tp, head.source, behind)
                        if head.t_us > limit and not self._waited_out(part, limit, now):
                            break
                    part.blocked = None
                    out.append(part.pop())
                    progress = True
        return out

    def _waited_out(self, part: _Partition, limit: float, now: float) -> bool:
        """Whether the head held at ``limit`` has waited ``max_wait_s`` with its limit standing still (then it
        goes, and is counted); a limit that moves (the other partition's backlog being read) restarts the wait."""
        if part.blocked is None or part.blocked[0] != limit:
            part.blocked = (limit, now)
            return False
        if now - part.blocked[1] < self.max_wait_s:
            return False
        self.timeouts += 1
        return True

    def _limit(self, tp: TopicPartition, source: str, behind: Callable[[TopicPartition], bool]) -> float:
        """The newest event time of ``source`` that ``tp`` may release: every other partition's frontier + skew."""
        limit = float("inf")
        for other, part in self._parts.items():
            if other == tp:
                continue
            head = next((h.t_us for h in part.waiting if h.t_us is not None and h.source == source), None)
            frontier: int | None
            if head is not None:
                frontier = head
            elif not part.waiting and behind(other):
                frontier = part.released.get(source)
                if frontier is None:  # unread records, none of them seen yet: wait for them (or max_wait_s)
                    return float("-inf")
            else:
                continue  # nothing of this source waiting there, nothing left to read: no constraint
            limit = min(limit, frontier + self.skew_us)
        return limit
