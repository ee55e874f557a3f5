"""Records -> Cassandra rows for the persister: pure mapping, unit-tested.

``transaction_topic`` -> ``transactions_by_customer``; ``fraud_topic`` -> ``decisions`` (with the transaction's
keys the ``Decision`` carries), ``decisions_by_minute`` and, for review/block, ``alerts_by_day``.
Every key holds ``transaction_id``: writing a row twice leaves one row.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fraud_domain.schema import parse_decision, parse_event

TX_COLUMNS = ("customer_id", "event_time", "transaction_id", "terminal_id", "amount", "currency", "channel",
              "merchant_category", "device_id", "card_token")
DECISION_COLUMNS = ("transaction_id", "event_time", "scored_at", "customer_id", "terminal_id", "amount", "score",
                    "decision", "reasons", "model_version", "features")
MINUTE_COLUMNS = ("minute", "transaction_id", "decision", "score", "amount")
ALERT_COLUMNS = ("day", "event_time", "transaction_id", "customer_id", "terminal_id", "amount", "score",
                 "decision", "reasons", "model_version")
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)  # parse_event's future check is the scorer's job, not ours


def transaction_row(raw: bytes, max_bytes: int) -> tuple:
    """``transactions_by_customer`` values (``EventValidationError`` if the payload is invalid)."""
    ev = parse_event(raw, now=_FAR_FUTURE, max_bytes=max_bytes, max_amount=float("inf"))
    return (ev.customer_id, ev.event_time, uuid.UUID(ev.transaction_id), ev.terminal_id, ev.amount, ev.currency,
            ev.channel, ev.merchant_category, ev.device_id, ev.card_token)


def decision_rows(raw: bytes) -> tuple[tuple, tuple, tuple | None]:
    """(``decisions``, ``decisions_by_minute``, ``alerts_by_day`` or None) values for one decision."""
    d = parse_decision(raw)
    tx = uuid.UUID(d.transaction_id)
    decision = (tx, d.event_time, d.scored_at, d.customer_id, d.terminal_id, d.amount, d.score, d.decision,
                list(d.reasons), d.model_version, d.features)
    minute = (d.event_time.replace(second=0, microsecond=0), tx, d.decision, d.score, d.amount)
    alert = None
    if d.decision != "approve":
        alert = (d.event_time.date(), d.event_time, tx, d.customer_id, d.terminal_id, d.amount, d.score,
                 d.decision, list(d.reasons), d.model_version)
    return decision, minute, alert
