"""``TransactionEvent``: the payload on ``transaction_topic``, and its strict JSON codec.

The event never carries the ground-truth label (that goes to ``fraud_labels`` after the chargeback delay).
Clear card numbers and IPs never appear either: only their ``Tokeniser`` tokens.
"""

import re
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import orjson

from fraud_domain.errors import ErrorCode
from fraud_domain.pii import holds_pii
from fraud_domain.schema import _checks as c
from fraud_domain.utc import UTC, format_utc

SCHEMA_VERSION = 1
DEFAULT_MAX_AMOUNT = 1_000_000.0  # "absurd" ceiling: above it a value is a bug or an attack, not a payment
CHANNELS = frozenset({"pos", "ecom", "atm"})
_MCC_RE = re.compile(r"[0-9]{4}")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_DEVICE_MAX = 128
_INF = float("inf")
_UUID, _TOKEN = c.UUID_RE.fullmatch, c.TOKEN_RE.fullmatch
_MCC, _CURRENCY = _MCC_RE.fullmatch, _CURRENCY_RE.fullmatch


@dataclass(frozen=True, slots=True)
class TransactionEvent:
    """One card transaction. Construction validates every field (``EventValidationError`` on failure)."""

    transaction_id: str  # canonical lowercase UUID: the idempotency key of every sink
    event_time: datetime  # tz-aware UTC
    customer_id: int
    card_token: str  # Tokeniser.card(), 64 hex
    terminal_id: int
    merchant_category: str  # ISO 18245 MCC, 4 digits
    amount: float  # > 0; the parser also applies a ceiling
    currency: str  # ISO 4217 alphabetic code
    channel: str  # pos | ecom | atm
    device_id: str
    ip_token: str  # Tokeniser.ip(), 64 hex
    terminal_lat: float
    terminal_lon: float
    customer_lat: float
    customer_lon: float
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        # Hot path: one short-circuit expression for the common all-valid case (no per-field calls);
        # anything else goes through _validate, which names the failing field or widens int -> float.
        # NaN fails every comparison, so the range tests also reject it.
        t, a = self.event_time, self.amount
        if not (
            type(self.transaction_id) is str and _UUID(self.transaction_id)
            and type(t) is datetime and t.tzinfo is UTC
            and type(self.customer_id) is int and 0 <= self.customer_id <= c.INT64_MAX
            and type(self.card_token) is str and _TOKEN(self.card_token)
            and type(self.terminal_id) is int and 0 <= self.terminal_id <= c.INT64_MAX
            and type(self.merchant_category) is str and _MCC(self.merchant_category)
            and type(a) is float and 0.0 < a < _INF
            and type(self.currency) is str and _CURRENCY(self.currency)
            and type(self.channel) is str and self.channel in CHANNELS
            and type(self.device_id) is str and 0 < len(self.device_id) <= _DEVICE_MAX
            and self.device_id.isprintable() and not holds_pii(self.device_id)
            and type(self.ip_token) is str and _TOKEN(self.ip_token)
            and type(self.terminal_lat) is float and -90.0 <= self.terminal_lat <= 90.0
            and type(self.terminal_lon) is float and -180.0 <= self.terminal_lon <= 180.0
            and type(self.customer_lat) is float and -90.0 <= self.customer_lat <= 90.0
            and type(self.customer_lon) is float and -180.0 <= self.customer_lon <= 180.0
            and type(self.schema_version) is int and self.schema_version == SCHEMA_VERSION
        ):
            self._validate()

    def _validate(self) -> None:
        c.check_str("transaction_id", self.transaction_id, c.UUID_RE, "a lowercase canonical UUID")
        c.check_utc("event_time", self.event_time)
        c.check_int("customer_id", self.customer_id)
        c.check_str("card_token", self.card_token, c.TOKEN_RE, "64 lowercase hex characters")
        c.check_int("terminal_id", self.terminal_id)
        c.check_str("merchant_category", self.merchant_category, _MCC_RE, "a 4-digit MCC")
        c.check_str("currency", self.currency, _CURRENCY_RE, "an ISO-4217 code (3 upper-case letters)")
        c.check_choice("channel", self.channel, CHANNELS)
        device = self.device_id
        if type(device) is not str or not 0 < len(device) <= _DEVICE_MAX or not device.isprintable():
            c.fail("device_id", f"must be 1-{_DEVICE_MAX} printable characters {c.got(device)}", ErrorCode.BAD_FORMAT)
        if holds_pii(device):  # free text: the one field a producer could leak a clear card number or IP in
            c.fail("device_id", "must not hold a card number or an IP address", ErrorCode.BAD_FORMAT)
        c.check_str("ip_token", self.ip_token, c.TOKEN_RE, "64 lowercase hex characters")
        if type(self.schema_version) is not int or self.schema_version != SCHEMA_VERSION:
            c.fail("schema_version", f"must be {SCHEMA_VERSION} {c.got(self.schema_version)}", ErrorCode.BAD_FORMAT)
        # Numbers last: they may be widened int -> float, which needs the frozen-class escape hatch.
        for name, value in (
            ("amount", c.check_float("amount", self.amount, 0.0, _INF, low_open=True)),
            ("terminal_lat", c.check_float("terminal_lat", self.terminal_lat, -90.0, 90.0)),
            ("terminal_lon", c.check_float("terminal_lon", self.terminal_lon, -180.0, 180.0)),
            ("customer_lat", c.check_float("customer_lat", self.customer_lat, -90.0, 90.0)),
            ("customer_lon", c.check_float("customer_lon", self.customer_lon, -180.0, 180.0)),
        ):
            if type(getattr(self, name)) is not float:
                object.__setattr__(self, name, value)


EVENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(TransactionEvent))
_EVENT_KEYS = frozenset(EVENT_FIELDS)


def event_to_json(ev: TransactionEvent) -> bytes:
    """Compact UTF-8 JSON in field order; ``event_time`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    obj = {name: getattr(ev, name) for name in EVENT_FIELDS}
    obj["event_time"] = format_utc(ev.event_time)
    return orjson.dumps(obj)  # compact; every float was checked finite on construction


def parse_event(
    raw: bytes,
    *,
    now: datetime,
    max_bytes: int = 16384,
    max_future: timedelta = timedelta(minutes=5),
    max_amount: float = DEFAULT_MAX_AMOUNT,
) -> TransactionEvent:
    """Strictly parse one ``transaction_topic`` payload.

    Rejects (``EventValidationError`` naming the field): oversize, non-UTF-8 or non-JSON payloads and
    non-objects (field ``payload``), duplicate, missing or unknown keys, wrong types (``true`` is not an
    integer), NaN/inf, amounts <= 0 or > ``max_amount``, malformed ids, tokens, codes and coordinates,
    naive or unparsable timestamps, ``event_time`` more than ``max_future`` after ``now`` (clock skew
    allowance), and any other ``schema_version``.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be tz-aware")  # a caller bug, not a bad payload
    obj = c.load_object(raw, max_bytes)
    c.check_keys(obj, _EVENT_KEYS, allow_extra=False)
    event_time = c.parse_time("event_time", obj["event_time"])
    obj["event_time"] = event_time
    ev = TransactionEvent(**obj)
    if ev.amount > max_amount:
        c.fail("amount", f"must be <= {max_amount} {c.got(ev.amount)}", ErrorCode.OUT_OF_RANGE)
    if event_time - now > max_future:
        c.fail("event_time", f"must not be more than {max_future} after now ({now.isoformat()}) "
                             f"{c.got(obj['event_time'].isoformat())}", ErrorCode.FUTURE_TIMESTAMP)
    return ev
