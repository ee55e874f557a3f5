"""``History``: one entity's recent transactions, time-ordered, for the online feature state.

Parallel typed arrays (``array.array``: 8 bytes a value, no Python object per entry) so that a window is two
``bisect`` calls and its sum one C-level ``sum`` over a slice, and a held transaction costs 40 bytes per
entity: the state is bounded by the events in the retention horizon, at a size that fits. A transaction is
held by its **id key** (``tx_key``: a digest of the id, 11 digits at most), used only to recognise a
re-delivery or a label among the entries at exactly the same microsecond of the same entity. Equal timestamps
keep processing order (``bisect_right`` inserts after them), which is the order the reference uses. Fraud
labels live in a short side list: frauds are rare.
"""

from array import array
from bisect import bisect_right
from hashlib import blake2b
from typing import Any

# Keys have at most 11 digits: a stored snapshot must never hold a number a PII scan reads as a card number
# (13-19 digits, ``fraud_domain.pii``; 64-bit keys did, caught by ``tests/e2e/test_pii_scan.py``). Two
# transactions of one entity at the same microsecond share a key with probability 1e-11.
KEY_SPACE = 10**11


def tx_key(transaction_id: str) -> int:
    """The key a history holds ``transaction_id`` by (stable across processes and releases), < ``KEY_SPACE``."""
    return int.from_bytes(blake2b(transaction_id.encode(), digest_size=8).digest(), "little") % KEY_SPACE


class History:
    """Transactions of one customer or terminal with time in the retention horizon."""

    __slots__ = ("amount", "frauds", "lat", "lon", "ts", "tx")

    def __init__(self) -> None:
        self.ts = array("q")  # epoch microseconds, non-decreasing
        self.amount = array("d")
        self.tx = array("q")  # tx_key of each transaction id
        self.lat = array("d")
        self.lon = array("d")
        self.frauds: list[tuple[int, int, int]] = []  # (ts, reported_at us, tx_key)

    def find(self, t: int, key: int) -> int:
        """Index of the transaction keyed ``key`` at time ``t``, or -1 (scans only the entries at exactly ``t``)."""
        k = bisect_right(self.ts, t) - 1
        ts, ids = self.ts, self.tx
        while k >= 0 and ts[k] == t:
            if ids[k] == key:
                return k
            k -= 1
        return -1

    def insert(self, t: int, amount: float, key: int, lat: float, lon: float) -> int:
        """Insert after every entry at or before ``t``; returns the index. In-order events append."""
        ts = self.ts
        if not ts or ts[-1] <= t:
            k = len(ts)
            ts.append(t)
            self.amount.append(amount)
            self.tx.append(key)
            self.lat.append(lat)
            self.lon.append(lon)
            return k
        k = bisect_right(ts, t)
        ts.insert(k, t)
        self.amount.insert(k, amount)
        self.tx.insert(k, key)
        self.lat.insert(k, lat)
        self.lon.insert(k, lon)
        return k

    def evict(self, cutoff: int) -> None:
        """Drop every entry with time <= ``cutoff`` (no window reaches that far back any more)."""
        if not self.ts or self.ts[0] > cutoff:
            return
        k = bisect_right(self.ts, cutoff)
        del self.ts[:k], self.amount[:k], self.tx[:k], self.lat[:k], self.lon[:k]
        if self.frauds:
            self.frauds = [f for f in self.frauds if f[0] > cutoff]

    def set_label(self, t: int, key: int, is_fraud: bool, reported_us: int) -> bool | None:
        """Record a label for a transaction held here. None if it is not held (unknown/evicted), else whether
        the history changed: the last label wins (a correction replaces it), and a re-delivery or a non-fraud
        label of a transaction never labelled fraud changes nothing (so nothing needs saving)."""
        if self.find(t, key) < 0:
            return None
        held = [f for f in self.frauds if f[2] == key]
        new = [(t, reported_us, key)] if is_fraud else []
        if held == new:
            return False
        self.frauds = [f for f in self.frauds if f[2] != key] + new
        return True

    def copy_after(self, cutoff: int) -> "History":
        """A detached copy of the entries after ``cutoff``: C-level slices of the columns, no Python object per
        entry, so the scorer can take it between two batches and serialise it (``to_json``) in another thread."""
        k = bisect_right(self.ts, cutoff)
        h = History.__new__(History)
        h.ts, h.amount, h.tx, h.lat, h.lon = self.ts[k:], self.amount[k:], self.tx[k:], self.lat[k:], self.lon[k:]
        h.frauds = [f for f in self.frauds if f[0] > cutoff]
        return h

    def to_json(self) -> dict[str, Any]:
        """Every entry as a JSON-serialisable dict (``tx``: the id keys)."""
        return {"ts": self.ts.tolist(), "amount": self.amount.tolist(), "tx": self.tx.tolist(),
                "lat": self.lat.tolist(), "lon": self.lon.tolist(), "frauds": [list(f) for f in self.frauds]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "History":
        """Inverse of ``to_json``; a snapshot written before the id keys (``tx`` holding the ids) is keyed here."""
        h = cls()
        h.ts.fromlist([int(v) for v in data["ts"]])
        h.amount.fromlist([float(v) for v in data["amount"]])
        h.tx.fromlist([_key(v) for v in data["tx"]])
        h.lat.fromlist([float(v) for v in data["lat"]])
        h.lon.fromlist([float(v) for v in data["lon"]])
        h.frauds = [(int(a), int(b), _key(c)) for a, b, c in data["frauds"]]
        if not len(h.ts) == len(h.amount) == len(h.tx) == len(h.lat) == len(h.lon):
            raise ValueError("history columns differ in length")
        return h


def _key(value: int | str) -> int:
    return tx_key(value) if isinstance(value, str) else int(value) % KEY_SPACE
