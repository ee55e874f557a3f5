"""Fault suite, long variant (issue #15 item 3; marker ``faults``, run by `./fraudctl benchmark faults`):
a 100,000-transaction stream during which the scorer is killed -9 at 20 seeded points and the persister at 5.

Scorer A scores the stream uninterrupted; scorer B scores the same input into its own topic and is killed at
each point (when its committed progress passes a seeded fraction of the stream, plus a seeded delay of up to
one checkpoint period, so kills also land inside checkpoints) and restarted at once; a persister writes B's
decisions to Cassandra and is killed -9 at its own points. Then, counted by ``transaction_id``:
every input transaction has exactly one decision on B's topic (a ``read_committed`` reader's view), B's
feature vectors equal A's, and ``fraud.decisions`` holds one row per transaction. The seconds each restart
took to make new progress are printed (BENCHMARKS.md "Fault suite").
"""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid

import pytest

from fraud_domain import topics
from tests.faults.checks import assert_exactly_once_with_the_reference_features
from tests.integration.test_stream_consumers import (
    _all_committed,
    _drop_topics,
    _publish,
    _scorer_args,
    _topics,
    fast,
)
from tests.support.stream import (
    admin_access,
    committed_total,
    count_rows,
    free_port,
    spawn,
    stop,
    wait_for,
)

pytestmark = pytest.mark.faults

COUNT = int(os.environ.get("FAULT_STREAM_COUNT", "100000"))
SCORER_KILLS, PERSISTER_KILLS = 20, 5
SEED = int(os.environ.get("FAULT_SEED", "15"))
CLIENT = "confluent-kafka"


def _started(log) -> int:
    return log.read_text(errors="replace").count('"event": "scorer started"') if log.exists() else 0


def _kill_points(rng: random.Random, kills: int) -> list[float]:
    return sorted(rng.uniform(0.03, 0.97) for _ in range(kills))


def test_scorer_and_persister_killed_at_seeded_points_leave_one_decision_and_one_row_each(
        ctx, kafka_bootstrap, cql, tmp_path) -> None:
    rng = random.Random(SEED)
    unique = uuid.uuid4().hex[:10]
    names = _topics(kafka_bootstrap, unique, "f")
    out_b = f"{names[topics.DECISIONS]}_b"
    from fraud_platform.kafka_topics import ensure_topics

    ensure_topics(kafka_bootstrap, [out_b], access=admin_access(),
                  partitions=6, replication_factor=1, retention_ms=86_400_000)
    run = _publish(ctx, kafka_bootstrap, names, seed=SEED, count=COUNT)
    env = fast(CLIENT) | {"STREAM_CHECKPOINT_SECONDS": "2"}
    group_a, group_b = f"fa-{unique}", f"fb-{unique}"
    args_b = _scorer_args(names, group_b, free_port(), out_b)
    a = spawn("consumers.scorer", _scorer_args(names, group_a, free_port()), tmp_path / "a.log", **env)
    b = spawn("consumers.scorer", args_b, tmp_path / "b.log", **env)
    p_args = ["--group", f"fp-{unique}", "--metrics-port", str(free_port()),
              "--transactions-topic", names[topics.TRANSACTIONS], "--decisions-topic", out_b]
    p = spawn("consumers.persister", p_args, tmp_path / "p.log", **env)
    scorer_recovery: list[float] = []
    starts = 1  # "scorer started" is logged once its signal handlers are in place (a SIGTERM then stops it cleanly)
    persister_kills = 0
    persister_points = iter(_kill_points(rng, PERSISTER_KILLS))

    def persisted() -> int:  # decisions (+ transaction markers) the persister has written and committed
        return committed_total(kafka_bootstrap, f"fp-{unique}", out_b)

    def kill_persister(proc):
        nonlocal persister_kills
        proc.kill()
        proc.wait()
        persister_kills += 1
        return spawn("consumers.persister", p_args, tmp_path / "p.log", **env)

    next_persister = next(persister_points, None)
    try:
        for fraction in _kill_points(rng, SCORER_KILLS):
            wait_for(lambda f=fraction: committed_total(kafka_bootstrap, group_b, names[topics.TRANSACTIONS])
                     >= f * COUNT, 600, f"scorer B at {fraction:.0%}", [b], every=0.2)
            time.sleep(rng.uniform(0, 2.0))  # anywhere in the checkpoint cycle (2 s)
            b.kill()
            b.wait()
            at_kill = committed_total(kafka_bootstrap, group_b, names[topics.TRANSACTIONS])
            restarted = time.monotonic()
            b = spawn("consumers.scorer", args_b, tmp_path / "b.log", **env)
            starts += 1
            wait_for(lambda n=starts: _started(tmp_path / "b.log") >= n, 300, "scorer B's restart", [b], every=0.2)
            if at_kill < COUNT:
                wait_for(lambda k=at_kill: committed_total(kafka_bootstrap, group_b, names[topics.TRANSACTIONS]) > k,
                         300, "scorer B's progress after a restart", [b], every=0.2)
                scorer_recovery.append(time.monotonic() - restarted)
            if next_persister is not None and persisted() >= next_persister * COUNT:
                p = kill_persister(p)
                next_persister = next(persister_points, None)
        while next_persister is not None:  # the persister's points it had not reached while B was killed
            wait_for(lambda f=next_persister: persisted() >= f * COUNT, 600, "the persister's next point", [p],
                     every=0.2)
            p = kill_persister(p)
            next_persister = next(persister_points, None)
        wait_for(lambda: _all_committed(kafka_bootstrap, group_a, names), 900, "scorer A done", [a])
        wait_for(lambda: _all_committed(kafka_bootstrap, group_b, names), 900, "scorer B done", [b])
        ids = list(run.fraud)
        wait_for(lambda: count_rows(cql, "decisions", ids) == COUNT, 900, "one row per transaction", [p], every=5)
        assert stop(a) == 0 and stop(b) == 0 and stop(p) == 0
    finally:
        for proc in (a, b, p):
            if proc.poll() is None:
                proc.kill()
    assert_exactly_once_with_the_reference_features(kafka_bootstrap, run.fraud, names[topics.DECISIONS], out_b)
    assert count_rows(cql, "decisions", ids) == COUNT
    print(f"\n{COUNT} transactions, scorer killed -9 {SCORER_KILLS}x, persister {persister_kills}x: 0 lost, "
          f"0 doubled; scorer restart -> new progress: median {statistics.median(scorer_recovery):.1f} s, "
          f"max {max(scorer_recovery):.1f} s over {len(scorer_recovery)} restarts")
    _drop_topics(kafka_bootstrap, names | {"b": out_b})
