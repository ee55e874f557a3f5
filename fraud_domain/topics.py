"""The fixed Kafka topic names (a contract: docs, runtime and external checks rely on them)."""

from typing import Final

TRANSACTIONS: Final = "transaction_topic"
"""Raw card transactions (``TransactionEvent`` JSON), produced by the simulator or the API."""

DECISIONS: Final = "fraud_topic"
"""Scorer output (``Decision`` JSON), one per valid transaction."""

DLQ: Final = "transaction_dlq"
"""Payloads that failed validation, with the reason."""

LABELS: Final = "fraud_labels"
"""Chargeback feedback (``Label`` JSON), published after the label delay."""

SOURCE_HEADER: Final = "source"
"""Optional ``transaction_topic`` record header naming the stream a record belongs to (UTF-8, at most
``SOURCE_MAX_CHARS`` printable characters). The live stream sends none; ``fraudctl stream --replay`` and
``--count`` name theirs, so the scorer keeps their event-time clock and histories apart from the live ones."""

SOURCE_MAX_CHARS: Final = 100

ALL_TOPICS: Final[tuple[str, ...]] = (TRANSACTIONS, DECISIONS, DLQ, LABELS)
