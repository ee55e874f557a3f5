"""The live stream's decisions as a fraud team sees them: ``fraudctl benchmark live [--minutes M] [--json]``.

Against the running platform (the ``stream-producer`` on): it notes the end of ``fraud_topic``, waits ``--minutes``,
then reads every decision published meanwhile (``read_committed``, as a bank's blocking service would) and
prints the alert rate (review + block), the rules and model features named as reasons, the model versions and
the mean of each feature.

The live labels arrive a chargeback delay later (the persister's ``fraud.decision_quality_by_day`` has them a
week on), but the live bank is deterministic: ``--truth`` re-draws the days the decisions cover (the
``stream-producer``'s bank: its defaults and ``STREAM_RATE``, or ``--rate``) and joins them by transaction id,
so the fraud rate, precision and recall of the window are known now. ``--json`` ends with one JSON line:
{"minutes", "decisions", "alert_rate", "decisions_by_outcome", "reasons", "model_versions", "feature_means",
"truth": {"joined", "fraud_rate", "precision", "recall", "alerts_per_fraud"} | null}. ``--bank-cost`` only draws
the bank at the rate and prints what it costs (seconds, rows, peak memory).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import orjson

from consumers import kafka_io
from fraud_domain import topics
from fraud_runtime.context import Context
from fraud_runtime.services.kafka import Kafka
from tests.support.stream import admin_access


def truth(decided: dict[str, tuple[bool, datetime]], rate: float, label_delay_seconds: int) -> dict:
    """Precision and recall of ``decided`` (transaction id -> (alerted, event time)) against the live bank."""
    from consumers.stream_producer import service_bank_config
    from fraud_domain.simulator.events import transaction_uuid
    from fraud_domain.simulator.live import LiveBank

    bank = LiveBank(service_bank_config(rate, label_delay_seconds))
    times = [when for _, when in decided.values()]
    first, last = min(times), max(times)
    is_fraud: dict[str, bool] = {}
    day = first.date()
    while day <= last.date():
        sim = bank.day(day)
        frame = sim.transactions
        frame = frame[frame.TX_DATETIME.between(first.replace(tzinfo=None), last.replace(tzinfo=None))]
        is_fraud.update((transaction_uuid(sim.run_id, row), bool(fraud))
                        for row, fraud in zip(frame.TRANSACTION_ID.tolist(), frame.TX_FRAUD.tolist(), strict=True))
        day += timedelta(days=1)
    joined = [(alerted, is_fraud[tx]) for tx, (alerted, _) in decided.items() if tx in is_fraud]
    tp = sum(1 for a, f in joined if a and f)
    alerts, frauds = sum(1 for a, _ in joined if a), sum(1 for _, f in joined if f)
    return {"joined": len(joined), "fraud_rate": frauds / len(joined) if joined else 0.0,
            "precision": tp / alerts if alerts else 0.0, "recall": tp / frauds if frauds else 0.0,
            "alerts_per_fraud": alerts / frauds if frauds else 0.0}


def measure(bootstrap: str, minutes: float) -> tuple[dict, dict[str, tuple[bool, datetime]]]:
    reader = kafka_io.consumer(bootstrap, None, access=admin_access(), batch_size=20_000,
                               client_id="bench-live-reader", client="confluent-kafka")
    try:
        tps = reader.partitions(topics.DECISIONS)
        starts = reader.end_offsets(tps)
        time.sleep(minutes * 60)
        ends = reader.end_offsets(tps)
        reader.assign(tps)
        for tp in tps:
            reader.seek(tp, starts[tp])
        outcomes, reasons, versions = Counter[str](), Counter[str](), Counter[str]()
        sums, counts = Counter[str](), Counter[str]()
        decided: dict[str, tuple[bool, datetime]] = {}
        done = {tp for tp in tps if starts[tp] >= ends[tp]}
        idle = 0
        while len(done) < len(tps) and idle < 60:
            records = reader.poll(0.5, 20_000)
            idle = 0 if records else idle + 1
            for record in records:
                tp = kafka_io.TopicPartition(record.topic, record.partition)
                if record.offset >= ends[tp]:
                    done.add(tp)
                    continue
                decision = orjson.loads(record.value)
                outcomes[decision["decision"]] += 1
                decided[decision["transaction_id"]] = (decision["decision"] != "approve",
                                                       datetime.fromisoformat(decision["event_time"]))
                reasons.update(decision.get("reasons") or ())
                versions[decision.get("model_version", "none")] += 1
                for name, value in (decision.get("features") or {}).items():
                    sums[name] += value
                    counts[name] += 1
                if record.offset + 1 >= ends[tp]:
                    done.add(tp)
    finally:
        reader.close()
    total = sum(outcomes.values())
    alerts = outcomes["review"] + outcomes["block"]
    return {"minutes": minutes, "decisions": total, "alert_rate": alerts / total if total else 0.0,
            "decisions_by_outcome": dict(outcomes), "reasons": dict(reasons.most_common()),
            "model_versions": dict(versions),
            "feature_means": {k: sums[k] / counts[k] for k in sorted(sums)}}, decided


def bank_cost(rate: float) -> dict:
    """What the stream-producer's bank costs at ``rate``: seconds to draw the profiles and one day, the day's
    size and fraud rate, and this process's peak resident memory."""
    import resource

    from consumers.stream_producer import service_bank_config
    from fraud_domain.simulator.live import LiveBank

    started = time.perf_counter()
    bank = LiveBank(service_bank_config(rate, None))
    drawn = time.perf_counter()
    day = bank.day(datetime.now(UTC).date()).transactions
    done = time.perf_counter()
    return {"rate": rate, "customers": bank.config.n_customers, "terminals": bank.config.n_terminals,
            "profiles_s": round(drawn - started, 2), "day_s": round(done - drawn, 2), "day_rows": len(day),
            "day_fraud_rate": float(day.TX_FRAUD.mean()),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="How long to watch fraud_topic.")
    parser.add_argument("--truth", action="store_true", help="Join the decisions with the live bank's own frauds "
                        "(re-drawn: ~1 GiB and ~30 s at 20 tx/s).")
    parser.add_argument("--rate", type=float, default=None, help="The stream-producer's rate (default STREAM_RATE).")
    parser.add_argument("--json", action="store_true", help="End with one JSON line.")
    parser.add_argument("--bank-cost", action="store_true", help="Only draw the bank at --rate (default "
                        "STREAM_RATE) and print what it costs; no platform needed.")
    args = parser.parse_args()
    ctx = Context.load()
    if args.bank_cost:
        cost = bank_cost(args.rate or ctx.settings.stream.rate)
        print(f"| {cost['rate']:g} tx/s | {cost['customers']:,} / {cost['terminals']:,} | {cost['profiles_s']} s "
              f"| {cost['day_s']} s | {cost['day_rows']:,} | {cost['day_fraud_rate']:.2%} "
              f"| {cost['peak_rss_mib']:,} MiB |")
        if args.json:
            print(orjson.dumps(cost).decode())
        return
    result, decided = measure(Kafka(ctx).bootstrap_servers, args.minutes)
    s = ctx.settings.stream
    result["truth"] = truth(decided, args.rate or s.rate, s.label_delay_seconds) if args.truth and decided else None
    print(f"| live decisions, {args.minutes:g} min | {result['decisions']:,} | alert rate "
          f"{result['alert_rate']:.2%} | {result['decisions_by_outcome']} |")
    print("reasons:", ", ".join(f"{k} {v:,}" for k, v in result["reasons"].items()) or "none")
    print("model versions:", result["model_versions"])
    print("feature means:", ", ".join(f"{k} {v:.3g}" for k, v in result["feature_means"].items()))
    if result["truth"]:
        t = result["truth"]
        print(f"against the bank: {t['joined']:,} joined, fraud rate {t['fraud_rate']:.2%}, precision "
              f"{t['precision']:.3f}, recall {t['recall']:.3f}, alerts per fraud {t['alerts_per_fraud']:.2f}")
    if args.json:
        print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
