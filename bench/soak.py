"""Soak (issue #15 item 6): a steady live stream through the running platform for an hour, every process's
memory sampled, the lag watched, and every transaction counted at the end. A benchmark, not a CI test.

    ./fraudctl up                                   # the full platform: its own services are the background
    ./fraudctl benchmark soak --minutes 60 --rate 1000 [--json]

Like the stream benchmarks it uses its own topics and consumer groups: a scorer (it polls the champion like the
platform's) and a persister, real processes logged in as the Kafka admin, fed at ``--rate`` tx/s (Poisson
arrivals, new ids, chargebacks one minute later) by a producer process. Every ``--every``
seconds it records the resident memory (the process and its children, from /proc) of every supervisord program
and of the soak's own processes, and the scorer's and the persister's lag (end offset - committed offset).
When the load stops the lag must drain; then every produced transaction is counted by id: one decision on the
decisions topic (a ``read_committed`` reader) and one row in ``fraud.decisions``.

Memory growth per process = last sample / first sample after the warm-up (``--warmup-minutes``) - 1; issue #15
asks for < 10 %. The scorer must hold every transaction of its longest horizon (a window plus its delay, and the
allowed lateness) for its features, so its state reaches its steady size only when event time has covered that
horizon: the events are timed on a clock running ``--time-scale`` times as fast as the wall clock (by default
just fast enough for the warm-up to cover the horizon), ending at the present. ``--time-scale 1`` is the live
clock, on which an hour's soak only measures a state still filling.

Prints Markdown rows for BENCHMARKS.md; ``--json`` ends with one JSON line: {"minutes", "rate", "time_scale",
"sent", "decided", "doubled", "lost", "rows", "max_lag": {...}, "rss_growth_pct": {...}}. The exit
status is 1 when a transaction is lost or doubled.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import orjson

from bench import stream as stream_bench
from consumers import kafka_io
from fraud_domain import topics
from fraud_domain.features.definitions import ENTITIES, retention
from fraud_platform.kafka_topics import ensure_topics
from fraud_runtime.context import Context
from fraud_runtime.lifecycle import Platform
from fraud_runtime.services.kafka import Kafka
from tests.support.stream import (
    admin_access,
    committed_total,
    count_rows,
    end_total,
    free_port,
    spawn,
    stop,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[1]
PARTITIONS = 6  # of the soak's topics
LABEL_DELAY = timedelta(minutes=1)  # chargebacks reach the scorer during the soak (7 days would never arrive)


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, MiB (0 when it is gone)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return total / 1024


def produce(ctx, tx_topic: str, labels_topic: str, count: int, rate: float, time_scale: float) -> None:
    """The load, in a process of its own (it must not share a GIL with the sampling)."""
    from consumers import producer
    from fraud_domain.simulator import SimulatorConfig
    from fraud_domain.simulator.live import LiveBank, bank_for_rate
    from fraud_domain.tokenise import Tokeniser

    tok = Tokeniser(ctx.settings.tokenisation.key.get_secret_value().encode())
    # The bank's customers keep the handbook's pace in event time: rate / time_scale tx per event-second.
    bank = LiveBank(bank_for_rate(rate / time_scale, SimulatorConfig(seed=1, label_delay=LABEL_DELAY)))
    p = kafka_io.producer(stream_bench.BOOT, access=admin_access(), client_id="bench-soak")
    # The bank's rate has a daily rhythm: the clock reaches the present a little after ``count`` should be sent.
    clock = producer.scaled_clock(time_scale, timedelta(seconds=count / rate * 1.05))
    producer.publish_live(bank, tok, lambda tp, k, v: p.send(tp, key=k, value=v), count=count,
                          topics=(tx_topic, labels_topic), clock=clock)
    p.flush()
    p.close()


def ids_on(topic: str) -> Counter[str]:
    """How many records (``read_committed``) each ``transaction_id`` has on ``topic``, read with librdkafka. The
    topic no longer grows: it is read until 3 s pass without a record (a minute for the first one)."""
    c = kafka_io.consumer(stream_bench.BOOT, None, access=admin_access(), batch_size=20_000,
                          client_id="bench-soak-reader", client="confluent-kafka")
    try:
        tps = c.partitions(topic)
        c.assign(tps)
        for tp in tps:
            c.seek_to_beginning(tp)
        counts, idle = Counter[str](), 0
        while idle < (6 if counts else 120):
            records = c.poll(0.5, 20_000)
            idle = 0 if records else idle + 1
            counts.update(orjson.loads(r.value)["transaction_id"] for r in records)
        return counts
    finally:
        c.close()


def rows_for(ctx, ids: list[str]) -> int:
    """Rows of ``fraud.decisions`` among ``ids``."""
    from fraud_platform.clients import cassandra_cluster

    ep = ctx.endpoints
    cluster = cassandra_cluster(ep.cassandra, login=ep.cassandra_login)
    try:
        return count_rows(cluster.connect("fraud"), "decisions", ids)
    finally:
        cluster.shutdown()


def default_time_scale(warmup_minutes: float, allowed_lateness: timedelta) -> float:
    """The event clock's speed at which the warm-up covers the scorer's longest horizon (its longest retention
    plus ``allowed_lateness``, the scorer's ``STREAM_ALLOWED_LATENESS_SECONDS``)."""
    horizon = max(retention(e) for e in ENTITIES) + allowed_lateness
    return max(1.0, horizon / timedelta(minutes=warmup_minutes))


def soak(ctx, minutes: float, rate: float, every: float, warmup: float, time_scale: float, as_json: bool) -> int:
    tag = uuid.uuid4().hex[:8]
    names = {t: f"{t}_soak{tag}" for t in topics.ALL_TOPICS}
    # Kept a day: every record must still be there for the count at the end.
    ensure_topics(stream_bench.BOOT, names.values(), access=admin_access(), partitions=PARTITIONS,
                  replication_factor=1, retention_ms=86_400_000)
    logs = Path("/tmp")
    scorer_group, persister_group = f"bench-soak-{tag}", f"bench-soakp-{tag}"
    scorer = spawn("consumers.scorer", ["--group", scorer_group, "--metrics-port", str(free_port()),
                                        "--transactions-topic", names[topics.TRANSACTIONS],
                                        "--decisions-topic", names[topics.DECISIONS], "--dlq-topic", names[topics.DLQ],
                                        "--labels-topic", names[topics.LABELS]], logs / f"soak-scorer-{tag}.log")
    persister = spawn("consumers.persister", ["--group", persister_group, "--metrics-port", str(free_port()),
                                              "--transactions-topic", names[topics.TRANSACTIONS],
                                              "--decisions-topic", names[topics.DECISIONS],
                                              "--labels-topic", names[topics.LABELS]],
                      logs / f"soak-persister-{tag}.log")
    time.sleep(10)  # both join their groups before the load starts
    count = int(rate * minutes * 60)
    load = subprocess.Popen([sys.executable, __file__, "produce", "--tx-topic", names[topics.TRANSACTIONS],
                             "--labels-topic", names[topics.LABELS], "--count", str(count), "--rate", str(rate),
                             "--time-scale", str(time_scale)],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    supervisor = Platform(ctx).supervisor

    def processes() -> dict[str, int]:
        found = {info["name"]: info["pid"] for info in supervisor.rpc.supervisor.getAllProcessInfo()
                 if info["pid"]} if supervisor.is_running() else {}
        return found | {"soak scorer": scorer.pid, "soak persister": persister.pid, "soak producer": load.pid}

    def lags() -> dict[str, int]:  # committed first, then the end: a lag is never negative
        tx, decisions = names[topics.TRANSACTIONS], names[topics.DECISIONS]
        done = {"scorer": committed_total(stream_bench.BOOT, scorer_group, tx),
                "persister": committed_total(stream_bench.BOOT, persister_group, decisions)}
        return {"scorer": end_total(stream_bench.BOOT, tx) - done["scorer"],
                "persister": end_total(stream_bench.BOOT, decisions) - done["persister"]}

    samples: list[tuple[float, dict[str, float], dict[str, int]]] = []
    started = time.monotonic()
    try:
        while load.poll() is None:
            for proc, what in ((scorer, "scorer"), (persister, "persister")):
                if proc.poll() is not None:
                    raise SystemExit(f"soak: the {what} exited with {proc.returncode}: "
                                     f"{logs}/soak-{what}-{tag}.log")
            rss = {name: rss_mib(pid) for name, pid in processes().items()}
            lag = lags()
            elapsed = time.monotonic() - started
            samples.append((elapsed, rss, lag))
            print(f"  {elapsed / 60:5.1f} min  scorer lag {lag['scorer']:>7,}  persister lag {lag['persister']:>7,}  "
                  f"rss {sum(rss.values()):,.0f} MiB in {len(rss)} processes", flush=True)
            time.sleep(every)
        if load.returncode != 0:
            raise SystemExit(f"soak: the producer exited with {load.returncode}")
        drained_in = time.monotonic()
        # The persister's lag may stay at one per partition: the scorer's last commit marker, never a record.
        wait_for(lambda: (lag := lags())["scorer"] <= 0 and lag["persister"] <= PARTITIONS, 900,
                 "the lag to drain", [scorer, persister], every=2)
        drained_in = time.monotonic() - drained_in
        sent = ids_on(names[topics.TRANSACTIONS])
        decided = ids_on(names[topics.DECISIONS])
        ids = list(sent)
        rows = rows_for(ctx, ids)
        stop(scorer)
        stop(persister)
    finally:  # an interrupted soak leaves no process and no topic of its own behind either
        for proc in (load, scorer, persister):
            if proc.poll() is None:
                proc.kill()
        stream_bench._drop(names)
    lost = sum(1 for i in sent if i not in decided)
    doubled = sum(1 for i in sent if decided.get(i, 0) > 1)
    after = [s for s in samples if s[0] >= warmup * 60] or samples[-1:]
    first, last = after[0][1], samples[-1][1]
    growth = {name: round((last[name] / first[name] - 1) * 100, 1) for name in sorted(first)
              if name in last and first[name] > 0}
    max_lag = {k: max(s[2][k] for s in samples) for k in ("scorer", "persister")}
    print(f"\n| soak, {minutes:g} min at {rate:,.0f} tx/s, full platform | {len(sent):,} sent "
          f"| {len(decided):,} decided | lost {lost} | doubled {doubled} | rows in fraud.decisions {rows:,} "
          f"| max lag scorer {max_lag['scorer']:,}, persister {max_lag['persister']:,} "
          f"| drained {drained_in:.0f} s after the load |")
    print("\n| process | RSS after warm-up (MiB) | RSS at the end (MiB) | growth |")
    print("|---|---|---|---|")
    for name, pct in sorted(growth.items(), key=lambda kv: -kv[1]):
        flag = " **> 10 %**" if pct > 10 else ""
        print(f"| {name} | {first[name]:,.0f} | {last[name]:,.0f} | {pct:+.1f} %{flag} |")
    print(f"(measured {time.strftime('%Y-%m-%d', time.gmtime())} on a 2-core/24 GiB shared VM; warm-up {warmup:g} min; "
          f"event time {time_scale:,.0f} x the wall clock: {timedelta(minutes=minutes) * time_scale} of it)")
    if as_json:
        print(orjson.dumps({"minutes": minutes, "rate": rate, "time_scale": time_scale, "sent": len(sent),
                            "decided": len(decided),
                            "doubled": doubled, "lost": lost, "rows": rows, "max_lag": max_lag,
                            "drained_seconds": round(drained_in, 1), "rss_growth_pct": growth}).decode())
    return 1 if lost or doubled or rows != len(sent) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60, help="How long the load runs (default 60).")
    parser.add_argument("--rate", type=float, default=1000, help="Transactions per second (default 1000).")
    parser.add_argument("--every", type=float, default=30, help="Seconds between samples (default 30).")
    parser.add_argument("--warmup-minutes", type=float, default=10, help="Growth is measured after this (10).")
    parser.add_argument("--time-scale", type=float, default=None,
                        help="Event time runs this many times as fast as the wall clock, ending now (default: "
                             "the warm-up covers the scorer's 30-day horizon; 1 = the live clock).")
    parser.add_argument("--json", action="store_true", help="End with one JSON line of the figures.")
    sub = parser.add_subparsers(dest="what")
    load = sub.add_parser("produce", help="(internal) the soak's producer process")
    load.add_argument("--tx-topic", required=True)
    load.add_argument("--labels-topic", required=True)
    load.add_argument("--count", type=int, required=True)
    load.add_argument("--rate", type=float, required=True)
    load.add_argument("--time-scale", type=float, required=True)
    args = parser.parse_args()
    ctx = Context.load()
    stream_bench.BOOT = Kafka(ctx).bootstrap_servers
    if args.what == "produce":
        produce(ctx, args.tx_topic, args.labels_topic, args.count, args.rate, args.time_scale)
        return 0
    # Stopped with SIGTERM (or SIGINT, which a background job ignores): the clean-up in ``soak``'s ``finally``
    # still runs, so no process and no topic of the soak is left behind.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    warmup = min(args.warmup_minutes, args.minutes / 2)
    lateness = timedelta(seconds=ctx.settings.stream.allowed_lateness_seconds)
    scale = default_time_scale(warmup, lateness) if args.time_scale is None else args.time_scale
    return soak(ctx, args.minutes, args.rate, args.every, warmup, scale, args.json)


if __name__ == "__main__":
    sys.exit(main())
