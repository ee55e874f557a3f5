"""Exceptions raised by the domain package; callers catch ``DomainError`` to catch them all."""

from enum import StrEnum

from fraud_domain.pii import scrub


class DomainError(Exception):
    """Base class of every error raised by ``fraud_domain``."""


class ErrorCode(StrEnum):
    """Why a payload or record was rejected: set where the error is raised, never inferred from wording.

    The values are the DLQ's ``dlq.category`` header values and metric labels (``consumers/dlq.py``).
    """

    OVERSIZE = "oversize"  # payload larger than the limit
    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"  # valid JSON but not an object (or not bytes at all)
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    DUPLICATE_FIELD = "duplicate_field"
    WRONG_TYPE = "wrong_type"  # e.g. a string where an integer belongs, ``true`` for a number
    OUT_OF_RANGE = "out_of_range"  # a number outside its bounds, NaN or infinite
    FUTURE_TIMESTAMP = "future_timestamp"  # event_time too far after the consumer's clock
    LATE = "late"  # event_time further behind its source's newest event than the allowed lateness
    BAD_FORMAT = "bad_format"  # right type, wrong shape: malformed id, token, code, timestamp, ...


class EventValidationError(DomainError, ValueError):
    """A payload or record failed validation; ``field`` names the first failing field, ``code`` says why.

    ``field`` is ``"payload"`` when the bytes themselves are unusable (too large, not UTF-8, not JSON).
    ``str(err)`` reads like ``"amount: must be > 0 (got -3.0)"`` and is what goes to the DLQ; a card number
    or IP address in the field name or the echoed value is replaced by a marker (``fraud_domain.pii``).
    """

    def __init__(self, field: str, reason: str, code: ErrorCode) -> None:
        field, reason = scrub(field), scrub(reason)  # said about bad input: never a card number or IP
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.code = code

    def __reduce__(self) -> tuple[type["EventValidationError"], tuple[str, str, ErrorCode]]:
        # keep the three-argument constructor picklable (Spark ships exceptions around)
        return (type(self), (self.field, self.reason, self.code))


class TokenisationError(DomainError, ValueError):
    """A card number or IP address could not be normalised; the message never contains the clear value."""
