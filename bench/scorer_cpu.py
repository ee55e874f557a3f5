"""The scorer's own work per transaction, without Kafka: ``Scorer.process`` (labels, parse, validate, align,
features, rules, decide, encode) on in-memory records in poll-sized batches, against the least any Python scorer
does with the same records in the same process (orjson decode + encode of each). On a shared machine whose Kafka
figures swing 2x between runs, this ratio is the stable measure of the scorer's CPU cost.

    fraudctl benchmark stream cpu --count 50000

Not a test and not the platform: the producer, metrics, label log and state store are the in-memory
stand-ins of ``tests/support/offline_scorer.py``, so checkpoints are taken (``Scorer._snapshot``) but not
saved. The real ``LabelFeed`` reads every transaction's label, as in a backlog on Kafka (where they are all
published before the scorer starts, so the first batch drains them); ``labels=False`` reads none.
"""

from __future__ import annotations

import gc
import itertools
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import orjson

from consumers import entry
from fraud_domain.schema import event_to_json, label_to_json
from tests.support.offline_scorer import LabelLog, offline_scorer

BATCH = 2000  # records per poll, as STREAM_BATCH_SIZE's default
LATENESS = timedelta(days=365)  # as the Kafka throughput benchmark's scorer: nothing in the run is late


def records(pairs: Any, count: int) -> tuple[list[Any], list[bytes]]:
    """The transactions' records and their labels' payloads."""
    recs, labels = [], []
    for i, (ev, label) in enumerate(itertools.islice(pairs, count)):
        recs.append(SimpleNamespace(topic="tx", partition=0, offset=i, timestamp=-1, key=b"k", value=event_to_json(ev),
                                    headers=[]))
        labels.append(label_to_json(label))
    return recs, labels


def _scored(recs: list[Any], labels: list[bytes] | None) -> float:
    s = offline_scorer(LATENESS, None if labels is None else LabelLog({0: labels}))
    started = time.perf_counter()
    for i in range(0, len(recs), BATCH):
        s.process(recs[i:i + BATCH])
        s.checkpoint()
        s.flush()
    elapsed = time.perf_counter() - started
    if len(s.producer.sent) != len(recs):
        raise RuntimeError(f"the scorer decided {len(s.producer.sent)} of {len(recs)} records")
    s.close()
    return elapsed


def _raw(recs: list[Any]) -> float:
    started = time.perf_counter()
    for r in recs:
        orjson.dumps(orjson.loads(r.value))
    return time.perf_counter() - started


def run(pairs: Any, count: int, repeat: int = 3, *, labels: bool = True) -> dict[str, Any]:
    """Best of ``repeat`` alternating runs of each: µs per transaction and the ratio."""
    recs, payloads = records(pairs, count)
    gc.set_threshold(*entry.GC_THRESHOLDS)  # as the scorer process sets it
    scorer_s, raw_s = [], []
    for _ in range(repeat):
        scorer_s.append(_scored(recs, payloads if labels else None))
        raw_s.append(_raw(recs))
    us, raw_us = min(scorer_s) / count * 1e6, min(raw_s) / count * 1e6
    return {"us_per_tx": round(us, 1), "tx_per_s": round(1e6 / us), "raw_us_per_tx": round(raw_us, 2),
            "raw_per_s": round(1e6 / raw_us), "count": count,
            "labels": len(payloads) if labels else 0}
