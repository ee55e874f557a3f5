"""The API's data: a ``Simulation`` (simulated, or loaded from a handbook-layout file) indexed by UTC date.

Rows are kept in the simulation's deterministic order (time, then customer). A day is turned into event and
label JSON on first request (tokenising cards and IPs on the way) and kept in a small LRU cache. A file row
whose amount is not a positive number cannot be an event: it is served as the partial object it is, so the
pipeline downstream sees (and quarantines) what a real upstream would send.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import overload

import numpy as np
import pandas as pd

from fraud_domain.schema import SCHEMA_VERSION, Label, event_to_json, label_to_json
from fraud_domain.simulator import Simulation, iter_events
from fraud_domain.simulator.events import transaction_uuid
from fraud_domain.tokenise import Tokeniser
from fraud_domain.utc import format_utc
from fraud_platform.memory import release_free_memory

SECONDS_PER_DAY = 86_400


class Rows:
    """A day's rows (compact JSON each) held as one comma-joined buffer and the offsets of each row: a page is
    one slice of it. One large allocation per day instead of ~10k small objects, so an evicted day gives its
    memory back to the OS (``fraud_platform.memory.release_free_memory``) instead of pinning the heap pages its
    ~20k small objects shared with the day's short-lived temporaries."""

    __slots__ = ("_blob", "_ends", "_starts")

    def __init__(self, rows: list[bytes]) -> None:
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        self._starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1])) if rows else np.zeros(0, np.int64)
        self._ends = self._starts + lengths
        self._blob = b",".join(rows)

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, i: int) -> bytes: ...
    @overload
    def __getitem__(self, i: slice) -> list[bytes]: ...
    def __getitem__(self, i: int | slice) -> bytes | list[bytes]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._blob[self._starts[i]:self._ends[i]]

    def __iter__(self) -> Iterator[bytes]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rows) and self._blob == other._blob and np.array_equal(self._ends, other._ends)

    __hash__ = None  # type: ignore[assignment]

    def joined(self, start: int, end: int) -> bytes:
        """Rows ``[start, end)`` joined by commas (what ``b",".join(rows[start:end])`` gives)."""
        return self._blob[self._starts[start]:self._ends[end - 1]] if end > start else b""


Day = tuple[Rows, Rows]  # (events, labels) as compact JSON


class HistorySource:
    """Serves one simulation's rows by date; `fingerprint` changes whenever the data would."""

    def __init__(self, sim: Simulation, tokeniser: Tokeniser, cache_days: int = 4) -> None:
        self.sim = sim
        self._tokeniser = tokeniser
        self.first = sim.config.start_date
        self.last = self.first + timedelta(days=sim.config.n_days - 1)
        days = sim.transactions["TX_TIME_SECONDS"].to_numpy() // SECONDS_PER_DAY
        self._bounds = np.searchsorted(days, np.arange(sim.config.n_days + 1), side="left")
        self._cache: OrderedDict[date, Day] = OrderedDict()
        self._cache_days = cache_days
        self._lock = threading.Lock()

    @property
    def fingerprint(self) -> str:
        return self.sim.run_id

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last

    def describe(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def total(self, day: date) -> int:
        i = (day - self.first).days
        return int(self._bounds[i + 1] - self._bounds[i])

    def events(self, day: date) -> Rows:
        return self._day(day)[0]

    def labels(self, day: date) -> Rows:
        return self._day(day)[1]

    def _day(self, day: date) -> Day:
        with self._lock:  # one serialisation per day even when pages of it arrive concurrently
            cached = self._cache.get(day)
            if cached is not None:
                self._cache.move_to_end(day)
                return cached
            cached = self._cache[day] = self._serialise(day)
            while len(self._cache) > self._cache_days:
                self._cache.popitem(last=False)
            release_free_memory()  # ~10 ms beside a day's ~0.4 s of serialising
            return cached

    def _serialise(self, day: date) -> Day:
        i = (day - self.first).days
        rows = self.sim.transactions.iloc[int(self._bounds[i]) : int(self._bounds[i + 1])]
        amounts = rows["TX_AMOUNT"].to_numpy()
        valid = np.isfinite(amounts) & (amounts > 0)
        part = Simulation(self.sim.config, self.sim.profiles, rows[valid])  # same config: same ids and tokens
        pairs = iter_events(part, self._tokeniser)
        events, labels = [], []
        for ok, (_, row) in zip(valid, _rows(rows, valid), strict=True):
            if ok:
                event, label = next(pairs)
                events.append(event_to_json(event))
                labels.append(label_to_json(label))
            else:  # upstream garbage is passed on as it is: the load job quarantines it with a reason
                events.append(_raw_event(self.sim, row))
                labels.append(label_to_json(_label(self.sim, row)))
        return Rows(events), Rows(labels)


def _rows(rows: pd.DataFrame, valid: np.ndarray) -> Iterator[tuple[object, pd.Series | None]]:
    """The rows themselves only when some are invalid (iterrows is slow; valid rows do not need it)."""
    return rows.iterrows() if not valid.all() else ((None, None) for _ in range(len(rows)))


def _raw_event(sim: Simulation, row: pd.Series) -> bytes:
    """What a row with an unusable amount holds, under the event's field names (amount null if not a number)."""
    amount = float(row["TX_AMOUNT"])
    obj = {"transaction_id": transaction_uuid(sim.run_id, int(row["TRANSACTION_ID"])),
           "event_time": format_utc(_when(sim, row)), "customer_id": int(row["CUSTOMER_ID"]),
           "terminal_id": int(row["TERMINAL_ID"]), "amount": amount if math.isfinite(amount) else None,
           "currency": sim.config.currency, "schema_version": SCHEMA_VERSION}
    return json.dumps(obj, separators=(",", ":")).encode()


def _label(sim: Simulation, row: pd.Series) -> Label:
    when = _when(sim, row)
    return Label(transaction_id=transaction_uuid(sim.run_id, int(row["TRANSACTION_ID"])), event_time=when,
                 customer_id=int(row["CUSTOMER_ID"]), terminal_id=int(row["TERMINAL_ID"]),
                 is_fraud=bool(row["TX_FRAUD"]), scenario=int(row["TX_FRAUD_SCENARIO"]),
                 reported_at=when + sim.config.label_delay)


def _when(sim: Simulation, row: pd.Series) -> datetime:
    start = datetime(sim.config.start_date.year, sim.config.start_date.month, sim.config.start_date.day, tzinfo=UTC)
    return start + timedelta(seconds=int(row["TX_TIME_SECONDS"]))
