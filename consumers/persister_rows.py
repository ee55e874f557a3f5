"""Records -> Cassandra rows for the persister: pure mapping, unit-tested.

``transaction_topic`` -> ``transactions_by_customer``; ``fraud_topic`` -> ``decisions`` (with the transaction's
keys the ``Decision`` carries), ``decisions_by_minute``, for review/block ``alerts_by_day``, and the decision
half of ``decision_labels``; ``fraud_labels`` -> the label half of ``decision_labels``. The two halves write
disjoint columns of one row (day and hour of the event time, transaction): Cassandra merges them in either
order.
Every key holds ``transaction_id``: writing a row twice leaves one row.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from consumers.decision_quality import ALERT_DECISIONS, DayQuality
from fraud_domain.schema import parse_decision, parse_event, parse_label

DECISION_LABELS = "decision_labels"
QUALITY_BY_HOUR = "decision_quality_by_hour"
QUALITY_BY_DAY = "decision_quality_by_day"

TX_COLUMNS = ("customer_id", "event_time", "transaction_id", "terminal_id", "amount", "currency", "channel",
              "merchant_category", "device_id", "card_token")
DECISION_COLUMNS = ("transaction_id", "event_time", "scored_at", "customer_id", "terminal_id", "amount", "score",
                    "decision", "reasons", "model_version", "features")
MINUTE_COLUMNS = ("minute", "transaction_id", "decision", "score", "amount")
ALERT_COLUMNS = ("day", "event_time", "transaction_id", "customer_id", "terminal_id", "amount", "score",
                 "decision", "reasons", "model_version")
JOINED_DECISION_COLUMNS = ("day", "hour", "transaction_id", "decision", "score", "reasons")  # decision half
JOINED_LABEL_COLUMNS = ("day", "hour", "transaction_id", "is_fraud")  # decision_labels, label half
COUNT_COLUMNS = ("labelled", "alerts", "true_positives", "false_positives", "false_negatives")
HOUR_QUALITY_COLUMNS = ("day", "hour", *COUNT_COLUMNS, "updated_at")
QUALITY_COLUMNS = ("day", *COUNT_COLUMNS, "precision", "recall", "alert_rate", "fraud_rate", "updated_at")
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)  # parse_event's future check is the scorer's job, not ours


def insert_cql(table: str, columns: tuple[str, ...]) -> str:
    """The prepared ``INSERT`` (an upsert) of ``columns`` into ``table``."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def transaction_row(raw: bytes, max_bytes: int) -> tuple:
    """``transactions_by_customer`` values (``EventValidationError`` if the payload is invalid)."""
    ev = parse_event(raw, now=_FAR_FUTURE, max_bytes=max_bytes, max_amount=float("inf"))
    return (ev.customer_id, ev.event_time, uuid.UUID(ev.transaction_id), ev.terminal_id, ev.amount, ev.currency,
            ev.channel, ev.merchant_category, ev.device_id, ev.card_token)


def decision_rows(raw: bytes) -> tuple[tuple, tuple, tuple | None, tuple]:
    """(``decisions``, ``decisions_by_minute``, ``alerts_by_day`` or None, ``decision_labels``' decision half)
    values for one decision."""
    d = parse_decision(raw)
    tx = uuid.UUID(d.transaction_id)
    decision = (tx, d.event_time, d.scored_at, d.customer_id, d.terminal_id, d.amount, d.score, d.decision,
                list(d.reasons), d.model_version, d.features)
    minute = (d.event_time.replace(second=0, microsecond=0), tx, d.decision, d.score, d.amount)
    alert = None
    if d.decision in ALERT_DECISIONS:
        alert = (d.event_time.date(), d.event_time, tx, d.customer_id, d.terminal_id, d.amount, d.score,
                 d.decision, list(d.reasons), d.model_version)
    return decision, minute, alert, (d.event_time.date(), d.event_time.hour, tx, d.decision, d.score, list(d.reasons))


def label_row(raw: bytes) -> tuple:
    """``decision_labels``' label half for one ``fraud_labels`` payload (``EventValidationError`` if invalid)."""
    label = parse_label(raw)
    return label.event_time.date(), label.event_time.hour, uuid.UUID(label.transaction_id), label.is_fraud


def hour_quality_row(q: DayQuality, hour: int, updated_at: datetime) -> tuple:
    """``decision_quality_by_hour`` values (``q`` holds that hour's counts)."""
    return (q.day, hour, *q.counts(), updated_at)


def quality_row(q: DayQuality, updated_at: datetime) -> tuple:
    """``decision_quality_by_day`` values."""
    return (q.day, *q.counts(), q.precision, q.recall, q.alert_rate, q.fraud_rate, updated_at)
