"""The stream layer's "done when", on the platform's own services and topics, through the commands a user
types: `./fraudctl stream --count N` -> exactly N new rows in `fraud.decisions`, every decision on
`fraud_topic` with the fixed fields; 50 malformed payloads -> `transaction_dlq` with reasons; kill -9 of
the scorer and the persister mid-stream, then `./fraudctl up` -> still exactly one decision per transaction."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from fraud_domain import topics
from fraud_domain.schema import parse_decision
from tests.support.stream import count_rows, ends, kafka_args, malformed_payloads, records_since, wait_for

ROOT = Path(__file__).resolve().parents[2]
COUNT = 5000


def fraudctl(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "fraudctl"), *args], cwd=ROOT, env={**os.environ, "FRAUD_ROOT": str(ROOT)},
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def stream(platform, start_full):
    """The scorer and persister services running, and nothing else publishing to transaction_topic."""
    platform.supervisor.stop("stream-producer")  # a no-op unless it runs
    assert not platform.supervisor.is_up("stream-producer")
    return start_full("scorer", "persister")


def publish(bootstrap: str, count: int, *extra: str) -> list[str]:
    """`./fraudctl stream --count` with a fresh seed; returns the ids of exactly the records it published."""
    before = ends(bootstrap, topics.TRANSACTIONS)
    result = fraudctl("stream", "--count", str(count), "--seed", str(random.randrange(1, 2**31)), *extra)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    ids = [json.loads(r.value)["transaction_id"] for r in records_since(bootstrap, topics.TRANSACTIONS, before)]
    assert len(ids) == len(set(ids)) == count
    return ids


def test_stream_count_gives_exactly_n_new_decisions_with_the_fixed_fields(stream, kafka_bootstrap, cql) -> None:
    before = ends(kafka_bootstrap, topics.DECISIONS)
    ids = publish(kafka_bootstrap, COUNT)
    wait_for(lambda: count_rows(cql, "decisions", ids) == COUNT, 600, f"{COUNT} rows in fraud.decisions", every=3)
    time.sleep(5)
    assert count_rows(cql, "decisions", ids) == COUNT  # and stays there
    ours = set(ids)
    decisions = [parse_decision(r.value) for r in records_since(kafka_bootstrap, topics.DECISIONS, before)]
    mine = [d for d in decisions if d.transaction_id in ours]
    assert {d.transaction_id for d in mine} == ours  # every transaction decided, with every fixed field valid
    assert all(0.0 <= d.score <= 1.0 and d.decision in ("approve", "review", "block") for d in mine)


def test_malformed_payloads_reach_the_dlq_with_reasons(stream, kafka_bootstrap) -> None:
    from kafka import KafkaProducer

    good = json.loads(records_since(kafka_bootstrap, topics.TRANSACTIONS,
                                    {p: max(0, o - 1) for p, o in ends(kafka_bootstrap, topics.TRANSACTIONS).items()
                                     if o})[0].value)
    marker = f"e2e-{uuid.uuid4().hex}".encode()
    bad = malformed_payloads(good)
    before = ends(kafka_bootstrap, topics.DLQ)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, **kafka_args())
    for payload in bad:
        producer.send(topics.TRANSACTIONS, key=marker, value=payload)
    producer.flush()
    producer.close()

    def arrived() -> list:
        return [r for r in records_since(kafka_bootstrap, topics.DLQ, before) if r.key == marker]

    wait_for(lambda: len(arrived()) >= len(bad), 300, "50 payloads on transaction_dlq", every=2)
    dead = arrived()
    assert sorted(r.value for r in dead) == sorted(bad)  # each once, original bytes
    assert all(dict(r.headers)["dlq.reason"] for r in dead)


def test_kill_9_of_scorer_and_persister_then_up_still_one_decision_per_transaction(stream, kafka_bootstrap,
                                                                                   cql) -> None:
    before = ends(kafka_bootstrap, topics.TRANSACTIONS)
    producer = subprocess.Popen([str(ROOT / "fraudctl"), "stream", "--count", str(COUNT), "--rate", "400",
                                 "--seed", str(random.randrange(1, 2**31))], cwd=ROOT,
                                env={**os.environ, "FRAUD_ROOT": str(ROOT)}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
    time.sleep(6)  # mid-stream: some decided and persisted, most not yet published
    status = json.loads(fraudctl("status", "--json").stdout)
    pids = {row["name"]: row["pid"] for row in status["services"] if row["name"] in ("scorer", "persister")}
    assert all(pids.values()), pids
    for pid in pids.values():
        os.kill(pid, signal.SIGKILL)
    _, err = producer.communicate(timeout=600)
    assert producer.returncode == 0, err[-2000:]
    up = fraudctl("up", "--skip-setup", "--service", "scorer", "--service", "persister")
    assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-2000:]
    status = json.loads(fraudctl("status", "--json").stdout)
    after = {row["name"]: row["pid"] for row in status["services"] if row["name"] in pids}
    assert all(after[name] and after[name] != pid for name, pid in pids.items()), (pids, after)

    ids = [json.loads(r.value)["transaction_id"] for r in records_since(kafka_bootstrap, topics.TRANSACTIONS, before)]
    assert len(set(ids)) == COUNT
    wait_for(lambda: count_rows(cql, "decisions", ids) == COUNT, 600, f"{COUNT} rows after kill -9 and up", every=3)
    time.sleep(5)
    assert count_rows(cql, "decisions", ids) == COUNT
