"""UTC timestamps: the one wire format (ISO-8601, microseconds, ``Z``) and exact integer epoch microseconds.

Features use integer microseconds so that window boundaries compare exactly (float seconds would not).
"""

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def is_utc(value: datetime) -> bool:
    """True if ``value`` is tz-aware with a zero UTC offset."""
    offset = value.utcoffset()
    return offset is not None and not offset


def format_utc(value: datetime) -> str:
    """``2018-04-01T07:19:05.000000Z`` for a UTC datetime (the offset is converted if not zero)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"  # C fast path, not strftime


def parse_utc(text: str) -> datetime:
    """Parse an ISO-8601 timestamp with an explicit offset into a UTC datetime.

    Raises ``ValueError`` if unparsable or naive (a naive time has no defined instant).
    """
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive timestamp")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def to_epoch_us(value: datetime) -> int:
    """Exact microseconds since the Unix epoch for a tz-aware datetime."""
    return (value - EPOCH) // _ONE_US


def from_epoch_us(us: int) -> datetime:
    """Inverse of ``to_epoch_us``: a UTC datetime."""
    return EPOCH + timedelta(microseconds=us)


def delta_us(delta: timedelta) -> int:
    """Exact microseconds in a timedelta."""
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
