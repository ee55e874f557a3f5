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


def _connect(services, login):
    from fraud_platform.clients import cassandra_cluster

    cassandra = services["cassandra"]
    cluster = cassandra_cluster(cassandra.nodes, login=login,
                                connect_timeout=5)
    try:
        return cluster, cluster.connect()
    except BaseException:
        cluster.shutdown()
        raise


def test_a_client_without_credentials_or_with_the_built_in_superuser_is_refused(services) -> None:
    from fraud_runtime.migrations.cassandra_roles import BUILT_IN_SUPERUSER, login_refused

    for login in (None, BUILT_IN_SUPERUSER):
        try:
            cluster, _ = _connect(services, login)
        except Exception as exc:
            assert login_refused(exc), exc
        else:
            cluster.shutdown()
            raise AssertionError(f"Cassandra accepted the login {login!r}")


def test_the_application_role_changes_no_schema_and_no_role_and_the_admin_logs_in(services, cql) -> None:
    # `cql` is the application role: the other tests of this module read and write rows with it
    from cassandra import Unauthorized

    assert {row.table_name for row in cql.execute("SELECT table_name FROM system_schema.tables "
                                                   "WHERE keyspace_name = 'fraud'")}  # reads the schema
    forbidden = ("CREATE TABLE fraud.it_forbidden (id int PRIMARY KEY)",
                 "DROP TABLE fraud.decisions",
                 "ALTER TABLE fraud.decisions ADD it_forbidden int",
                 "CREATE KEYSPACE it_forbidden WITH replication = {'class': 'SimpleStrategy', "
                 "'replication_factor': 1}",
                 "CREATE ROLE it_forbidden WITH LOGIN = true AND PASSWORD = 'x'")
    for statement in forbidden:
        try:
            cql.execute(statement)
        except Unauthorized:
            continue
        raise AssertionError(f"the application role may run: {statement}")
    admin = services["cassandra"].endpoints.cassandra_admin_login
    cluster, session = _connect(services, admin)  # the migrations' role logs in
    try:
        assert session.execute("SELECT release_version FROM system.local").one().release_version.startswith("5.")
    finally:
        cluster.shutdown()
