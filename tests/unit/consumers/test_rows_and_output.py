"""The scorer's fraud_topic payload (byte-pinned) and the persister's row mapping (idempotent keys)."""

import uuid
from datetime import UTC, date, datetime

import pytest

from consumers import persister_rows as rows
from fraud_domain.errors import EventValidationError
from fraud_domain.schema import Decision, decision_to_json, event_to_json, parse_decision


def _decision(ev, outcome: str = "block") -> Decision:
    return Decision(transaction_id=ev.transaction_id, event_time=ev.event_time,
                    scored_at=datetime(2018, 4, 2, 12, tzinfo=UTC), score=0.9, decision=outcome,
                    reasons=("velocity",), model_version="none", features={"tx_amount": 57.16},
                    customer_id=ev.customer_id, terminal_id=ev.terminal_id, amount=ev.amount)


# The bytes consumers of fraud_topic read: compact, fixed key order, ``Z`` times, the transaction's keys last.
PAYLOAD = (b'{"transaction_id":"0b7e8f3c-2a71-4c0e-9a55-6f1d2c3b4a59","event_time":"2018-04-02T11:59:30.123456Z",'
           b'"scored_at":"2018-04-02T12:00:00.000000Z","score":0.9,"decision":"block","reasons":["velocity"],'
           b'"model_version":"none","features":{"tx_amount":57.16},"customer_id":42,"terminal_id":7,"amount":57.16}')


def test_payload_bytes_are_unchanged(sample_event) -> None:
    assert decision_to_json(_decision(sample_event)) == PAYLOAD
    assert parse_decision(PAYLOAD) == _decision(sample_event)


def test_payload_is_a_decision_plus_transaction_keys(sample_event) -> None:
    raw = decision_to_json(_decision(sample_event))
    assert parse_decision(raw) == _decision(sample_event)
    decision, minute, alert, joined = rows.decision_rows(raw)
    assert decision[0] == uuid.UUID(sample_event.transaction_id)
    assert decision[3:6] == (42, 7, 57.16)
    assert minute[0] == datetime(2018, 4, 2, 11, 59, tzinfo=UTC) and minute[1] == decision[0]
    assert alert is not None and alert[0] == date(2018, 4, 2) and alert[7] == "block"
    assert dict(zip(rows.JOINED_DECISION_COLUMNS, joined, strict=True)) == {
        "day": date(2018, 4, 2), "hour": 11, "transaction_id": decision[0], "decision": "block", "score": 0.9,
        "reasons": decision[8]}
    assert joined[5] == list(_decision(sample_event).reasons)  # counted by outcome and reason: load_decisions


def test_approved_decisions_are_not_alerts(sample_event) -> None:
    assert rows.decision_rows(decision_to_json(_decision(sample_event, "approve")))[2] is None


def test_a_decision_without_transaction_keys_maps_them_to_null(sample_event) -> None:
    bare = Decision(transaction_id=sample_event.transaction_id, event_time=sample_event.event_time,
                    scored_at=datetime(2018, 4, 2, 12, tzinfo=UTC), score=0.9, decision="review")
    decision, minute, alert, _ = rows.decision_rows(decision_to_json(bare))
    assert decision[3:6] == (None, None, None) and minute[4] is None
    assert alert is not None and alert[3:6] == (None, None, None)


def test_every_row_is_keyed_by_the_transaction(sample_event) -> None:
    tx = rows.transaction_row(event_to_json(sample_event), 16384)
    assert dict(zip(rows.TX_COLUMNS, tx, strict=True))["transaction_id"] == uuid.UUID(sample_event.transaction_id)
    for columns in (rows.DECISION_COLUMNS, rows.MINUTE_COLUMNS, rows.ALERT_COLUMNS, rows.JOINED_DECISION_COLUMNS,
                    rows.JOINED_LABEL_COLUMNS):
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
