"""The scorer's own work per transaction, without Kafka: ``Scorer.process`` (parse, validate, align, features,
rules, decide, encode) on in-memory records in poll-sized batches, against the least any Python scorer does
with the same records in the same process (orjson decode + encode of each). On a shared machine whose Kafka
figures swing 2x between runs, this ratio is the stable measure of the scorer's CPU cost.

    fraudctl benchmark stream cpu --count 50000

Not a test and not the platform: the producer, metrics, label feed and state store are null objects here,
so checkpoints are taken (``Scorer._snapshot``) but not saved, and no labels are read.
"""

from __future__ import annotations

import gc
import itertools
import time
from types import SimpleNamespace
from typing import Any

import orjson

from consumers import entry, rules
from consumers.scorer import Scorer
from fraud_domain.schema import event_to_json

BATCH = 2000  # records per poll, as STREAM_BATCH_SIZE's default


class _Null:
    """Producer and metrics: every call accepted, the decisions counted."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, topic: str, **_: Any) -> None:
        self.sent += 1

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class _NoLabels:
    def __init__(self) -> None:
        self.pending: dict[str, Any] = {}
        self.consumer = _Null()

    def drain(self, state: Any, dirty: Any) -> int:
        return 0

    def after_event(self, state: Any, transaction_id: str, dirty: Any) -> None:
        return None

    def expire(self, oldest_us: int) -> None:
        return None

    def resume_offsets(self) -> dict[tuple[str, int], int]:
        return {}


def _scorer() -> Scorer:
    stream = SimpleNamespace(max_event_bytes=16384, max_amount=1e6, max_future_seconds=300, checkpoint_seconds=5.0,
                             model_poll_seconds=60.0, allowed_lateness_seconds=365 * 86400,
                             alignment_skew_seconds=3600, alignment_max_wait_seconds=2.0)
    labels: Any = _NoLabels()
    return Scorer(producer=_Null(), labels=labels, store=_Null(), registry=None, thresholds=rules.Thresholds(),
                  metrics=_Null(), stream=stream, out_topic="decisions", dlq_topic="dlq")


def records(pairs: Any, count: int) -> list[Any]:
    return [SimpleNamespace(topic="tx", partition=0, offset=i, timestamp=-1, key=b"k", value=event_to_json(ev),
                            headers=[]) for i, (ev, _) in enumerate(itertools.islice(pairs, count))]


def _scored(recs: list[Any]) -> float:
    s = _scorer()
    started = time.perf_counter()
    for i in range(0, len(recs), BATCH):
        s.process(recs[i:i + BATCH])
        s.checkpoint()
        s.flush()
    elapsed = time.perf_counter() - started
    if s.producer.sent != len(recs):
        raise RuntimeError(f"the scorer decided {s.producer.sent} of {len(recs)} records")
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
