"""``Decision``: the scorer's record on ``fraud_topic``, with its one encoder and its one parser.

Wire format: compact UTF-8 JSON with keys in this order: the fixed fields ``transaction_id``, ``event_time``,
``scored_at`` (ISO-8601 ``Z`` strings), ``score``, ``decision``, ``reasons`` (a list), ``model_version``; then
``features``; then, when set, the transaction's ``customer_id``, ``terminal_id`` and ``amount``, so that the
persister fills ``fraud.decisions`` and the alert tables from this topic alone.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from fraud_domain.errors import ErrorCode
from fraud_domain.schema import _checks as c
from fraud_domain.utc import format_utc

DECISIONS = frozenset({"approve", "review", "block"})
_VERSION_RE = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces: it becomes a path segment
_REQUIRED = frozenset({"transaction_id", "event_time", "scored_at", "score", "decision", "reasons",
                       "model_version", "features"})
_TRANSACTION_KEYS = ("customer_id", "terminal_id", "amount")  # optional: absent (or null) means unknown


@dataclass(frozen=True, slots=True)
class Decision:
    """One scored transaction. ``reasons`` are rule/model codes; ``features`` the vector that was scored;
    ``customer_id``/``terminal_id``/``amount`` the transaction's keys (``None`` when the producer omits them)."""

    transaction_id: str
    event_time: datetime
    scored_at: datetime
    score: float  # 0..1
    decision: str  # approve | review | block
    reasons: tuple[str, ...] = ()
    model_version: str = "none"
    features: dict[str, float] = field(default_factory=dict)
    customer_id: int | None = None
    terminal_id: int | None = None
    amount: float | None = None  # > 0, like the event's

    def __post_init__(self) -> None:
        c.check_str("transaction_id", self.transaction_id, c.UUID_RE, "a lowercase canonical UUID")
        c.check_utc("event_time", self.event_time)
        c.check_utc("scored_at", self.scored_at)
        score = c.check_float("score", self.score, 0.0, 1.0)
        c.check_choice("decision", self.decision, DECISIONS)
        if type(self.reasons) is not tuple or not all(type(r) is str and r for r in self.reasons):
            c.fail("reasons", f"must be a tuple of non-empty strings {c.got(self.reasons)}", ErrorCode.BAD_FORMAT)
        c.check_str("model_version", self.model_version, _VERSION_RE, "1-128 printable ASCII characters")
        if type(self.features) is not dict or not all(
            type(k) is str and type(v) is float and math.isfinite(v) for k, v in self.features.items()
        ):
            c.fail("features", f"must map names to finite floats {c.got(self.features)}", ErrorCode.BAD_FORMAT)
        if self.customer_id is not None:
            c.check_int("customer_id", self.customer_id)
        if self.terminal_id is not None:
            c.check_int("terminal_id", self.terminal_id)
        if self.amount is not None:
            amount = c.check_float("amount", self.amount, 0.0, math.inf, low_open=True)
            if type(self.amount) is not float:
                object.__setattr__(self, "amount", amount)
        if type(self.score) is not float:
            object.__setattr__(self, "score", score)


def decision_to_json(d: Decision) -> bytes:
    """The ``fraud_topic`` payload (see the module docstring); the transaction's keys only when set."""
    obj: dict[str, Any] = {
        "transaction_id": d.transaction_id,
        "event_time": format_utc(d.event_time),
        "scored_at": format_utc(d.scored_at),
        "score": d.score,
        "decision": d.decision,
        "reasons": list(d.reasons),
        "model_version": d.model_version,
        "features": d.features,
    }
    for key in _TRANSACTION_KEYS:
        value = getattr(d, key)
        if value is not None:
            obj[key] = value
    return orjson.dumps(obj)  # compact; every float was checked finite on construction


def parse_decision(raw: bytes, *, max_bytes: int = 65536) -> Decision:
    """Parse a ``fraud_topic`` payload, every field at once. Unknown keys are ignored so that a newer scorer
    can add fields without breaking older consumers (the topic is internal; events from outside are parsed
    strictly); the transaction's keys, when present, are validated like the rest."""
    obj = c.load_object(raw, max_bytes)
    c.check_keys(obj, _REQUIRED, allow_extra=True)
    reasons, features = obj["reasons"], obj["features"]
    if type(reasons) is not list:
        c.fail("reasons", f"must be a list {c.got(reasons)}", ErrorCode.WRONG_TYPE)
    if type(features) is not dict:
        c.fail("features", f"must be an object {c.got(features)}", ErrorCode.WRONG_TYPE)
    return Decision(
        transaction_id=obj["transaction_id"],
        event_time=c.parse_time("event_time", obj["event_time"]),
        scored_at=c.parse_time("scored_at", obj["scored_at"]),
        score=obj["score"],
        decision=obj["decision"],
        reasons=tuple(reasons),
        model_version=obj["model_version"],
        # JSON writes 1.0 as 1.0 but other producers may write 1: widen ints, leave the rest to validation.
        features={k: float(v) if type(v) is int else v for k, v in features.items()},
        customer_id=obj.get("customer_id"),
        terminal_id=obj.get("terminal_id"),
        amount=obj.get("amount"),
    )
