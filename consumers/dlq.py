"""Dead-letter records for ``transaction_dlq``: the original bytes untouched, the reason in headers.

Format (headers, UTF-8 values; the value and key are the original record's, byte for byte, so invalid
UTF-8 and oversize payloads survive for inspection and replay):

==================  =================================================================
``dlq.reason``      ``str(EventValidationError)``, e.g. ``amount: must be > 0.0 ... (got -3.0)``
``dlq.field``       the failing field (``payload`` when the bytes are unusable)
``dlq.category``    the error's ``ErrorCode`` value (``CATEGORIES``), also the metrics label
``dlq.topic`` / ``dlq.partition`` / ``dlq.offset``  where the record came from
``dlq.failed_at``   UTC ISO-8601 time of the rejection
==================  =================================================================
"""

from __future__ import annotations

from datetime import datetime

from fraud_domain.errors import ErrorCode, EventValidationError
from fraud_domain.pii import scrub
from fraud_domain.utc import format_utc

PROCESSING_ERROR = "processing_error"  # anything but a validation error: a bug or an outage, not bad input
CATEGORIES = (*(code.value for code in ErrorCode), PROCESSING_ERROR)


def category(err: Exception) -> str:
    """One of ``CATEGORIES``: the validation error's ``code``, else ``processing_error``."""
    return err.code.value if isinstance(err, EventValidationError) else PROCESSING_ERROR


def headers(err: Exception, topic: str, partition: int, offset: int, now: datetime) -> list[tuple[str, bytes]]:
    """The DLQ headers for one rejected record."""
    field = err.field if isinstance(err, EventValidationError) else "processing"
    reason = str(err) if isinstance(err, EventValidationError) else scrub(f"processing: {type(err).__name__}: {err}")
    return [
        ("dlq.reason", reason[:1000].encode()),
        ("dlq.field", field.encode()),
        ("dlq.category", category(err).encode()),
        ("dlq.topic", topic.encode()),
        ("dlq.partition", str(partition).encode()),
        ("dlq.offset", str(offset).encode()),
        ("dlq.failed_at", format_utc(now).encode()),
    ]
