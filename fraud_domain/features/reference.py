"""The naive reference: every feature of every record by scanning, slow and obviously correct.

Backends (the online state, the Spark job) must match it; the parity tests compare them on simulated data.
Semantics it pins down:

* Records are given in processing order (normally by ``event_time``). Record ``i`` sees records ``j <= i``
  only: what has happened, never what comes later in the stream, even at an equal timestamp.
* A label is usable at time ``t`` only if ``reported_at <= t`` (point-in-time correctness); the last label
  given for a transaction wins.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from fraud_domain.features.definitions import (
    ALL_FEATURES,
    MIN_SPEED_INTERVAL,
    RowFeature,
    StreamFeature,
    TxLike,
    WindowFeature,
)
from fraud_domain.geo import haversine_km
from fraud_domain.schema import Label
from fraud_domain.utc import delta_us, to_epoch_us

_US_PER_HOUR = 3_600_000_000
_MIN_DT_US = delta_us(MIN_SPEED_INTERVAL)



@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """The transaction fields features read (a ``TransactionEvent`` works as well)."""

    transaction_id: str
    event_time: datetime
    customer_id: int
    terminal_id: int
    amount: float
    terminal_lat: float = 0.0
    terminal_lon: float = 0.0


def reference_features(records: Sequence[TxLike], labels: Iterable[Label] = ()) -> list[dict[str, float]]:
    """``ALL_FEATURE_NAMES`` -> value for each record, in record order."""
    known = {label.transaction_id: label for label in labels}
    times = [to_epoch_us(r.event_time) for r in records]
    seen: dict[str, defaultdict[int, list[int]]] = {e: defaultdict(list) for e in ("customer", "terminal")}
    out = []
    for i, rec in enumerate(records):
        t = times[i]
        history = {}  # entity -> indices j <= i of the same entity, in processing order
        for entity, key in (("customer", rec.customer_id), ("terminal", rec.terminal_id)):
            seen[entity][key].append(i)
            history[entity] = seen[entity][key]
        row = {}
        for f in ALL_FEATURES:
            if isinstance(f, RowFeature):
                row[f.name] = f.compute(rec.event_time, rec.amount)
            elif isinstance(f, WindowFeature):
                row[f.name] = _window(f, t, history[f.entity], records, times, known)
            else:
                row[f.name] = _stream(f, i, history[f.entity], records, times)
        out.append(row)
    return out


def _window(f: WindowFeature, t: int, history: list[int], records, times, known) -> float:
    high = t - delta_us(f.delay)
    low = high - delta_us(f.window)
    members = [j for j in history if low < times[j] <= high]
    if not members:
        return 0.0
    if f.aggregate == "count":
        return float(len(members))
    if f.aggregate == "mean_amount":
        return sum(records[j].amount for j in members) / len(members)
    frauds = 0
    for j in members:
        label = known.get(records[j].transaction_id)
        if label is not None and label.is_fraud and to_epoch_us(label.reported_at) <= t:
            frauds += 1
    return frauds / len(members)


def _stream(f: StreamFeature, i: int, history: list[int], records, times) -> float:
    t = times[i]
    low = t - delta_us(f.window)
    if f.kind == "count":
        return float(sum(1 for j in history if low < times[j] <= t))
    earlier = [j for j in history if j != i and low < times[j] <= t]
    if f.kind == "amount_ratio_prev_mean":
        if not earlier:
            return 1.0
        return records[i].amount / (sum(records[j].amount for j in earlier) / len(earlier))
    if not earlier:
        return 0.0
    prev = max(earlier, key=lambda j: (times[j], j))  # latest in time, then latest processed
    km = haversine_km(records[prev].terminal_lat, records[prev].terminal_lon,
                      records[i].terminal_lat, records[i].terminal_lon)
    if f.kind == "distance_prev_km":
        return km
    return km * _US_PER_HOUR / max(t - times[prev], _MIN_DT_US)
