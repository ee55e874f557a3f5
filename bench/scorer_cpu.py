"""The scorer's own work per transaction, without Kafka: ``Scorer.process`` (parse, validate, align, features,
rules, decide, encode) on in-memory records in poll-sized batches, against the least any Python scorer does
with the same records in the same process (orjson decode + encode of each). On a shared machine whose Kafka
figures swing 2x between runs, this ratio is the stable measure of the scorer's CPU cost.

    fraudctl benchmark stream cpu --count 50000

Not a test and not the platform: the producer, metrics, label feed and state store are the in-memory
stand-ins of ``tests/support/offline_scorer.py``, so checkpoints are taken (``Scorer._snapshot``) but not
saved, and no labels are read.
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
from fraud_domain.schema import event_to_json
from tests.support.offline_scorer import offline_scorer

BATCH = 2000  # records per poll, as STREAM_BATCH_SIZE's default
LATENESS = timedelta(days=365)  # as the Kafka throughput benchmark's scorer: nothing in the run is late


def records(pairs: Any, count: int) -> list[Any]:
    return [SimpleNamespace(topic="tx", partition=0, offset=i, timestamp=-1, key=b"k", value=event_to_json(ev),
                            headers=[]) for i, (ev, _) in enumerate(itertools.islice(pairs, count))]


def _scored(recs: list[Any]) -> float:
    s = offline_scorer(LATENESS)
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


def run(pairs: Any, count: int, repeat: int = 3) -> dict[str, float]:
    """Best of ``repeat`` alternating runs of each: µs per transaction and the ratio."""
    recs = records(pairs, count)
    gc.set_threshold(*entry.GC_THRESHOLDS)  # as the scorer process sets it
    scorer_s, raw_s = [], []
    for _ in range(repeat):
        scorer_s.append(_scored(recs))
        raw_s.append(_raw(recs))
    us, raw_us = min(scorer_s) / count * 1e6, min(raw_s) / count * 1e6
    return {"us_per_tx": round(us, 1), "tx_per_s": round(1e6 / us), "raw_us_per_tx": round(raw_us, 2),
            "raw_per_s": round(1e6 / raw_us), "count": count}
