"""Wire schemas of the platform's topics: events in, decisions out, labels as delayed feedback.

Each class validates itself on construction; the ``parse_*`` functions add the payload-level checks
(size, UTF-8, JSON, keys) and raise ``EventValidationError`` naming the failing field.
"""

from fraud_domain.schema.decision import (
    DECISIONS,
    Decision,
    decision_to_json,
    decisions_to_json,
    finite_rows,
    parse_decision,
)
from fraud_domain.schema.event import (
    CHANNELS,
    DEFAULT_MAX_AMOUNT,
    EVENT_FIELDS,
    SCHEMA_VERSION,
    TransactionEvent,
    event_to_json,
    parse_event,
)
from fraud_domain.schema.label import FraudScenario, Label, label_to_json, parse_label

__all__ = [
    "CHANNELS",
    "DECISIONS",
    "DEFAULT_MAX_AMOUNT",
    "EVENT_FIELDS",
    "SCHEMA_VERSION",
    "Decision",
    "FraudScenario",
    "Label",
    "TransactionEvent",
    "decision_to_json",
    "decisions_to_json",
    "event_to_json",
    "finite_rows",
    "label_to_json",
    "parse_decision",
    "parse_event",
    "parse_label",
]
