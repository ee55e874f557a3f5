"""``Decision``: the scorer's record on ``fraud_topic``, with its one encoder and its one parser.

Wire format: compact UTF-8 JSON with keys in this order: the fixed fields ``transaction_id``, ``event_time``,
``scored_at`` (ISO-8601 ``Z`` strings), ``score``, ``decision``, ``reasons`` (a list), ``model_version``; then
``features``; then, when set, the transaction's ``customer_id``, ``terminal_id`` and ``amount``, so that the
persister fills ``fraud.decisions`` and the alert tables from this topic alone.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
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
    return orjson.dumps(_wire(d.transaction_id, format_utc(d.event_time), format_utc(d.scored_at), d.score, d.decision,
                              d.reasons, d.model_version, d.features, d.customer_id, d.terminal_id, d.amount))


def _wire(transaction_id: str, event_time: str, scored_at: str, score: float, decision: str, reasons: Sequence[str],
          model_version: str, features: dict[str, float], customer_id: int | None, terminal_id: int | None,
          amount: float | None) -> dict[str, Any]:
    # The one definition of the payload's keys and their order.
    obj: dict[str, Any] = {"transaction_id": transaction_id, "event_time": event_time, "scored_at": scored_at,
                           "score": score, "decision": decision, "reasons": list(reasons),
                           "model_version": model_version, "features": features}
    for key, value in zip(_TRANSACTION_KEYS, (customer_id, terminal_id, amount), strict=True):
        if value is not None:
            obj[key] = value
    return obj


def finite_rows(features: np.ndarray) -> np.ndarray:
    """Per row of a ``[n, n_features]`` matrix: whether every value is finite (what ``Decision`` requires)."""
    return np.isfinite(features).all(axis=1)


def decisions_to_json(*, transaction_ids: Sequence[str], event_times: Sequence[datetime], scored_at: datetime,
                      scores: Sequence[float], decisions: Sequence[str], reasons: Sequence[tuple[str, ...]],
                      model_version: str, feature_names: Sequence[str], features: np.ndarray,
                      customer_ids: Sequence[int], terminal_ids: Sequence[int],
                      amounts: Sequence[float]) -> list[bytes]:
    """The payloads of one batch of decisions, given in columns (``features``: float64 ``[n, len(feature_names)]``):
    byte for byte ``decision_to_json(Decision(...))`` of each row, with ``Decision``'s checks of the scorer's own
    fields made once per batch (``EventValidationError`` naming the field when one fails; ``finite_rows`` tells
    the rows with a bad feature apart beforehand). The transaction's fields must come from validated
    ``TransactionEvent``s: they are not checked again."""
    n = len(transaction_ids)
    if not all(len(column) == n for column in (event_times, scores, decisions, reasons, features, customer_ids,
                                               terminal_ids, amounts)):
        raise ValueError("decisions_to_json: columns of different lengths")  # a caller bug
    c.check_str("model_version", model_version, _VERSION_RE, "1-128 printable ASCII characters")
    c.check_utc("scored_at", scored_at)
    if n == 0:
        return []
    score = np.asarray(scores, dtype=np.float64)
    if not ((score >= 0.0) & (score <= 1.0)).all():  # NaN fails both
        c.fail("score", f"must be in [0.0, 1.0] {c.got(score[~((score >= 0.0) & (score <= 1.0))][0])}",
               ErrorCode.OUT_OF_RANGE)
    if not DECISIONS.issuperset(decisions):
        c.fail("decision", f"must be one of {sorted(DECISIONS)} {c.got(sorted(set(decisions) - DECISIONS))}",
               ErrorCode.BAD_FORMAT)
    if not all(type(r) is str and r for r in set().union(*reasons)):
        c.fail("reasons", f"must be non-empty strings {c.got(sorted(set().union(*reasons)))}", ErrorCode.BAD_FORMAT)
    if features.shape[1:] != (len(feature_names),) or not finite_rows(features).all():
        c.fail("features", f"must map {len(feature_names)} names to finite floats {c.got(features.shape)}",
               ErrorCode.BAD_FORMAT)
    names, at, dumps = tuple(feature_names), format_utc(scored_at), orjson.dumps
    columns = zip(transaction_ids, event_times, score.tolist(), decisions, reasons, features.tolist(), customer_ids,
                  terminal_ids, amounts, strict=True)
    return [dumps(_wire(tx, format_utc(et), at, s, d, r, model_version, dict(zip(names, row, strict=True)), cu, te, am))
            for tx, et, s, d, r, row, cu, te, am in columns]


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
