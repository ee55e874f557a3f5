"""The live stream's decisions as a fraud team sees them: ``fraudctl benchmark live [--minutes M] [--json]``.

Against the running platform (the ``stream-producer`` on): it notes the end of ``fraud_topic``, waits ``--minutes``,
then reads every decision published meanwhile (``read_committed``, as a bank's blocking service would) and
prints the alert rate (review + block), the rules and model features named as reasons, the model versions and
the mean of each feature. The live labels arrive a chargeback delay later, so precision and recall are the
persister's (``fraud.decision_quality_by_day``) a week on; the alert rate against the bank's fraud rate
(``bench/simulator_reference.py``) is what can be read now. ``--json`` ends with one JSON line:
{"minutes", "decisions", "alert_rate", "decisions_by_outcome", "reasons", "model_versions", "feature_means"}.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import orjson

from consumers import kafka_io
from fraud_domain import topics
from fraud_runtime.context import Context
from fraud_runtime.services.kafka import Kafka
from tests.support.stream import admin_access


def measure(bootstrap: str, minutes: float) -> dict:
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
            "model_versions": dict(versions), "feature_means": {k: sums[k] / counts[k] for k in sorted(sums)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="How long to watch fraud_topic.")
    parser.add_argument("--json", action="store_true", help="End with one JSON line.")
    args = parser.parse_args()
    ctx = Context.load()
    result = measure(Kafka(ctx).bootstrap_servers, args.minutes)
    print(f"| live decisions, {args.minutes:g} min | {result['decisions']:,} | alert rate "
          f"{result['alert_rate']:.2%} | {result['decisions_by_outcome']} |")
    print("reasons:", ", ".join(f"{k} {v:,}" for k, v in result["reasons"].items()) or "none")
    print("model versions:", result["model_versions"])
    print("feature means:", ", ".join(f"{k} {v:.3g}" for k, v in result["feature_means"].items()))
    if args.json:
        print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
