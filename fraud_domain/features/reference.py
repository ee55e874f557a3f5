"""The naive reference: every feature of every record by scanning, slow and obviously correct.

Backends (the online state, the Spark job) must match it; the parity tests compare them on simulated data.
Semantics it pins down:

* Records are given in processing order (normally by ``event_time``). Record ``i`` sees records ``j <= i``
  only: what has happened, never what comes later in the stream, even at an equal timestamp.
* A label is usable at time ``t`` only if ``reported_at <= t`` (point-in-time correctness); the last label
  given for a transaction wins.

Each declared kind has one function in ``IMPLEMENTATIONS``: ``f(feature, scan) -> value``.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fraud_domain.features.backend import DispatchTable, implementation
from fraud_domain.features.definitions import (
    ALL_FEATURES,
    MIN_SPEED_INTERVAL,
    ROW_COMPUTE,
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
    compute = [(f, implementation(IMPLEMENTATIONS, f, backend="reference")) for f in ALL_FEATURES]
    out = []
    for i, rec in enumerate(records):
        history = {}  # entity -> indices j <= i of the same entity, in processing order
        for entity, key in (("customer", rec.customer_id), ("terminal", rec.terminal_id)):
            seen[entity][key].append(i)
            history[entity] = seen[entity][key]
        scan = _Scan(records, times, known, i, history)
        out.append({f.name: f.typed(fn(f, scan)) for f, fn in compute})
    return out


@dataclass(frozen=True, slots=True)
class _Scan:
    """What a feature of record ``i`` may read: every record, and the indices of its entities' records."""

    records: Sequence[TxLike]
    times: list[int]
    known: dict[str, Label]
    i: int
    history: dict[str, list[int]]  # entity -> indices j <= i, in processing order

    @property
    def t(self) -> int:
        return self.times[self.i]

    def members(self, f: WindowFeature) -> list[int]:
        """Indices of ``f``'s entity with time in ``(t - delay - window, t - delay]``."""
        high = self.t - delta_us(f.delay)
        low = high - delta_us(f.window)
        return [j for j in self.history[f.entity] if low < self.times[j] <= high]

    def earlier(self, f: StreamFeature) -> list[int]:
        """Indices of ``f``'s entity other than ``i`` with time in ``(t - window, t]``."""
        low = self.t - delta_us(f.window)
        return [j for j in self.history[f.entity] if j != self.i and low < self.times[j] <= self.t]


def _row(f: RowFeature, s: _Scan) -> float:
    rec = s.records[s.i]
    return f.compute(rec.event_time, rec.amount)


def _count(f: WindowFeature, s: _Scan) -> float:
    return float(len(s.members(f)))


def _mean_amount(f: WindowFeature, s: _Scan) -> float:
    members = s.members(f)
    return sum(s.records[j].amount for j in members) / len(members) if members else 0.0


def _fraud_ratio(f: WindowFeature, s: _Scan) -> float:
    members, frauds = s.members(f), 0
    for j in members:
        label = s.known.get(s.records[j].transaction_id)
        if label is not None and label.is_fraud and to_epoch_us(label.reported_at) <= s.t:
            frauds += 1
    return frauds / len(members) if members else 0.0


def _stream_count(f: StreamFeature, s: _Scan) -> float:
    low = s.t - delta_us(f.window)
    return float(sum(1 for j in s.history[f.entity] if low < s.times[j] <= s.t))


def _amount_ratio_prev_mean(f: StreamFeature, s: _Scan) -> float:
    earlier = s.earlier(f)
    if not earlier:
        return 1.0
    return s.records[s.i].amount / (sum(s.records[j].amount for j in earlier) / len(earlier))


def _previous(f: StreamFeature, s: _Scan) -> tuple[float, int] | None:
    """(km from the previous in-window record's terminal, its time), or None if there is none."""
    earlier = s.earlier(f)
    if not earlier:
        return None
    prev = max(earlier, key=lambda j: (s.times[j], j))  # latest in time, then latest processed
    a, b = s.records[prev], s.records[s.i]
    return haversine_km(a.terminal_lat, a.terminal_lon, b.terminal_lat, b.terminal_lon), s.times[prev]


def _distance_prev_km(f: StreamFeature, s: _Scan) -> float:
    previous = _previous(f, s)
    return previous[0] if previous else 0.0


def _speed_prev_kmh(f: StreamFeature, s: _Scan) -> float:
    previous = _previous(f, s)
    if previous is None:
        return 0.0
    km, t_prev = previous
    return km * _US_PER_HOUR / max(s.t - t_prev, _MIN_DT_US)


IMPLEMENTATIONS: DispatchTable[Callable[[Any, _Scan], float]] = {
    RowFeature: dict.fromkeys(ROW_COMPUTE, _row),  # a row kind is computed by its declaration
    WindowFeature: {"count": _count, "mean_amount": _mean_amount, "fraud_ratio": _fraud_ratio},
    StreamFeature: {"count": _stream_count, "distance_prev_km": _distance_prev_km,
                    "speed_prev_kmh": _speed_prev_kmh, "amount_ratio_prev_mean": _amount_ratio_prev_mean},
}
