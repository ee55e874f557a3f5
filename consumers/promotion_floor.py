"""The newest champion promotion a scorer group has served, kept in Cassandra (``fraud.model_promotion_floor``).

``ModelRegistry`` refuses a signed champion pointer promoted before it: an old pointer copied back over the
champion (HDFS' simple authentication lets any local user write ``/models``; only the signing key can make a
new pointer) cannot roll the scorer back, across restarts included. A deliberate rollback is a new promotion
(``fraudctl model promote VERSION``), later than every pointer before it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from fraud_domain.utc import from_epoch_us, to_epoch_us


class PromotionFloor(Protocol):
    def load(self) -> datetime | None:
        """The promotion time of the newest champion served (None before the first)."""
        ...

    def raise_to(self, promoted_at: datetime, version: str) -> None:
        """Record that the champion promoted at ``promoted_at`` (``version``) is served."""
        ...


class CassandraPromotionFloor:
    """One row per scorer group and model store root; the time in microseconds (a CQL timestamp keeps only
    milliseconds, and two promotions can be closer than that)."""

    def __init__(self, session: Any, group: str, models_root: str) -> None:
        self.session, self.key = session, (group, models_root)
        self._read = session.prepare("SELECT promoted_at_us FROM model_promotion_floor "
                                     "WHERE scorer_group = ? AND models_root = ?")
        self._write = session.prepare("UPDATE model_promotion_floor SET promoted_at_us = ?, version = ?, "
                                      "updated_at = ? WHERE scorer_group = ? AND models_root = ?")

    def load(self) -> datetime | None:
        row = self.session.execute(self._read, self.key).one()
        if row is None or row.promoted_at_us is None:
            return None
        return from_epoch_us(row.promoted_at_us)

    def raise_to(self, promoted_at: datetime, version: str) -> None:
        self.session.execute(self._write, (to_epoch_us(promoted_at), version, datetime.now(UTC), *self.key))
