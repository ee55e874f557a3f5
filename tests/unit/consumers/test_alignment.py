"""``EventTimeAligner``: a backlog's partitions are released together in event time, live traffic at once."""

from __future__ import annotations

import random

from consumers.alignment import EventTimeAligner
from consumers.kafka_io import TopicPartition

P0, P1, P2 = (TopicPartition("tx", p) for p in range(3))
DAY = 86_400_000_000
SKEW = DAY // 24


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def aligner(clock: Clock | None = None) -> EventTimeAligner:
    a = EventTimeAligner(SKEW, max_wait_s=2.0, clock=clock or Clock())
    a.assign([P0, P1])
    return a


def test_a_partition_read_ahead_waits_for_one_with_unread_records() -> None:
    a = aligner()
    for d in range(10):
        a.add(P0, ("p0", d), "", d * DAY)
    assert a.release(lambda tp: tp == P1) == []  # P1 has unread records, none seen yet: wait
    a.add(P1, ("p1", 0), "", 0)
    a.add(P1, ("p1", 3), "", 3 * DAY)
    out = a.release(lambda tp: tp == P1)
    # P0 may go up to P1's frontier + skew: day 0 (P1's head), then day 3 (P1's newest released) ...
    assert out[:2] == [("p0", 0), ("p1", 0)] or out[:2] == [("p1", 0), ("p0", 0)]
    assert ("p0", 4) not in out and ("p0", 3) in out and ("p1", 3) in out
    assert len(a) == 6


def test_a_partition_with_nothing_left_to_read_never_holds_the_others() -> None:
    a = aligner()
    for d in range(5):
        a.add(P0, d, "", d * DAY)
    assert a.release(lambda tp: False) == [0, 1, 2, 3, 4]


def test_live_traffic_is_released_at_once() -> None:
    a = aligner()
    a.add(P0, "a", "", 1_000)
    a.add(P1, "b", "", 2_000)
    assert sorted(a.release(lambda tp: True)) == ["a", "b"]
    a.add(P0, "c", "", 3_000)  # P1 behind (its next record not fetched yet), but its frontier is just now
    assert a.release(lambda tp: True) == ["c"]


def test_invalid_records_keep_their_place_and_release_at_the_head() -> None:
    a = aligner()
    a.add(P0, "bad-first", "", None)
    a.add(P0, "ok", "", 5 * DAY)
    a.add(P0, "bad-after", "", None)
    assert a.release(lambda tp: tp == P1) == ["bad-first"]  # "ok" waits for P1, and "bad-after" behind it
    a.add(P1, "p1", "", 5 * DAY)
    assert a.release(lambda tp: False) == ["ok", "bad-after", "p1"]


def test_sources_are_aligned_separately() -> None:
    a = aligner()
    a.add(P0, "replay", "replay:x", 0)
    a.add(P1, "live", "", 100 * DAY)  # another source: its times are not compared with the replay's
    assert sorted(a.release(lambda tp: False)) == ["live", "replay"]


def test_a_partition_that_does_not_come_is_waited_for_at_most_max_wait() -> None:
    clock = Clock()
    a = aligner(clock)
    a.add(P0, "x", "", 10 * DAY)
    assert a.release(lambda tp: tp == P1) == []
    clock.now = 1.0
    assert a.release(lambda tp: tp == P1) == []
    clock.now = 2.5
    assert a.release(lambda tp: tp == P1) == ["x"]
    assert a.timeouts == 1 and len(a) == 0


def test_dropped_partitions_are_forgotten() -> None:
    a = aligner()
    a.add(P0, ("x", 7), "", 0)
    a.add(P0, ("y", 8), "", 0)
    assert a.drop([P0, P1], lambda item: item[1]) == {P0: 7}  # where P0 must be read again
    assert len(a) == 0 and a.release(lambda tp: True) == []


def test_any_fetch_interleaving_releases_within_the_skew_of_every_partition_still_to_come() -> None:
    """Three partitions of a 30-day backlog handed over in random chunks: whenever an event is released, no
    other partition still holds or has unread an event more than the skew older, so the terminal features do
    not depend on the fetch pattern; each partition keeps its order and nothing is lost."""
    rng = random.Random(7)
    parts = {tp: sorted(rng.randrange(30 * DAY) for _ in range(300)) for tp in (P0, P1, P2)}
    a = EventTimeAligner(SKEW, max_wait_s=1e9, clock=Clock())
    a.assign(list(parts))
    cursor = dict.fromkeys(parts, 0)
    released: list[tuple[TopicPartition, int]] = []
    while any(cursor[tp] < len(ts) for tp, ts in parts.items()):
        tp = rng.choice([tp for tp, ts in parts.items() if cursor[tp] < len(ts)])
        chunk = rng.randrange(1, 80)
        for t in parts[tp][cursor[tp]:cursor[tp] + chunk]:
            a.add(tp, (tp, t), "", t)
        cursor[tp] = min(len(parts[tp]), cursor[tp] + chunk)
        out = a.release(lambda q: cursor[q] < len(parts[q]))
        for i, (src, t) in enumerate(out):
            for other in parts:
                if other == src:
                    continue
                later = [u for q, u in out[i + 1:] if q == other]
                held = [h.t_us for h in a._parts[other].waiting]
                unread = parts[other][cursor[other]:cursor[other] + 1]
                earliest = min(later + held + unread, default=None)
                assert earliest is None or t <= earliest + SKEW
        released += out
    assert len(a) == 0
    assert sorted(released) == sorted((tp, t) for tp, ts in parts.items() for t in ts)
    for tp in parts:
        assert [t for q, t in released if q == tp] == parts[tp]


def test_a_source_is_not_held_for_ever_by_a_partition_busy_with_another_source() -> None:
    """``stream --count`` while the live stream runs: P1 keeps having unread live records, none of the
    simulation's; P0's limit for the simulation never moves, so its simulated record goes after max_wait_s
    even though live records (P2) are released all the while."""
    clock = Clock()
    a = aligner(clock)
    a.assign([P2])
    a.add(P1, "live", "", 900)
    assert a.release(lambda tp: False) == ["live"]
    a.add(P0, "sim", "simulation:seed1", 10 * DAY)
    for i in range(4):
        clock.now = i / 2
        a.add(P2, f"live{i}", "", 1_000 + i)
        assert a.release(lambda tp: tp == P1) == [f"live{i}"]
    clock.now = 2.5
    assert a.release(lambda tp: tp == P1) == ["sim"]
    assert a.timeouts == 1


def test_a_head_waiting_for_a_backlog_that_is_being_read_is_not_timed_out() -> None:
    clock = Clock()
    a = aligner(clock)
    a.add(P0, "ahead", "", 10 * DAY)
    for d in range(9):  # P1's backlog arrives a day a second: P0's limit moves every time
        clock.now = float(d * 5)
        a.add(P1, d, "", d * DAY)
        assert "ahead" not in a.release(lambda tp: tp == P1)
    a.add(P1, 10, "", 10 * DAY)
    assert "ahead" in a.release(lambda tp: tp == P1)
    assert a.timeouts == 0
