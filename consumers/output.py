"""The scorer's ``fraud_topic`` payload: ``decision_to_json`` plus the transaction's keys.

``customer_id``, ``terminal_id`` and ``amount`` are appended so that the persister fills
``fraud.decisions`` and the alert tables from this topic alone; ``parse_decision`` ignores extra keys.
"""

from __future__ import annotations

from typing import Any

import orjson

from fraud_domain.schema import Decision, TransactionEvent, decision_to_json

EXTRA_KEYS = ("customer_id", "terminal_id", "amount")


def encode(decision: Decision, event: TransactionEvent) -> bytes:
    extra = b',"customer_id":%d,"terminal_id":%d,"amount":%s}' % (
        event.customer_id, event.terminal_id, orjson.dumps(event.amount))
    return decision_to_json(decision)[:-1] + extra


def extras(obj: dict[str, Any]) -> tuple[int | None, int | None, float | None]:
    """The appended keys from a decoded payload (None where absent, e.g. another producer's decision)."""
    c, t, a = (obj.get(k) for k in EXTRA_KEYS)
    return (c if type(c) is int else None, t if type(t) is int else None,
            float(a) if type(a) in (int, float) else None)
