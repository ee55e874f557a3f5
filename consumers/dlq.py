"""Dead-letter records for ``transaction_dlq``: the original bytes untouched, the reason in headers.

Format (headers, UTF-8 values; the value and key are the original record's, byte for byte, so invalid
UTF-8 and oversize payloads survive for inspection and replay):

==================  =================================================================
``dlq.reason``      ``str(EventValidationError)``, e.g. ``amount: must be > 0.0 ... (got -3.0)``
``dlq.field``       the failing field (``payload`` when the bytes are unusable)
``dlq.category``    a low-cardinality class (``CATEGORIES``), also the metrics label
``dlq.topic`` / ``dlq.partition`` / ``dlq.offset``  where the record came from
``dlq.failed_at``   UTC ISO-8601 time of the rejection
==================  =================================================================
"""

from __future__ import annotations

from datetime import datetime

from fraud_domain.errors import EventValidationError
from fraud_domain.utc import format_utc

CATEGORIES = ("oversize", "not_utf8", "not_json", "not_object", "missing_field", "unknown_field",
              "duplicate_field", "wrong_type", "out_of_range", "future_timestamp", "bad_format",
              "processing_error")


def category(err: Exception) -> str:
    """Map a rejection to one of ``CATEGORIES`` (from the domain's field/reason wording)."""
    if not isinstance(err, EventValidationError):
        return "processing_error"
    field, reason = err.field, err.reason
    if field == "payload":
        if reason.startswith("must be at most"):
            return "oversize"
        if reason.startswith("must be UTF-8"):
            return "not_utf8"
        if reason.startswith("must be JSON"):
            return "not_json"
        return "not_object"
    if reason == "missing":
        return "missing_field"
    if reason == "unknown field":
        return "unknown_field"
    if reason == "duplicate key":
        return "duplicate_field"
    if field == "event_time" and "after now" in reason:
        return "future_timestamp"
    if reason.startswith(("must be a string", "must be an integer", "must be a number", "must be a datetime",
                          "must be an ISO-8601 string", "must be a boolean")):
        return "wrong_type"
    if reason.startswith(("must be in [", "must be >", "must be <", "must be finite")):
        return "out_of_range"
    return "bad_format"


def headers(err: Exception, topic: str, partition: int, offset: int, now: datetime) -> list[tuple[str, bytes]]:
    """The DLQ headers for one rejected record."""
    field = err.field if isinstance(err, EventValidationError) else "processing"
    reason = str(err) if isinstance(err, EventValidationError) else f"processing: {type(err).__name__}: {err}"
    return [
        ("dlq.reason", reason[:1000].encode()),
        ("dlq.field", field.encode()),
        ("dlq.category", category(err).encode()),
        ("dlq.topic", topic.encode()),
        ("dlq.partition", str(partition).encode()),
        ("dlq.offset", str(offset).encode()),
        ("dlq.failed_at", format_utc(now).encode()),
    ]
