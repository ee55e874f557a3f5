"""``History``: one entity's recent transactions, time-ordered, for the online feature state.

Parallel lists (not a deque of tuples) so that a window is two ``bisect`` calls and its sum one C-level
``sum`` over a slice. Equal timestamps keep processing order (``bisect_right`` inserts after them), which
is the order the reference uses. Fraud labels live in a short side list: frauds are rare.
"""

from bisect import bisect_right
from typing import Any


class History:
    """Transactions of one customer or terminal with time in the retention horizon."""

    __slots__ = ("amount", "frauds", "lat", "lon", "ts", "tx")

    def __init__(self) -> None:
        self.ts: list[int] = []  # epoch microseconds, non-decreasing
        self.amount: list[float] = []
        self.tx: list[str] = []
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.frauds: list[tuple[int, int, str]] = []  # (ts, reported_at us, transaction_id)

    def find(self, t: int, tx: str) -> int:
        """Index of transaction ``tx`` at time ``t``, or -1 (scans only the entries at exactly ``t``)."""
        k = bisect_right(self.ts, t) - 1
        ts, ids = self.ts, self.tx
        while k >= 0 and ts[k] == t:
            if ids[k] == tx:
                return k
            k -= 1
        return -1

    def insert(self, t: int, amount: float, tx: str, lat: float, lon: float) -> int:
        """Insert after every entry at or before ``t``; returns the index. In-order events append."""
        ts = self.ts
        if not ts or ts[-1] <= t:
            k = len(ts)
            ts.append(t)
            self.amount.append(amount)
            self.tx.append(tx)
            self.lat.append(lat)
            self.lon.append(lon)
            return k
        k = bisect_right(ts, t)
        ts.insert(k, t)
        self.amount.insert(k, amount)
        self.tx.insert(k, tx)
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

    def set_label(self, t: int, tx: str, is_fraud: bool, reported_us: int) -> bool:
        """Record a label for a transaction held here; returns False if it is not held (unknown/evicted)."""
        if self.find(t, tx) < 0:
            return False
        # The last label for a transaction wins (a correction replaces it; a re-delivery changes nothing).
        self.frauds = [f for f in self.frauds if f[2] != tx]
        if is_fraud:
            self.frauds.append((t, reported_us, tx))
        return True

    def to_json(self, cutoff: int) -> dict[str, Any]:
        """The entries after ``cutoff`` as a JSON-serialisable dict."""
        k = bisect_right(self.ts, cutoff)
        return {
            "ts": self.ts[k:],
            "amount": self.amount[k:],
            "tx": self.tx[k:],
            "lat": self.lat[k:],
            "lon": self.lon[k:],
            "frauds": [list(f) for f in self.frauds if f[0] > cutoff],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "History":
        """Inverse of ``to_json``."""
        h = cls()
        h.ts, h.amount, h.tx = list(data["ts"]), list(data["amount"]), list(data["tx"])
        h.lat, h.lon = list(data["lat"]), list(data["lon"])
        h.frauds = [(int(a), int(b), str(c)) for a, b, c in data["frauds"]]
        if not len(h.ts) == len(h.amount) == len(h.tx) == len(h.lat) == len(h.lon):
            raise ValueError("history columns differ in length")
        return h
