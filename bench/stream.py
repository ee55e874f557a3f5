"""Stream-layer benchmarks on the running Kafka and Cassandra (scripts, not tests). Own topics/groups per run.

    fraudctl benchmark stream throughput --count 50000  # scorer (both clients) vs the raw pass-through, same run
    fraudctl benchmark stream latency --rate 1000 --seconds 30 [--client confluent-kafka]
    fraudctl benchmark stream persister --count 30000   # persister rows/s vs the driver's best practice
    fraudctl benchmark stream clients --count 50000     # raw pass-through: kafka-python vs confluent-kafka
    fraudctl benchmark stream cpu --count 50000         # the scorer's work per tx (labels read) without Kafka vs orjson

Prints Markdown rows for BENCHMARKS.md; ``--json`` (before the sub-command) ends with one JSON line:
throughput {"client", "tx_per_s", "raw_pass_through_per_s", "runs"}, latency {"client", "rate", "p50_ms",
"p99_ms", …, "runs"}, persister {"rows_per_s", "raw_rows_per_s"}, cpu {"us_per_tx", "tx_per_s", "raw_us_per_tx",
"raw_per_s", "count", "labels"}. The scorer runs without a model
(``--no-model``): rules, features, state, Kafka.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
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
from tests.support.stream import admin_access, committed_total, free_port, kafka_args, metric, spawn, stop, wait_for

ROOT = Path(__file__).resolve().parents[1]

BOOT = ""  # the platform's Kafka (KAFKA_BOOTSTRAP_SERVERS or the local broker), set in main()
LOG = Path("/tmp")
# The raw pass-through fetches 1 MiB per partition (librdkafka's default): twice its rate with the scorer's
# 64 KiB (measured 24.2k vs 11.9k rec/s, 2026-12-04), so the baseline is the stronger of the two.
RAW_FETCH_BYTES = 1024 * 1024


def _names(tag: str) -> dict[str, str]:
    names = {t: f"{t}_bench{tag}" for t in topics.ALL_TOPICS} | {"raw": f"raw_bench{tag}"}
    ensure_topics(BOOT, names.values(), access=admin_access(),
                  partitions=6, replication_factor=1, retention_ms=3_600_000)
    return names


def _drop(names: dict[str, str]) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=BOOT, **kafka_args())
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
    p = kafka_io.producer(BOOT, access=admin_access(), client_id="bench")
    t = time.perf_counter()
    producer.publish(_pairs(ctx), lambda tp, k, v: p.send(tp, key=k, value=v), count=count, rate=None,
                     topics=(names[topics.TRANSACTIONS], names[topics.LABELS]))
    p.flush()
    p.close()
    return count / (time.perf_counter() - t)


def _scorer(names, tag: str, port: int, client: str, out: str | None = None):
    return spawn("consumers.scorer", ["--group", f"bench-{tag}", "--metrics-port", str(port), "--no-model",
                                      "--transactions-topic", names[topics.TRANSACTIONS],
                                      "--decisions-topic", out or names[topics.DECISIONS],
                                      "--dlq-topic", names[topics.DLQ], "--labels-topic", names[topics.LABELS]],
                 LOG / f"bench-scorer-{tag}.log", STREAM_ALLOWED_LATENESS_SECONDS="31536000", KAFKA_CLIENT=client)


def raw_passthrough(src: str, dst: str, count: int, client: str = kafka_io.DEFAULT_CLIENT, *,
                    decode: bool = True) -> float:
    """The least a Python scorer must do, records/s: consume every record, JSON-decode it (orjson), JSON-encode
    and produce it, commit per batch (acknowledgements asynchronous, as the scorer's). ``decode=False``: bytes
    through unchanged (the clients' own pass-through)."""
    c = kafka_io.consumer(BOOT, f"raw-{uuid.uuid4().hex[:8]}", access=admin_access(), batch_size=2000, client_id="raw",
                          partition_fetch_bytes=RAW_FETCH_BYTES, client=client)
    p = kafka_io.producer(BOOT, access=admin_access(), client_id="raw", client=client)
    c.subscribe([src], on_assigned=lambda tps: None, on_revoked=lambda tps: None)
    n, t = 0, None
    while n < count:
        records = c.poll(0.2, 2000)
        if records:
            t = t or time.perf_counter()
            for r in records:
                p.send(dst, key=r.key, value=orjson.dumps(orjson.loads(r.value)) if decode else r.value)
            n += len(records)
            p.poll()
            c.commit()
    p.flush()
    rate = n / (time.perf_counter() - t)
    c.close()
    p.close()
    return rate


def clients(ctx, count: int, as_json: bool) -> None:
    tag = uuid.uuid4().hex[:8]
    names = _names(tag)
    _load(ctx, names, count)
    src, dst = names[topics.TRANSACTIONS], names["raw"]
    rates: dict[str, list[float]] = {c: [] for c in kafka_io.CLIENTS}
    for _ in range(2):  # interleaved, so both see the same background noise
        for client in kafka_io.CLIENTS:
            rates[client].append(raw_passthrough(src, dst, count, client, decode=False))
    _drop(names)
    mean = {c: sum(v) / len(v) for c, v in rates.items()}
    rd, py = mean["confluent-kafka"], mean["kafka-python"]
    print(f"| raw pass-through ({count:,} rec, consume + produce + commit per batch) | kafka-python "
          f"{py:,.0f} rec/s | confluent-kafka {rd:,.0f} rec/s | ratio {rd / py:.1f}x |")
    _json(as_json, {"pass_through_per_s": {c: round(v) for c, v in mean.items()}})


RAW_PASSES = 3  # raw pass-throughs of the backlog before the scorer, and as many after it


def _throughput_one(ctx, count: int, client: str) -> dict:
    tag = uuid.uuid4().hex[:8]
    names = _names(tag)
    load = _load(ctx, names, count)
    raw_runs = [raw_passthrough(names[topics.TRANSACTIONS], names["raw"], count) for _ in range(RAW_PASSES)]
    port = free_port()
    s = _scorer(names, tag, port, client)
    wait_for(lambda: metric(port, "fraud_stream_consumed_total", topic=names[topics.TRANSACTIONS]) > 0, 120,
             "scorer start", [s], every=0.05)
    t = time.perf_counter()
    # Done when the scorer's transactions have committed every input offset (and so every decision with it).
    wait_for(lambda: committed_total(BOOT, f"bench-{tag}", names[topics.TRANSACTIONS]) >= count, 1800, "scorer done",
             [s], every=0.2)
    scorer = count / (time.perf_counter() - t)
    stop(s)
    # The machine is shared and noisy, and a pass-through of the backlog lasts about a second: the baseline is the
    # median of RAW_PASSES before and RAW_PASSES after the scorer.
    raw_runs += [raw_passthrough(names[topics.TRANSACTIONS], names["raw"], count) for _ in range(RAW_PASSES)]
    raw = statistics.median(raw_runs)
    _drop(names)
    print(f"| scorer throughput, {client} ({count:,} tx backlog, Kafka in the loop) | {scorer:,.0f} tx/s | raw "
          f"pass-through (C client, orjson decode + encode) {raw:,.0f} rec/s | ratio {scorer / raw:.0%} | "
          f"(backlog loaded at {load:,.0f} tx/s) |")
    return {"client": client, "tx_per_s": round(scorer), "raw_pass_through_per_s": round(raw)}


def throughput(ctx, count: int, chosen: list[str], as_json: bool) -> None:
    runs = [_throughput_one(ctx, count, client) for client in chosen]
    _json(as_json, runs[0] | {"runs": runs})


def produce(ctx, tx_topic: str, labels_topic: str, count: int, rate: float) -> None:
    """The latency run's load, in a process of its own (so it does not share a GIL with the measurement)."""
    p = kafka_io.producer(BOOT, access=admin_access(), client_id="bench-latency")
    producer.publish(_pairs(ctx), lambda tp, k, v: p.send(tp, key=k, value=v), count=count, rate=rate,
                     topics=(tx_topic, labels_topic))  # the simulation's own times: the latency is
    # measured from each record's produce timestamp, so the events need not be re-timed
    p.flush()
    p.close()


def _q(values: list[float], f: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(f * len(values)))] if values else float("nan")


def _latency_one(ctx, rate: float, seconds: float, client: str) -> dict:
    """Event produced (record timestamp, set by the producer process) -> its decision read back here."""
    import subprocess
    from datetime import datetime

    tag = uuid.uuid4().hex[:8]
    names = _names(tag)
    port = free_port()
    s = _scorer(names, tag, port, client)
    wait_for(lambda: metric(port, "fraud_stream_model_info") > 0, 120, "scorer start", [s], every=0.2)
    time.sleep(8)  # group join
    c = kafka_io.consumer(BOOT, None, access=admin_access(), batch_size=5000, client_id="bench-latency-reader")
    tps = c.partitions(names[topics.DECISIONS])
    c.assign(tps)
    for tp, end in c.end_offsets(tps).items():
        c.seek(tp, end)
    count = int(rate * seconds)
    load = subprocess.Popen([sys.executable, __file__, "produce", "--tx-topic", names[topics.TRANSACTIONS],
                             "--labels-topic", names[topics.LABELS], "--count", str(count), "--rate", str(rate)],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    lat: list[float] = []
    waited: list[float] = []  # produced -> the scorer's batch started (its decision's scored_at)
    end = time.time() + seconds + 60
    while len(lat) < count and time.time() < end:
        records = c.poll(0.1, 5000)
        now = time.time() * 1000
        lat += [now - r.timestamp for r in records]
        for r in records:
            scored = orjson.loads(r.value)["scored_at"]
            waited.append(datetime.fromisoformat(scored.replace("Z", "+00:00")).timestamp() * 1000 - r.timestamp)
    load.wait(60)
    acked = _histogram_quantiles(port, "fraud_stream_produce_ack_seconds")
    stop(s)
    c.close()
    _drop(names)
    print(f"| decision latency, {client}, @ {rate:,.0f} tx/s ({len(lat):,}/{count:,} received) | p50 "
          f"{_q(lat, .5):.1f} ms | p95 {_q(lat, .95):.1f} ms | p99 {_q(lat, .99):.1f} ms | of which produced -> "
          f"scorer batch start: p50 {_q(waited, .5):.1f} ms, p99 {_q(waited, .99):.1f} ms; produce-ack "
          f"{acked} |")
    return {"client": client, "rate": rate, "p50_ms": round(_q(lat, .5), 2), "p99_ms": round(_q(lat, .99), 2),
            "p95_ms": round(_q(lat, .95), 2), "received": len(lat), "sent": count,
            "wait_p50_ms": round(_q(waited, .5), 2), "wait_p99_ms": round(_q(waited, .99), 2)}


def _histogram_quantiles(port: int, name: str) -> str:
    """The share of a histogram's observations within 1, 5 and 25 ms, read from the scorer's metrics."""
    total = metric(port, f"{name}_count")
    if not total:
        return "n/a"
    within = [metric(port, f"{name}_bucket", le=le) / total for le in ("0.001", "0.005", "0.025")]
    return " / ".join(f"{share:.0%} ≤ {ms} ms" for share, ms in zip(within, (1, 5, 25), strict=True))


def latency(ctx, rate: float, seconds: float, chosen: list[str], as_json: bool) -> None:
    runs = [_latency_one(ctx, rate, seconds, client) for client in chosen]
    _json(as_json, runs[0] | {"runs": runs})


def cpu(ctx, count: int, labels: bool, as_json: bool) -> None:
    from bench import scorer_cpu

    r = scorer_cpu.run(_pairs(ctx), count, labels=labels)
    print(f"| scorer's own work, no Kafka ({r['count']:,} tx, {r['labels']:,} labels, best of 3) | "
          f"{r['us_per_tx']} µs/tx = {r['tx_per_s']:,} tx/s | orjson decode + encode alone {r['raw_us_per_tx']} "
          f"µs/tx = {r['raw_per_s']:,} rec/s | ratio {r['raw_us_per_tx'] / r['us_per_tx']:.0%} |")
    _json(as_json, r)


def _json(enabled: bool, payload: dict) -> None:
    if enabled:
        print(f"(measured {time.strftime('%Y-%m-%d', time.gmtime())} on a 2-core/24 GiB shared VM)")
        print(orjson.dumps(payload).decode())


def persister(ctx, count: int, as_json: bool) -> None:
    from datetime import UTC, datetime

    from consumers import persister_rows as rows
    from fraud_domain.schema import Decision, decision_to_json
    from fraud_platform.clients import cassandra_cluster

    tag = uuid.uuid4().hex[:8]
    names = _names(tag)
    p = kafka_io.producer(BOOT, access=admin_access(), client_id="bench")
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
    ep = ctx.endpoints
    raw_rate = _raw_driver(cassandra_cluster(ep.cassandra, login=ep.cassandra_login),
                           [rows.decision_rows(r) for r in raws[count:]])
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
    print(f"| persister ({count:,} decisions -> decisions, decisions_by_minute, alerts_by_day, decision_labels) | "
          f"{rate:,.0f} rows/s | raw driver best practice (same rows) {raw_rate:,.0f} rows/s | ratio "
          f"{rate / raw_rate:.0%} |")
    _json(as_json, {"rows_per_s": round(rate), "raw_rows_per_s": round(raw_rate)})


def _raw_driver(cluster, mapped: list) -> float:
    """The driver's best practice for the same rows (the 4 tables a decision writes), rows/s: prepared
    statements, token-aware routing (the driver's default policy), one UNLOGGED batch per partition where
    rows share one (minute, day, hour), 256 requests in flight."""
    from collections import defaultdict

    from cassandra.concurrent import execute_concurrent
    from cassandra.query import BatchStatement, BatchType

    from consumers import persister_rows as rows

    session = cluster.connect("fraud")
    tables = (("decisions", rows.DECISION_COLUMNS), ("decisions_by_minute", rows.MINUTE_COLUMNS),
              ("alerts_by_day", rows.ALERT_COLUMNS), (rows.DECISION_LABELS, rows.JOINED_DECISION_COLUMNS))
    keys = {1: 1, 2: 1, 3: 2}  # leading partition-key values of the batched tables' rows
    stmts = [session.prepare(rows.insert_cql(t, c)) for t, c in tables]
    t = time.perf_counter()
    requests: list = [(stmts[0], m[0]) for m in mapped]
    n = len(mapped)
    for i, width in keys.items():
        by_partition: dict = defaultdict(list)
        for m in mapped:
            if m[i] is not None:
                by_partition[m[i][:width]].append(m[i])
        for values in by_partition.values():
            n += len(values)
            for start in range(0, len(values), 100):  # batches stay under the server's size warning
                batch = BatchStatement(batch_type=BatchType.UNLOGGED)
                for v in values[start:start + 100]:
                    batch.add(stmts[i], v)
                requests.append((batch, ()))
    execute_concurrent(session, requests, concurrency=256, raise_on_first_error=True)
    rate = n / (time.perf_counter() - t)
    cluster.shutdown()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="End with one JSON line of the figures.")
    sub = parser.add_subparsers(dest="what", required=True)
    clients_help = "Kafka client of the scorer (repeatable; default: both)."
    thr = sub.add_parser("throughput", help="scorer tx/s on a backlog vs the raw pass-through, same run")
    thr.add_argument("--count", type=int, default=50_000)
    thr.add_argument("--client", action="append", choices=kafka_io.CLIENTS, help=clients_help)
    lat = sub.add_parser("latency", help="produced -> decision readable, at a fixed rate")
    lat.add_argument("--rate", type=float, default=1000)
    lat.add_argument("--seconds", type=float, default=30)
    lat.add_argument("--client", action="append", choices=kafka_io.CLIENTS, help=clients_help)
    sub.add_parser("persister", help="persister rows/s vs the driver's best practice").add_argument(
        "--count", type=int, default=30_000)
    sub.add_parser("clients", help="raw pass-through of both clients").add_argument(
        "--count", type=int, default=50_000)
    cpu_args = sub.add_parser("cpu", help="the scorer's work per tx without Kafka vs orjson decode+encode alone")
    cpu_args.add_argument("--count", type=int, default=50_000)
    cpu_args.add_argument("--no-labels", dest="labels", action="store_false",
                          help="Read no labels (by default every transaction's label, as a backlog on Kafka holds).")
    for name in ("throughput", "latency", "persister", "clients", "cpu"):  # --json after the sub-command too
        sub.choices[name].add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                                       help="End with one JSON line of the figures.")
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
    chosen = getattr(args, "client", None) or list(kafka_io.CLIENTS)
    if args.what == "throughput":
        throughput(ctx, args.count, chosen, args.json)
    elif args.what == "latency":
        latency(ctx, args.rate, args.seconds, chosen, args.json)
    elif args.what == "clients":
        clients(ctx, args.count, args.json)
    elif args.what == "cpu":
        cpu(ctx, args.count, args.labels, args.json)
    else:
        persister(ctx, args.count, args.json)
    if not args.json:
        print(f"(measured {time.strftime('%Y-%m-%d', time.gmtime())} on a 2-core/24 GiB shared VM)")


if __name__ == "__main__":
    main()
