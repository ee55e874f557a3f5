"""Fault suite, long variant (issue #15 item 3; marker ``faults``, run by `./fraudctl benchmark faults`):
the engines killed -9 under a running stream and brought back by the platform's supervisor alone.

A 100,000-transaction stream is scored once with every engine up (scorer A: the reference run). Then
scorer B and a persister take the same input while the Kafka broker is killed -9 at 3 seeded points of B's
progress and Cassandra at 2; nothing but supervisord restarts them. B and the persister are only restarted
if they exit by themselves (the supervisor's job; exits must be non-zero, each counted). Then, counted by
``transaction_id``: one decision per transaction on B's topic (a ``read_committed`` reader's view), B's
feature vectors equal A's, one row per transaction in ``fraud.decisions``, and nothing in the DLQ.

The transactions API and the Airflow scheduler are killed -9 too and must come back healthy by themselves.
Each engine's seconds from kill to healthy again are printed (BENCHMARKS.md "Fault suite").
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import UTC, datetime

import pytest
import requests

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
    read_all,
    spawn,
    stop,
    wait_for,
)

pytestmark = pytest.mark.faults

COUNT = int(os.environ.get("FAULT_STREAM_COUNT", "100000"))
SEED = int(os.environ.get("FAULT_SEED", "15"))
KILLS = {"kafka": 3, "cassandra": 2}
CLIENT = "confluent-kafka"


def kill_and_wait_back(platform, service) -> float:
    """kill -9 ``service``'s process through supervisord, then wait until supervisord has started a new one
    and the service's own probe passes: the seconds from the kill to healthy again."""
    old = platform.supervisor.info(service.name)["pid"]
    killed = time.monotonic()
    platform.supervisor.signal(service.name, "KILL")
    wait_for(lambda: (platform.supervisor.info(service.name) or {}).get("pid") not in (0, old), 120,
             f"supervisord to restart {service.name}", every=0.2)
    platform.wait_ready(service)
    return time.monotonic() - killed


def rows_once_up(cql, ids: list[str]) -> int:
    """``count_rows``, or -1 while the test's own long-lived session still has the restarted node marked down
    (it retries the node every <= 10 s; a new connection, like the probe's, gets in at once)."""
    from cassandra import OperationTimedOut
    from cassandra.cluster import NoHostAvailable

    try:
        return count_rows(cql, "decisions", ids)
    except (NoHostAvailable, OperationTimedOut):
        return -1


class Supervised:
    """A consumer process the test supervises like supervisord would: restarted when it exits."""

    def __init__(self, module: str, args: list[str], log, env: dict[str, str]) -> None:
        self.module, self.args, self.log, self.env = module, args, log, env
        self.exits: list[int] = []
        self.proc = spawn(module, args, log, **env)

    def tend(self) -> None:
        if self.proc.poll() is not None:
            self.exits.append(self.proc.returncode)
            self.proc = spawn(self.module, self.args, self.log, **self.env)


def test_kafka_and_cassandra_killed_mid_stream_come_back_and_lose_nothing(
        ctx, platform, services, kafka_bootstrap, cql, tmp_path) -> None:
    rng = random.Random(SEED)
    unique = uuid.uuid4().hex[:10]
    names = _topics(kafka_bootstrap, unique, "e")
    out_b = f"{names[topics.DECISIONS]}_b"
    from fraud_platform.kafka_topics import ensure_topics

    ensure_topics(kafka_bootstrap, [out_b], access=admin_access(),
                  partitions=6, replication_factor=1, retention_ms=86_400_000)
    run = _publish(ctx, kafka_bootstrap, names, seed=SEED, count=COUNT)
    env = fast(CLIENT) | {"STREAM_CHECKPOINT_SECONDS": "2", "STREAM_RETRY_MAX_SECONDS": "2"}
    group_a, group_b = f"ea-{unique}", f"eb-{unique}"
    a = spawn("consumers.scorer", _scorer_args(names, group_a, free_port()), tmp_path / "a.log", **env)
    wait_for(lambda: _all_committed(kafka_bootstrap, group_a, names), 900, "scorer A done", [a])
    assert stop(a) == 0

    b = Supervised("consumers.scorer", _scorer_args(names, group_b, free_port(), out_b), tmp_path / "b.log", env)
    p = Supervised("consumers.persister", ["--group", f"ep-{unique}", "--metrics-port", str(free_port()),
                                           "--transactions-topic", names[topics.TRANSACTIONS],
                                           "--decisions-topic", out_b], tmp_path / "p.log", env)
    schedule = sorted((rng.uniform(0.05, 0.9), engine) for engine, n in KILLS.items() for _ in range(n))
    recovered: dict[str, list[float]] = {engine: [] for engine in KILLS}

    def progress() -> int:
        b.tend()
        p.tend()
        return committed_total(kafka_bootstrap, group_b, names[topics.TRANSACTIONS])

    try:
        for fraction, engine in schedule:
            wait_for(lambda f=fraction: progress() >= f * COUNT, 900, f"scorer B at {fraction:.0%}", every=0.2)
            time.sleep(rng.uniform(0, 2.0))  # anywhere in the checkpoint cycle (2 s)
            recovered[engine].append(kill_and_wait_back(platform, services[engine]))
        wait_for(lambda: progress() >= COUNT and _all_committed(kafka_bootstrap, group_b, names), 900,
                 "scorer B done")
        ids = list(run.fraud)
        wait_for(lambda: (p.tend(), rows_once_up(cql, ids))[1] == COUNT, 900, "one row per transaction", every=5)
        assert stop(b.proc) == 0 and stop(p.proc) == 0
    finally:
        for proc in (a, b.proc, p.proc):
            if proc.poll() is None:
                proc.kill()
    assert all(code != 0 for code in b.exits + p.exits), "a consumer that stopped early must not exit 0"
    assert_exactly_once_with_the_reference_features(kafka_bootstrap, run.fraud, names[topics.DECISIONS], out_b)
    assert read_all(kafka_bootstrap, names[topics.DLQ]) == []
    print(f"\n{COUNT} transactions; Kafka killed -9 {KILLS['kafka']}x, Cassandra {KILLS['cassandra']}x: 0 lost, "
          f"0 doubled, features equal; kill -> healthy: "
          + ", ".join(f"{e} {', '.join(f'{s:.0f}' for s in secs)} s" for e, secs in recovered.items())
          + f"; consumer exits: scorer {b.exits or 'none'}, persister {p.exits or 'none'}")
    _drop_topics(kafka_bootstrap, names | {"b": out_b})


def test_the_api_and_the_airflow_scheduler_killed_come_back_by_themselves(platform, start_full) -> None:
    """Each one's own probe passes again: the API's /healthz, and Airflow's health reporting a scheduler
    heartbeat from the new process (one newer than the kill: the old process's stays fresh for a while)."""
    started = start_full("transactions-api", "airflow-scheduler")
    seconds = {"transactions-api": kill_and_wait_back(platform, started["transactions-api"])}
    scheduler = started["airflow-scheduler"]
    killed_at = datetime.now(UTC)
    began = time.monotonic()
    kill_and_wait_back(platform, scheduler)

    def beat_after_kill() -> bool:
        health = requests.get(f"{scheduler.api_url}/api/v2/monitor/health", timeout=10).json()
        beat = (health.get("scheduler") or {}).get("latest_scheduler_heartbeat")
        return beat is not None and datetime.fromisoformat(beat) > killed_at

    wait_for(beat_after_kill, 180, "a heartbeat of the restarted scheduler", every=1)
    seconds["airflow-scheduler"] = time.monotonic() - began
    print("\nkill -9 -> healthy again: " + ", ".join(f"{name} {s:.1f} s" for name, s in seconds.items()))
