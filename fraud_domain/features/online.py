"""``OnlineFeatureState``: the scorer's incremental implementation of ``definitions``.

Per customer and per terminal it keeps a ``History`` bounded by what the declared windows need
(``retention``), evicting as it goes, so each update costs O(log n + window events). It must equal
``reference.reference_features`` on the same records and labels; the parity tests check that.

Out-of-order events are inserted at their place in time. History older than the newest event time minus
``allowed_lateness`` minus the retention is evicted, so an event later than ``allowed_lateness`` may miss
history the reference would still see. A re-delivered event (same transaction id and time) is not counted
twice: the scorer may replay events after restoring a snapshot.
"""

from bisect import bisect_right
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from fraud_domain.features.definitions import (
    ALL_FEATURE_NAMES,
    MIN_SPEED_INTERVAL,
    ROW_FEATURES,
    RULE_FEATURES,
    WINDOW_FEATURES,
    TxLike,
    retention,
)
from fraud_domain.features.history import History
from fraud_domain.geo import haversine_km
from fraud_domain.schema import Label
from fraud_domain.utc import delta_us, to_epoch_us

SNAPSHOT_FORMAT = 1
_ENTITIES = ("customer", "terminal")
_US_PER_HOUR = 3_600_000_000
_MIN_DT_US = delta_us(MIN_SPEED_INTERVAL)


def _window_plan(entity: str) -> list[tuple[int, int, list[tuple[str, str]]]]:
    # Features sharing (window, delay) share one pair of bisects: [(window_us, delay_us, [(name, agg)])].
    groups: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for f in WINDOW_FEATURES:
        if f.entity == entity:
            groups.setdefault((delta_us(f.window), delta_us(f.delay)), []).append((f.name, f.aggregate))
    return [(w, d, names) for (w, d), names in groups.items()]


class OnlineFeatureState:
    """The scorer's feature state: ``update_and_compute`` per event, ``apply_label`` per label."""

    def __init__(self, *, allowed_lateness: timedelta = timedelta(hours=1)) -> None:
        self.allowed_lateness = allowed_lateness
        self._lateness_us = delta_us(allowed_lateness)
        self._entities: dict[str, dict[int, History]] = {e: {} for e in _ENTITIES}
        self._retention_us = {e: delta_us(retention(e)) for e in _ENTITIES}
        self._windows = {e: _window_plan(e) for e in _ENTITIES}
        self._streams = {e: [(f.name, f.kind, delta_us(f.window)) for f in RULE_FEATURES if f.entity == e]
                         for e in _ENTITIES}
        labelled = {f.entity for f in WINDOW_FEATURES if f.aggregate == "fraud_ratio"}
        self._labelled = tuple(e for e in _ENTITIES if e in labelled)
        self._newest_us: int | None = None
        self._template = dict.fromkeys(ALL_FEATURE_NAMES, 0.0)  # fixes the output's key order

    def update_and_compute(self, event: TxLike) -> dict[str, float]:
        """Add ``event`` to its customer's and terminal's history and return ``ALL_FEATURE_NAMES`` values."""
        t = to_epoch_us(event.event_time)
        if self._newest_us is None or t > self._newest_us:
            self._newest_us = t
        out = self._template.copy()
        for f in ROW_FEATURES:
            out[f.name] = f.compute(event.event_time, event.amount)
        for entity, key in (("customer", event.customer_id), ("terminal", event.terminal_id)):
            histories = self._entities[entity]
            h = histories.get(key)
            if h is None:
                h = histories[key] = History()
            else:
                h.evict(self._cutoff(entity))
            # A re-delivery is only possible at or before the newest entry: skip the lookup when appending.
            k = h.find(t, event.transaction_id) if h.ts and h.ts[-1] >= t else -1
            if k < 0:
                k = h.insert(t, event.amount, event.transaction_id, event.terminal_lat, event.terminal_lon)
            self._windows_into(out, h, t, entity)
            if self._streams[entity]:
                self._streams_into(out, h, t, k, entity)
        return out

    def _windows_into(self, out: dict[str, float], h: History, t: int, entity: str) -> None:
        ts = h.ts
        for window, delay, names in self._windows[entity]:
            high = t - delay
            low = high - window
            hi = bisect_right(ts, high)
            lo = bisect_right(ts, low, 0, hi)
            n = hi - lo
            for name, aggregate in names:
                if n == 0:
                    out[name] = 0.0
                elif aggregate == "count":
                    out[name] = float(n)
                elif aggregate == "mean_amount":
                    out[name] = sum(h.amount[lo:hi]) / n
                else:
                    frauds = sum(1 for ft, known, _ in h.frauds if low < ft <= high and known <= t)
                    out[name] = frauds / n

    def _streams_into(self, out: dict[str, float], h: History, t: int, k: int, entity: str) -> None:
        ts = h.ts
        km = -1.0  # computed at most once, shared by the distance and speed features
        for name, kind, window in self._streams[entity]:
            lo = bisect_right(ts, t - window, 0, k)  # entries before the current one in (t - window, t]
            if kind == "count":
                out[name] = float(bisect_right(ts, t, k) - lo)
            elif kind == "amount_ratio_prev_mean":
                out[name] = h.amount[k] / (sum(h.amount[lo:k]) / (k - lo)) if k > lo else 1.0
            elif k == lo:
                out[name] = 0.0
            else:
                if km < 0:
                    km = haversine_km(h.lat[k - 1], h.lon[k - 1], h.lat[k], h.lon[k])
                if kind == "distance_prev_km":
                    out[name] = km
                else:
                    out[name] = km * _US_PER_HOUR / max(t - ts[k - 1], _MIN_DT_US)

    def apply_label(self, label: Label) -> bool:
        """Apply a chargeback label; it counts for features at times ``>= label.reported_at``.

        Returns False if the transaction is not in the state (never seen or already evicted): such a label
        cannot affect any future feature. Re-applying the same label is harmless.
        """
        t, reported = to_epoch_us(label.event_time), to_epoch_us(label.reported_at)
        applied = False
        for entity in self._labelled:
            key = label.customer_id if entity == "customer" else label.terminal_id
            h = self._entities[entity].get(key)
            if h is not None and h.set_label(t, label.transaction_id, label.is_fraud, reported):
                applied = True
        return applied

    def prune(self) -> int:
        """Evict expired history everywhere and forget idle entities; returns how many were dropped.

        Eviction is otherwise lazy (on an entity's next event): call this now and then (e.g. at each
        checkpoint) so that memory follows the active entities, not every entity ever seen.
        """
        dropped = 0
        for entity in _ENTITIES:
            cutoff = self._cutoff(entity)
            histories = self._entities[entity]
            for key in list(histories):
                histories[key].evict(cutoff)
                if not histories[key].ts:
                    del histories[key]
                    dropped += 1
        return dropped

    def _cutoff(self, entity: str) -> int:
        return (self._newest_us or 0) - self._lateness_us - self._retention_us[entity]

    def snapshot(self) -> dict[str, Any]:
        """A JSON-serialisable copy of the state: ``{"customer": {"<id>": {...}}, "terminal": {...}, ...}``.

        Each entity's entry stands alone, so a store can persist them per key; expired history is left out.
        """
        data: dict[str, Any] = {"format": SNAPSHOT_FORMAT, "newest_us": self._newest_us,
                                "allowed_lateness_us": self._lateness_us}
        for entity in _ENTITIES:
            cutoff = self._cutoff(entity)
            data[entity] = {str(key): h.to_json(cutoff) for key, h in self._entities[entity].items()
                            if h.ts and h.ts[-1] > cutoff}
        return data

    @property
    def newest_us(self) -> int | None:
        """Newest event time seen (epoch microseconds), or None before the first event."""
        return self._newest_us

    def export_entities(self, entity: str, keys: Iterable[int]) -> dict[int, dict[str, Any] | None]:
        """``snapshot()`` entries of just ``keys`` (None where nothing is left to keep), so a store can
        persist only the entities an event or a label touched since its last checkpoint."""
        cutoff, histories = self._cutoff(entity), self._entities[entity]
        out: dict[int, dict[str, Any] | None] = {}
        for key in keys:
            h = histories.get(key)
            out[key] = h.to_json(cutoff) if h is not None and h.ts and h.ts[-1] > cutoff else None
        return out

    @classmethod
    def restore(cls, data: dict[str, Any]) -> "OnlineFeatureState":
        """Rebuild a state from ``snapshot()`` output (possibly after a JSON round trip)."""
        if data.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unsupported snapshot format {data.get('format')!r}")
        state = cls(allowed_lateness=timedelta(microseconds=data["allowed_lateness_us"]))
        state._newest_us = data["newest_us"]
        for entity in _ENTITIES:
            state._entities[entity] = {int(key): History.from_json(h) for key, h in data[entity].items()}
        return state

    def __len__(self) -> int:
        """Number of entities held (customers + terminals), for metrics."""
        return sum(len(v) for v in self._entities.values())
