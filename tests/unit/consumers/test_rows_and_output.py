"""The scorer's fraud_topic payload and the persister's row mapping (idempotent keys)."""

import uuid
from datetime import UTC, date, datetime

import pytest

from consumers import persister_rows as rows
from consumers.output import encode
from fraud_domain.errors import EventValidationError
from fraud_domain.schema import Decision, event_to_json, parse_decision


def _decision(ev, outcome: str = "block") -> Decision:
    return Decision(transaction_id=ev.transaction_id, event_time=ev.event_time,
                    scored_at=datetime(2018, 4, 2, 12, tzinfo=UTC), score=0.9, decision=outcome,
                    reasons=("velocity",), model_version="none", features={"tx_amount": 57.16})


def test_payload_is_a_decision_plus_transaction_keys(sample_event) -> None:
    raw = encode(_decision(sample_event), sample_event)
    assert parse_decision(raw) == _decision(sample_event)
    decision, minute, alert = rows.decision_rows(raw)
    assert decision[0] == uuid.UUID(sample_event.transaction_id)
    assert decision[3:6] == (42, 7, 57.16)
    assert minute[0] == datetime(2018, 4, 2, 11, 59, tzinfo=UTC) and minute[1] == decision[0]
    assert alert is not None and alert[0] == date(2018, 4, 2) and alert[7] == "block"


def test_approved_decisions_are_not_alerts(sample_event) -> None:
    assert rows.decision_rows(encode(_decision(sample_event, "approve"), sample_event))[2] is None


def test_every_row_is_keyed_by_the_transaction(sample_event) -> None:
    tx = rows.transaction_row(event_to_json(sample_event), 16384)
    assert dict(zip(rows.TX_COLUMNS, tx, strict=True))["transaction_id"] == uuid.UUID(sample_event.transaction_id)
    for columns in (rows.DECISION_COLUMNS, rows.MINUTE_COLUMNS, rows.ALERT_COLUMNS):
        assert "transaction_id" in columns


def test_invalid_transactions_raise(sample_event) -> None:
    with pytest.raises(EventValidationError):
        rows.transaction_row(b"{}", 16384)


def test_partition_batches_cap_rows_and_bytes_and_leave_a_lone_statement_plain() -> None:
    from cassandra.query import BatchStatement

    from consumers.cassandra_io import partition_batches

    insert = "INSERT INTO t (k, c, v) VALUES (%s, %s, %s)"
    small = [(insert, ("p", i, "x")) for i in range(250)]
    out = partition_batches(small, max_rows=100)
    assert [len(b._statements_and_parameters) for b, _ in out] == [100, 100, 50]
    assert all(isinstance(b, BatchStatement) and params is None for b, params in out)
    big = [(insert, ("p", i, "y" * 10_000)) for i in range(9)]
    sizes = [len(b._statements_and_parameters) if isinstance(b, BatchStatement) else 1
             for b, _ in partition_batches(big, max_bytes=40 * 1024)]
    assert sum(sizes) == 9 and max(sizes) == 4
    assert partition_batches([small[0]]) == [small[0]]
    assert partition_batches([]) == []
