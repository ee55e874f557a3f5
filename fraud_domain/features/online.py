"""``OnlineFeatureState``: the scorer's incremental implementation of ``definitions``.

Per customer and per terminal it keeps a ``History`` bounded by what the declared windows need
(``retention``), evicting as it goes, so each update costs O(log n + window events). It must equal
``reference.reference_features`` on the same records and labels; the parity tests check that.

Event time is kept per **source** (a clock each): the live stream is the default source ``""``, and a
replay or a simulated backlog published beside it names its own (``fraud_domain.topics.SOURCE_HEADER``).
Each source has its own histories, so a 2018 replay is computed on its own 2018 history - what the batch
job computes for those transactions - however far ahead the live stream's clock is, even though the ids
overlap. Out-of-order events are inserted at their place in time. History older than its source's newest
event time minus ``allowed_lateness`` minus the retention is evicted; an event older than its source's
newest event time minus ``allowed_lateness`` is refused (``EventValidationError`` code ``late``), never
computed on history that may already be gone, unless it is a re-delivery. A re-delivered event (same
transaction id and time) is not counted twice: the scorer may replay events after restoring a snapshot.
At most ``MAX_SOURCES`` sources are kept: a new one beyond that forgets the one started longest ago.

Each declared kind maps to its implementation in ``IMPLEMENTATIONS`` (resolved once, when the state is
built: an unknown kind fails there). The snapshot's header (``snapshot_header``, ``SNAPSHOT_FORMAT``) is
defined here only; a store persists it as it is.
"""

from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypedDict

from fraud_domain.errors import ErrorCode, EventValidationError
from fraud_domain.features.backend import DispatchTable, implementation
from fraud_domain.features.definitions import (
    ALL_FEATURE_NAMES,
    ALL_FEATURES,
    ENTITIES,
    LABELLED_AGGREGATES,
    MIN_SPEED_INTERVAL,
    ROW_COMPUTE,
    ROW_FEATURES,
    STREAM_FEATURES,
    WINDOW_FEATURES,
    RowFeature,
    StreamFeature,
    TxLike,
    WindowFeature,
    retention,
)
from fraud_domain.features.history import History, tx_key
from fraud_domain.geo import haversine_km
from fraud_domain.schema import Label
from fraud_domain.utc import delta_us, format_utc, from_epoch_us, to_epoch_us

# 3: histories hold transaction id keys (``history.tx_key``); 2: the ids themselves, keyed on restore;
# 1: one clock (``newest_us``), which becomes the live source's. All three are restored.
SNAPSHOT_FORMAT = 3
DEFAULT_SOURCE = ""  # the live stream: records without a source header
MAX_SOURCES = 16
SOURCE_SEPARATOR = "@"  # namespace = entity + separator + source
_US_PER_HOUR = 3_600_000_000
_MIN_DT_US = delta_us(MIN_SPEED_INTERVAL)

# A window aggregate over the non-empty slice ``[lo, hi)`` of a history, whose times lie in
# ``(low, high]``, for an event at ``t``: f(history, lo, hi, low, high, t).
WindowFn = Callable[[History, int, int, int, int, int], float]
# A stream signal for the event at index ``k`` whose earlier in-window entries start at ``lo``, given the
# distance from entry ``k - 1``'s terminal to entry ``k``'s (``prev_km``, computed once per event and
# entity, when ``k > 0`` and a kind in ``_NEEDS_PREV_KM`` is declared): f(history, t, k, lo, prev_km).
StreamFn = Callable[[History, int, int, int, float], float]


def _count(h: History, lo: int, hi: int, low: int, high: int, t: int) -> float:
    return float(hi - lo)


def _mean_amount(h: History, lo: int, hi: int, low: int, high: int, t: int) -> float:
    return sum(h.amount[lo:hi]) / (hi - lo)


def _fraud_ratio(h: History, lo: int, hi: int, low: int, high: int, t: int) -> float:
    return sum(1 for ft, known, _ in h.frauds if low < ft <= high and known <= t) / (hi - lo)


def _stream_count(h: History, t: int, k: int, lo: int, prev_km: float) -> float:
    return float(bisect_right(h.ts, t, k) - lo)


def _amount_ratio_prev_mean(h: History, t: int, k: int, lo: int, prev_km: float) -> float:
    return h.amount[k] / (sum(h.amount[lo:k]) / (k - lo)) if k > lo else 1.0


def _prev_km(h: History, k: int) -> float:
    return haversine_km(h.lat[k - 1], h.lon[k - 1], h.lat[k], h.lon[k])


def _distance_prev_km(h: History, t: int, k: int, lo: int, prev_km: float) -> float:
    return prev_km if k > lo else 0.0


def _speed_prev_kmh(h: History, t: int, k: int, lo: int, prev_km: float) -> float:
    return prev_km * _US_PER_HOUR / max(t - h.ts[k - 1], _MIN_DT_US) if k > lo else 0.0


_WINDOWS: dict[str, WindowFn] = {"count": _count, "mean_amount": _mean_amount, "fraud_ratio": _fraud_ratio}
_STREAMS: dict[str, StreamFn] = {"count": _stream_count, "distance_prev_km": _distance_prev_km,
                                 "speed_prev_kmh": _speed_prev_kmh,
                                 "amount_ratio_prev_mean": _amount_ratio_prev_mean}
_NEEDS_PREV_KM = frozenset({"distance_prev_km", "speed_prev_kmh"})
IMPLEMENTATIONS: DispatchTable[Callable[..., float]] = {RowFeature: ROW_COMPUTE, WindowFeature: _WINDOWS,
                                                        StreamFeature: _STREAMS}
_COLUMN = {name: i for i, name in enumerate(ALL_FEATURE_NAMES)}  # a feature's place in the output row

# An entity's windows, grouped by delay (each delay's upper bound is one bisect), then by window (features
# sharing (window, delay) share the lower bound's bisect): [(delay_us, [(window_us, [(column, fn)])])].
WindowPlan = list[tuple[int, list[tuple[int, list[tuple[int, WindowFn]]]]]]


def _window_plan(entity: str) -> WindowPlan:
    groups: dict[int, dict[int, list[tuple[int, WindowFn]]]] = {}
    for f in WINDOW_FEATURES:
        if f.entity == entity:
            fn: WindowFn = implementation(IMPLEMENTATIONS, f, backend="online")
            windows = groups.setdefault(delta_us(f.delay), {})
            windows.setdefault(delta_us(f.window), []).append((_COLUMN[f.name], fn))
    return [(delay, list(windows.items())) for delay, windows in groups.items()]


def _stream_plan(entity: str) -> list[tuple[int, StreamFn, int]]:
    return [(_COLUMN[f.name], implementation(IMPLEMENTATIONS, f, backend="online"), delta_us(f.window))
            for f in STREAM_FEATURES if f.entity == entity]


class SnapshotHeader(TypedDict):
    """What a snapshot holds besides the histories; a store persists it as it is."""

    format: int
    clocks: dict[str, int]  # source -> newest event time seen (epoch microseconds)
    allowed_lateness_us: int


def namespace(entity: str, source: str = DEFAULT_SOURCE) -> str:
    """Where ``entity``'s histories of ``source`` live: ``customer`` (live) or ``customer@<source>``
    (``SOURCE_SEPARATOR``, which a source name must not contain).

    A snapshot's entries and a store's rows are keyed by it, so the live stream's keep their old names."""
    return entity if source == DEFAULT_SOURCE else f"{entity}{SOURCE_SEPARATOR}{source}"


def namespaces(header: SnapshotHeader) -> list[str]:
    """Every namespace a snapshot with this header may hold."""
    return [namespace(entity, source) for source in header["clocks"] for entity in ENTITIES]


def upgrade_snapshot(data: dict[str, Any]) -> dict[str, Any]:
    """A snapshot (or header) in the current format: format 1's one clock becomes the live source's; format
    2's entries differ only in holding ids where 3 holds keys, which ``History.from_json`` tells apart."""
    if data.get("format") == 2:
        return {**data, "format": SNAPSHOT_FORMAT}
    if data.get("format") != 1:
        return data
    clocks = {} if data.get("newest_us") is None else {DEFAULT_SOURCE: data["newest_us"]}
    return {**data, "format": SNAPSHOT_FORMAT, "clocks": clocks}


class OnlineFeatureState:
    """The scorer's feature state: ``update_and_compute`` per event, ``apply_label`` per label."""

    def __init__(self, *, allowed_lateness: timedelta = timedelta(hours=1)) -> None:
        self.allowed_lateness = allowed_lateness
        self._lateness_us = delta_us(allowed_lateness)
        self._clocks: dict[str, int] = {}  # source -> newest event time; insertion order = least recently used first
        self._entities: dict[str, dict[int, History]] = {}  # namespace -> key -> history
        self._retention_us: dict[str, int] = {e: delta_us(retention(e)) for e in ENTITIES}
        self._windows: dict[str, WindowPlan] = {e: _window_plan(e) for e in ENTITIES}
        self._streams: dict[str, list[tuple[int, StreamFn, int]]] = {e: _stream_plan(e) for e in ENTITIES}
        self._prev_km: dict[str, bool] = {
            e: any(f.kind in _NEEDS_PREV_KM for f in STREAM_FEATURES if f.entity == e) for e in ENTITIES}
        # Row features: (column, fn(event_time, amount)), resolved here so that a missing kind fails now.
        self._rows = [(_COLUMN[f.name], implementation(IMPLEMENTATIONS, f, backend="online")) for f in ROW_FEATURES]
        labelled = {f.entity for f in WINDOW_FEATURES if f.aggregate in LABELLED_AGGREGATES}
        self._labelled = tuple(e for e in ENTITIES if e in labelled)
        self._template = [0.0] * len(ALL_FEATURE_NAMES)
        # Values are computed as floats; only features declared with another dtype are converted.
        self._typed = [(_COLUMN[f.name], f.typed) for f in ALL_FEATURES if f.dtype != "double"]

    def update_and_compute(self, event: TxLike, source: str = DEFAULT_SOURCE) -> dict[str, float]:
        """Add ``event`` to its customer's and terminal's history of ``source`` and return
        ``ALL_FEATURE_NAMES`` values, in that order; ``EventValidationError`` (``late``) when the event is
        older than the source's newest event time minus ``allowed_lateness`` (the state is then unchanged)."""
        return dict(zip(ALL_FEATURE_NAMES, self.update_and_compute_row(event, source), strict=True))

    def update_and_compute_row(self, event: TxLike, source: str = DEFAULT_SOURCE) -> list[float]:
        """``update_and_compute``'s values as a list in ``ALL_FEATURE_NAMES`` order: a row of the scorer's
        batch matrix, without a dict per event."""
        t = to_epoch_us(event.event_time)
        newest = self._clocks.get(source)
        if newest is not None and t < newest - self._lateness_us and not self._known(event, source, t):
            raise EventValidationError(
                "event_time", f"{format_utc(event.event_time)} is more than {self.allowed_lateness} behind the "
                f"newest event time of its source ({format_utc(from_epoch_us(newest))}, source "
                f"{source or 'live'!r}): history it needs may be gone", ErrorCode.LATE)
        if newest is None:
            self._add_source(source)
        self._clocks[source] = t if newest is None or t > newest else newest
        out = self._template.copy()
        key_tx = tx_key(event.transaction_id)
        for column, compute in self._rows:
            out[column] = compute(event.event_time, event.amount)
        for entity, key in (("customer", event.customer_id), ("terminal", event.terminal_id)):
            histories = self._entities[namespace(entity, source)]
            h = histories.get(key)
            if h is None:
                h = histories[key] = History()
            else:
                h.evict(self._clocks[source] - self._lateness_us - self._retention_us[entity])
            # A re-delivery is only possible at or before the newest entry: skip the lookup when appending.
            k = h.find(t, key_tx) if h.ts and h.ts[-1] >= t else -1
            if k < 0:
                k = h.insert(t, event.amount, key_tx, event.terminal_lat, event.terminal_lon)
            self._windows_into(out, h, t, entity)
            if self._streams[entity]:
                self._streams_into(out, h, t, k, entity)
        for column, typed in self._typed:
            out[column] = typed(out[column])
        return out

    def _known(self, event: TxLike, source: str, t: int) -> bool:
        """Whether ``event`` is a re-delivery (its customer's history holds it): never refused as late."""
        h = self._entities[namespace("customer", source)].get(event.customer_id)
        return h is not None and h.find(t, tx_key(event.transaction_id)) >= 0

    def _add_source(self, source: str) -> None:
        while len(self._clocks) >= MAX_SOURCES:  # forget the least recently started source
            oldest = next(iter(self._clocks))
            del self._clocks[oldest]
            for entity in ENTITIES:
                self._entities.pop(namespace(entity, oldest), None)
        self._clocks[source] = 0
        for entity in ENTITIES:
            self._entities.setdefault(namespace(entity, source), {})

    def _windows_into(self, out: list[float], h: History, t: int, entity: str) -> None:
        ts = h.ts
        for delay, windows in self._windows[entity]:
            high = t - delay
            hi = bisect_right(ts, high)
            for window, aggregates in windows:
                low = high - window
                lo = bisect_right(ts, low, 0, hi)
                if hi > lo:  # every aggregate of an empty window is 0 (the template's value)
                    for column, aggregate in aggregates:
                        out[column] = aggregate(h, lo, hi, low, high, t)

    def _streams_into(self, out: list[float], h: History, t: int, k: int, entity: str) -> None:
        ts = h.ts
        prev_km = _prev_km(h, k) if k > 0 and self._prev_km[entity] else 0.0
        for column, signal, window in self._streams[entity]:
            lo = bisect_right(ts, t - window, 0, k)  # entries before the current one in (t - window, t]
            out[column] = signal(h, t, k, lo, prev_km)

    def apply_label(self, label: Label) -> list[tuple[str, int]] | None:
        """Apply a chargeback label; it counts for features at times ``>= label.reported_at``.

        Returns the ``(namespace, key)`` of every history it changed (``History.set_label``: often none), or
        None when the transaction is not in the state (never seen or already evicted; such a label cannot
        affect any future feature). The transaction is looked up in every source. Re-applying the same label
        is harmless.
        """
        t, reported = to_epoch_us(label.event_time), to_epoch_us(label.reported_at)
        key_tx = tx_key(label.transaction_id)
        changed: list[tuple[str, int]] | None = None
        for source in self._clocks:
            for entity in self._labelled:
                key = label.customer_id if entity == "customer" else label.terminal_id
                ns = namespace(entity, source)
                h = self._entities[ns].get(key)
                result = None if h is None else h.set_label(t, key_tx, label.is_fraud, reported)
                if result is not None:
                    changed = changed or []
                    if result:
                        changed.append((ns, key))
        return changed

    def prune(self, dropped_keys: dict[str, set[int]] | None = None) -> int:
        """Evict expired history everywhere and forget idle entities; returns how many were dropped, and adds
        each to ``dropped_keys[namespace]`` when given (a store then persists that nothing is left of it).

        Eviction is otherwise lazy (on an entity's next event): call this now and then (e.g. at each
        checkpoint) so that memory follows the active entities, not every entity ever seen.
        """
        dropped = 0
        for ns, histories in self._entities.items():
            cutoff = self._cutoff(ns)
            for key in list(histories):
                histories[key].evict(cutoff)
                if not histories[key].ts:
                    del histories[key]
                    dropped += 1
                    if dropped_keys is not None:
                        dropped_keys.setdefault(ns, set()).add(key)
        return dropped

    def _cutoff(self, ns: str) -> int:
        entity, _, source = ns.partition(SOURCE_SEPARATOR)
        return self._clocks.get(source, 0) - self._lateness_us - self._retention_us[entity]

    def snapshot_header(self) -> SnapshotHeader:
        """The snapshot's fields besides the histories (format, clocks, lateness)."""
        return {"format": SNAPSHOT_FORMAT, "clocks": dict(self._clocks), "allowed_lateness_us": self._lateness_us}

    def snapshot(self) -> dict[str, Any]:
        """A JSON-serialisable copy of the state: ``snapshot_header()`` + one entry per namespace
        (``{"customer": {"<id>": {...}}, "terminal": {...}, "customer@<source>": ...}``).

        Each entity's entry stands alone, so a store can persist them per key; expired history is left out.
        """
        data: dict[str, Any] = dict(self.snapshot_header())
        for ns in self._entities:
            data[ns] = {str(key): entry.to_json() for key, entry in self.export_entities(ns, self._entities[ns]).items()
                        if entry is not None}
        return data

    @property
    def newest_us(self) -> int | None:
        """Newest event time seen on any source (epoch microseconds), or None before the first event."""
        return max(self._clocks.values(), default=None)

    @property
    def clocks(self) -> dict[str, int]:
        """Each source's newest event time (epoch microseconds)."""
        return dict(self._clocks)

    def export_entities(self, ns: str, keys: Iterable[int]) -> dict[int, History | None]:
        """Detached copies (``History.copy_after``) of just ``keys`` of namespace ``ns``, without their expired
        entries (None where nothing is left to keep), so a store can persist only the entities an event or a
        label touched since its last checkpoint; ``History.to_json`` makes a ``snapshot()`` entry of one."""
        cutoff, histories = self._cutoff(ns), self._entities.get(ns, {})
        out: dict[int, History | None] = {}
        for key in keys:
            h = histories.get(key)
            out[key] = h.copy_after(cutoff) if h is not None and h.ts and h.ts[-1] > cutoff else None
        return out

    @classmethod
    def restore(cls, data: dict[str, Any], *, allowed_lateness: timedelta | None = None) -> "OnlineFeatureState":
        """Rebuild a state from ``snapshot()`` output (possibly after a JSON round trip); a format-1
        snapshot (one clock) becomes the live source's. ``allowed_lateness``, when given (the consumer's
        setting), wins over the value the snapshot was taken with: a changed setting takes effect on restart."""
        data = upgrade_snapshot(data)
        if data.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unsupported snapshot format {data.get('format')!r}")
        saved = timedelta(microseconds=data["allowed_lateness_us"])
        state = cls(allowed_lateness=saved if allowed_lateness is None else allowed_lateness)
        for source, newest in data["clocks"].items():
            state._add_source(source)
            state._clocks[source] = newest
        for ns in state._entities:
            state._entities[ns] = {int(key): History.from_json(h) for key, h in data.get(ns, {}).items()}
        return state

    def __len__(self) -> int:
        """Number of entities held (customers + terminals), for metrics."""
        return sum(len(v) for v in self._entities.values())
