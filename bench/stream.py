"""Stream-layer benchmarks on the running Kafka and Cassandra (scripts, not tests). Own topics/groups per run.

    python bench/stream.py throughput --count 50000   # scorer vs raw Kafka pass-through, same run
    python bench/stream.py latency --rate 1000 --seconds 30
    python bench/stream.py persister --count 30000    # persister rows/s vs a raw cassandra-driver loop
    python bench/stream.py clients --count 50000      # raw pass-through: kafka-python vs confluent-kafka (librdkafka)

Run with the platform venv's python from the checkout (PYTHONPATH=.). Prints Markdown rows for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
import uuid
from pathlib import Path

import orjson

from consumers import kafka_io, producer
from fraud_domain import topics
from fraud_platform.kafka_topics import ensure_topics
from fraud_runtime.context import Context
from fraud_runtime.services.kafka import Kafka
from tests.support.stream import end_total, free_port, metric, spawn, stop, wait_for

ROOT = Path(__file__).resolve().parents[1]

BOOT = ""  # the platform's Kafka (KAFKA_BOOTSTRAP_SERVERS or the local broker), set in main()
LOG = Path("/tmp")


def _names(tag: str) -> dict[str, str]:
    names = {t: f"{t}_bench{tag}" for t in topics.ALL_TOPICS} | {"raw": f"raw_bench{tag}"}
    ensure_topics(BOOT, names.values(), partitions=6, replication_factor=1, retention_ms=3_600_000)
    return names


def _drop(names: dict[str, str]) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=BOOT)
    try:
        admin.delete_topics(list(names.values()))
    finally:
        admin.close()


def _pairs(ctx, customers: int = 5000):
    from fraud_domain.simulator import SimulatorConfig, iter_events, simulate
    from fraud_domain.tokenise import Tokeniser

    tok = Tokeniser(ctx.settings.tokenisation.key.get_secret_value().encode())
    return iter_events(simulate(SimulatorConfig(seed=1, n_customers=customers, n_terminals=2 * customers)), tok)


def _load(ctx, names, count: int) -> float:
    p = kafka_io.producer(BOOT, client_id="bench")
    t = time.perf_counter()
    producer.publish(_pairs(ctx), lambda tp, k, v: p.send(tp, key=k, value=v), count=count, rate=None,
                     live=False, topics=(names[topics.TRANSACTIONS], names[topics.LABELS]))
    p.flush()
    p.close()
    return count / (time.perf_counter() - t)


def _scorer(names, tag: str, port: int, out: str | None = None):
    return spawn("consumers.scorer", ["--group", f"bench-{tag}", "--metrics-port", str(port), "--no-model",
                                      "--transactions-topic", names[topics.TRANSACTIONS],
                                      "--decisions-topic", out or names[topics.DECISIONS],
                                      "--dlq-topic", names[topics.DLQ], "--labels-topic", names[topics.LABELS]],
                 LOG / f"bench-scorer-{tag}.log", STREAM_ALLOWED_LATENESS_SECONDS="31536000")


def raw_passthrough(src: str, dst: str, count: int) -> float:
    """Consume + produce with no work (same client settings as the scorer): records/s."""
    c = kafka_io.consumer(BOOT, f"raw-{uuid.uuid4().hex[:8]}", batch_size=2000, client_id="raw",
                          partition_fetch_bytes=65536)
    p = kafka_io.producer(BOOT, client_id="raw")
    c.subscribe([src])
    n, t = 0, None
    while n < count:
        for recs in c.poll(timeout_ms=200, max_records=2000).values():
            t = t or time.perf_counter()
            for r in recs:
                p.send(dst, key=r.key, value=r.value)
            n += len(recs)
        p.flush()
        c.commit()
    rate = n / (time.perf_counter() - t)
    c.close()
    p.close()
    return rate


def raw_passthrough_librdkafka(src: str, dst: str, count: int) -> float:
    """The same pass-through with confluent-kafka (a C client): the alternative to kafka-python, measured
    side by side before any switch (issue #3). Same semantics: no auto-commit, acks=all, idempotent."""
    from confluent_kafka import Consumer, Producer

    c = Consumer({"bootstrap.servers": BOOT, "group.id": f"raw-rd-{uuid.uuid4().hex[:8]}",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    p = Producer({"bootstrap.servers": BOOT, "acks": "all", "enable.idempotence": True, "linger.ms": 5})
    c.subscribe([src])
    n, t = 0, None
    while n < count:
        msgs = c.consume(num_messages=2000, timeout=0.2)
        if msgs:
            t = t or time.perf_counter()
            for m in msgs:
                if m.error() is None:
                    p.produce(dst, value=m.value(), key=m.key())
            n += len(msgs)
            p.flush()
            c.commit(asynchronous=False)
    rate = n / (time.perf_counter() - t)
    c.close()
    return rate


def clients(ctx, count: int) -> None:
    tag = uuid.uuid4().hex[:8]
    names = _names(tag)
    _load(ctx, names, count)
    src, dst = names[topics.TRANSACTIONS], names["raw"]
    rates = {"kafka-python": [], "confluent-kafka": []}
    for _ in range(2):  # interleaved, so both see the same background noise
        rates["kafka-python"].append(raw_passthrough(src, dst, count))
        rates["confluent-kafka"].append(raw_passthrough_librdkafka(src, dst, count))
    _drop(names)
    py, rd = (sum(v) / len(v) for v in rates.values())
    print(f"| raw pass-through ({count:,} rec, consume + produce + commit per batch) | kafka-python "
          f"{py:,.0f} rec/s | confluent-kafka {rd:,.0f} rec/s | ratio {rd / py:.1f}x |")


def throughput(ctx, count: int) -> None:
    tag = uuid.uuid4().hex[:8]
    names = _names(tag)
    load = _load(ctx, names, count)
    raw_before = raw_passthrough(names[topics.TRANSACTIONS], names["raw"], count)
    port = free_port()
    s = _scorer(names, tag, port)
    wait_for(lambda: metric(port, "fraud_stream_consumed_total", topic=names[topics.TRANSACTIONS]) > 0, 120,
             "scorer start", [s], every=0.05)
    t = time.perf_counter()
    wait_for(lambda: end_total(BOOT, names[topics.DECISIONS]) >= count, 1800, "scorer done", [s], every=0.2)
    scorer = count / (time.perf_counter() - t)
    stop(s)
    # The machine is shared and noisy: the baseline is the mean of a pass-through before and after the scorer.
    raw = (raw_before + raw_passthrough(names[topics.TRANSACTIONS], names["raw"], count)) / 2
    _drop(names)
    print(f"| scorer throughput ({count:,} tx, Kafka in the loop) | {scorer:,.0f} tx/s | raw pass-through "
          f"{raw:,.0f} rec/s | ratio {scorer / raw:.0%} | (producer loaded {load:,.0f} tx/s) |")


def produce(ctx, tx_topic: str, labels_topic: str, count: int, rate: float) -> None:
    """The latency run's load, in a process of its own (so it does not share a GIL with the measurement)."""
    p = kafka_io.producer(BOOT, client_id="bench-latency", linger_ms=1)
    producer.publish(_pairs(ctx), lambda tp, k, v: p.send(tp, key=k, value=v), count=count, rate=rate, live=True,
                     topics=(tx_topic, labels_topic))
    p.flush()
    p.close()


def latency(ctx, rate: float, seconds: float) -> None:
    """Event produced (record timestamp, set by the producer process) -> its decision read back here."""
    import subprocess

    from kafka import KafkaConsumer, TopicPartition

    tag = uuid.uuid4().hex[:8]
    names = _names(tag)
    port = free_port()
    s = _scorer(names, tag, port)
    wait_for(lambda: metric(port, "fraud_stream_model_info") > 0, 120, "scorer start", [s], every=0.2)
    time.sleep(8)  # group join
    c = KafkaConsumer(bootstrap_servers=BOOT, check_crcs=False)
    tps = [TopicPartition(names[topics.DECISIONS], p) for p in range(6)]
    c.assign(tps)
    c.seek_to_end(*tps)
    for tp in tps:
        c.position(tp)
    count = int(rate * seconds)
    load = subprocess.Popen([sys.executable, __file__, "produce", "--tx-topic", names[topics.TRANSACTIONS],
                             "--labels-topic", names[topics.LABELS], "--count", str(count), "--rate", str(rate)],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    from datetime import datetime

    lat: list[float] = []
    waited: list[float] = []  # produced -> the scorer's batch started (its decision's scored_at)
    end = time.time() + seconds + 60
    while len(lat) < count and time.time() < end:
        for recs in c.poll(timeout_ms=100).values():
            now = time.time() * 1000
            lat += [now - r.timestamp for r in recs]
            for r in recs:
                scored = orjson.loads(r.value)["scored_at"]
                waited.append(datetime.fromisoformat(scored.replace("Z", "+00:00")).timestamp() * 1000 - r.timestamp)
    load.wait(60)
    stop(s)
    _drop(names)

    def q(values: list[float], f: float) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, int(f * len(values)))]

    print(f"| end-to-end latency @ {rate:,.0f} tx/s ({len(lat):,}/{count:,} received) | p50 {q(lat, .5):.1f} ms | "
          f"p95 {q(lat, .95):.1f} ms | p99 {q(lat, .99):.1f} ms | of which produced -> scorer batch start: p50 "
          f"{q(waited, .5):.1f} ms, p99 {q(waited, .99):.1f} ms |")


def persister(ctx, count: int) -> None:
    from datetime import UTC, datetime

    from consumers import persister_rows as rows
    from fraud_domain.schema import Decision, decision_to_json
    from fraud_platform.clients import cassandra_cluster

    tag = uuid.uuid4().hex[:8]
    names = _names(tag)
    p = kafka_io.producer(BOOT, client_id="bench")
    raws = []
    for ev, _ in itertools.islice(_pairs(ctx), 2 * count):
        d = Decision(transaction_id=ev.transaction_id, event_time=ev.event_time, scored_at=datetime.now(UTC),
                     score=0.9, decision="review", reasons=("velocity",), features={"tx_amount": ev.amount},
                     customer_id=ev.customer_id, terminal_id=ev.terminal_id, amount=ev.amount)
        raw = decision_to_json(d)
        if len(raws) < count:
            p.send(names[topics.DECISIONS], key=str(ev.customer_id).encode(), value=raw)
        raws.append(raw)
    p.flush()
    # Raw baseline: the same rows (decisions + minute + alert, fresh ids) as single-row prepared inserts.
    cluster = cassandra_cluster(["127.0.0.1"], 9042)
    session = cluster.connect("fraud")
    from cassandra.concurrent import execute_concurrent_with_args

    stmts = {t: session.prepare(f"INSERT INTO {t} ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})")
             for t, c in (("decisions", rows.DECISION_COLUMNS), ("decisions_by_minute", rows.MINUTE_COLUMNS),
                          ("alerts_by_day", rows.ALERT_COLUMNS))}
    mapped = [rows.decision_rows(r) for r in raws[count:]]
    t = time.perf_counter()
    for i, table in enumerate(("decisions", "decisions_by_minute", "alerts_by_day")):
        execute_concurrent_with_args(session, stmts[table], [m[i] for m in mapped], concurrency=128)
    raw_rate = 3 * count / (time.perf_counter() - t)
    cluster.shutdown()
    port = free_port()
    s = spawn("consumers.persister", ["--group", f"bench-{tag}", "--metrics-port", str(port),
                                      "--transactions-topic", names[topics.TRANSACTIONS],
                                      "--decisions-topic", names[topics.DECISIONS]], LOG / f"bench-p-{tag}.log")
    wait_for(lambda: metric(port, "fraud_stream_consumed_total") > 0, 120, "persister start", [s], every=0.05)
    t = time.perf_counter()
    wait_for(lambda: metric(port, "fraud_stream_rows_written_total", table="decisions") >= count, 1800,
             "persister done", [s], every=0.2)
    rate = metric(port, "fraud_stream_rows_written_total") / (time.perf_counter() - t)
    stop(s)
    _drop(names)
    print(f"| persister ({count:,} decisions -> 3 tables) | {rate:,.0f} rows/s | raw driver loop "
          f"{raw_rate:,.0f} rows/s | ratio {rate / raw_rate:.0%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("throughput").add_argument("--count", type=int, default=50_000)
    lat = sub.add_parser("latency")
    lat.add_argument("--rate", type=float, default=1000)
    lat.add_argument("--seconds", type=float, default=30)
    sub.add_parser("persister").add_argument("--count", type=int, default=30_000)
    sub.add_parser("clients").add_argument("--count", type=int, default=50_000)
    load = sub.add_parser("produce", help="(internal) the latency run's producer process")
    load.add_argument("--tx-topic", required=True)
    load.add_argument("--labels-topic", required=True)
    load.add_argument("--count", type=int, required=True)
    load.add_argument("--rate", type=float, required=True)
    args = parser.parse_args()
    ctx = Context.load()
    global BOOT
    BOOT = Kafka(ctx).bootstrap_servers
    if args.what == "produce":
        produce(ctx, args.tx_topic, args.labels_topic, args.count, args.rate)
        return
    if args.what == "throughput":
        throughput(ctx, args.count)
    elif args.what == "latency":
        latency(ctx, args.rate, args.seconds)
    elif args.what == "clients":
        clients(ctx, args.count)
    else:
        persister(ctx, args.count)
    print(f"(measured {time.strftime('%Y-%m-%d', time.gmtime())} on a 2-core/24 GiB shared VM)")


if __name__ == "__main__":
    main()
