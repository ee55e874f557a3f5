"""Cassandra :9042 with cassandra-driver: the migrated keyspace answers CQL, writes are idempotent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def test_keyspace_and_migrations_applied(cql) -> None:
    tables = {row.table_name for row in cql.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'fraud'")}
    assert {"decisions", "schema_migrations"} <= tables
    applied = {row.version for row in cql.execute("SELECT version FROM fraud.schema_migrations")}
    assert {"0001_keyspace", "0002_decisions"} <= applied


def test_insert_select_and_replay_does_not_double(cql) -> None:
    tx = uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    insert = cql.prepare(
        "INSERT INTO decisions (transaction_id, event_time, scored_at, customer_id, terminal_id, amount, score,"
        " decision, reasons, model_version, features) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    values = (tx, now, now, 42, 7, 120.5, 0.91, "block", ["velocity"], "rules", {"amount": 120.5})
    cql.execute(insert, values)
    cql.execute(insert, values)  # a replayed message
    rows = list(cql.execute("SELECT transaction_id, amount, reasons FROM decisions WHERE transaction_id = %s", (tx,)))
    assert [(r.transaction_id, r.amount, r.reasons) for r in rows] == [(tx, 120.5, ["velocity"])]
