"""Exceptions raised by the domain package; callers catch ``DomainError`` to catch them all."""


class DomainError(Exception):
    """Base class of every error raised by ``fraud_domain``."""


class EventValidationError(DomainError, ValueError):
    """A payload or record failed validation; ``field`` names the first failing field.

    ``field`` is ``"payload"`` when the bytes themselves are unusable (too large, not UTF-8, not JSON).
    ``str(err)`` reads like ``"amount: must be > 0 (got -3.0)"`` and is what goes to the DLQ.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def __reduce__(self):  # keep the two-argument constructor picklable (Spark ships exceptions around)
        return (type(self), (self.field, self.reason))


class TokenisationError(DomainError, ValueError):
    """A card number or IP address could not be normalised; the message never contains the clear value."""
