"""``Label``: chargeback feedback on ``fraud_labels``, published once the label delay has passed.

Labels travel separately from events so that no scorer input ever contains the ground truth; the feature
code may use a label only from ``reported_at`` on (point-in-time correctness).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

import orjson

from fraud_domain.errors import ErrorCode
from fraud_domain.schema import _checks as c
from fraud_domain.utc import UTC, format_utc


class FraudScenario(IntEnum):
    """Why a simulated transaction is fraudulent (0 for genuine or unknown, e.g. real chargebacks)."""

    NONE = 0
    AMOUNT_OVER_220 = 1  # handbook S1
    COMPROMISED_TERMINAL = 2  # handbook S2
    COMPROMISED_CUSTOMER = 3  # handbook S3
    CARD_TESTING = 4  # velocity burst of small amounts
    GEO_IMPOSSIBLE = 5  # far away within minutes of the previous transaction
    NEW_DEVICE = 6  # unseen device with a large amount


_FIELDS = ("transaction_id", "event_time", "customer_id", "terminal_id", "is_fraud", "scenario",
           "reported_at")
_REQUIRED = frozenset(_FIELDS)
_UUID = c.UUID_RE.fullmatch
_MAX_SCENARIO = max(FraudScenario)


@dataclass(frozen=True, slots=True)
class Label:
    """Ground truth for one transaction, known from ``reported_at`` on."""

    transaction_id: str
    event_time: datetime
    customer_id: int
    terminal_id: int
    is_fraud: bool
    scenario: int
    reported_at: datetime

    def __post_init__(self) -> None:
        # Hot path (the scorer reads every label): one expression for the common all-valid case, as
        # ``TransactionEvent``; anything else goes through _validate, which names the failing field.
        t, r = self.event_time, self.reported_at
        if not (type(self.transaction_id) is str and _UUID(self.transaction_id)
                and type(t) is datetime and t.tzinfo is UTC and type(r) is datetime and r.tzinfo is UTC and r >= t
                and type(self.customer_id) is int and 0 <= self.customer_id <= c.INT64_MAX
                and type(self.terminal_id) is int and 0 <= self.terminal_id <= c.INT64_MAX
                and type(self.is_fraud) is bool and type(self.scenario) is int and 0 <= self.scenario <= _MAX_SCENARIO):
            self._validate()

    def _validate(self) -> None:
        c.check_str("transaction_id", self.transaction_id, c.UUID_RE, "a lowercase canonical UUID")
        c.check_utc("event_time", self.event_time)
        c.check_int("customer_id", self.customer_id)
        c.check_int("terminal_id", self.terminal_id)
        if type(self.is_fraud) is not bool:
            c.fail("is_fraud", f"must be a boolean {c.got(self.is_fraud)}", ErrorCode.WRONG_TYPE)
        if isinstance(self.scenario, FraudScenario):  # store the plain int: equality and JSON stay simple
            object.__setattr__(self, "scenario", int(self.scenario))
        c.check_int("scenario", self.scenario, 0, max(FraudScenario))
        c.check_utc("reported_at", self.reported_at)
        if self.reported_at < self.event_time:
            c.fail("reported_at", "must not be before event_time", ErrorCode.BAD_FORMAT)


def label_to_json(label: Label) -> bytes:
    """Compact UTF-8 JSON with ISO-8601 ``Z`` datetimes."""
    obj = {name: getattr(label, name) for name in _FIELDS}
    obj["event_time"] = format_utc(label.event_time)
    obj["reported_at"] = format_utc(label.reported_at)
    return orjson.dumps(obj)


def parse_label(raw: bytes, *, max_bytes: int = 4096) -> Label:
    """Parse a ``fraud_labels`` payload (unknown keys ignored, as for decisions)."""
    obj = c.load_object(raw, max_bytes)
    c.check_keys(obj, _REQUIRED, allow_extra=True)
    return Label(
        transaction_id=obj["transaction_id"],
        event_time=c.parse_time("event_time", obj["event_time"]),
        customer_id=obj["customer_id"],
        terminal_id=obj["terminal_id"],
        is_fraud=obj["is_fraud"],
        scenario=obj["scenario"],
        reported_at=c.parse_time("reported_at", obj["reported_at"]),
    )
