"""``fraud.features`` schema drift through the real job, the metastore and HiveServer2: ``build_features``
brings a table written under an older declaration up to the declared features (``ALTER TABLE ADD
COLUMNS``, rows written before keep their values and read NULL in the new column) and refuses a retyped
column with one ERROR line that names it and the fix.

No input data is needed: the job ensures its tables before it looks for input partitions, so on the empty
``transactions`` table of this module's own database it then stops with its missing-partition error.
"""

from __future__ import annotations

import subprocess

import pytest

from fraud_domain.features import ALL_FEATURE_NAMES
from fraud_platform.clients import hive_connection
from fraud_platform.spark import run_job
from spark_jobs.tables import FEATURES, Table

NEW = "customer_amount_ratio_30d"  # the feature the "older" table was created without
DAY = "2018-06-01"


@pytest.fixture
def hive(services, unique: str):
    """A cursor on HiveServer2 and an empty database of this test's own, dropped afterwards."""
    server = services["hiveserver2"]
    database = f"fraud_drift_{unique}"
    with hive_connection(server.server_host, server.settings.hive.hiveserver2_port,
                         login=server.endpoints.hive_login) as conn:
        cursor = conn.cursor()
        cursor.execute(f"CREATE DATABASE {database}")
        try:
            yield cursor, database
        finally:
            try:
                cursor.execute(f"DROP DATABASE IF EXISTS {database} CASCADE")
            except Exception as exc:  # the Thrift server's catalog may have seen the job's drop race
                if "NoSuchObjectException" not in str(exc):
                    raise


def build_features(ctx, database: str) -> subprocess.CompletedProcess:
    return run_job(ctx, "build_features", ["--start", DAY, "--end", DAY, "--database", database], timeout=900)


def columns(cursor, table: str) -> dict[str, str]:
    cursor.execute(f"DESCRIBE {table}")
    rows = [(name.strip(), kind.strip()) for name, kind, *_ in cursor.fetchall()]
    return dict(rows[:next((i for i, (name, _) in enumerate(rows) if name.startswith("#")), len(rows))])


def test_a_new_feature_is_added_to_an_existing_table_and_old_rows_keep_their_values(ctx, hive) -> None:
    cursor, database = hive
    table = f"{database}.features"
    older = Table("features", tuple(c for c in FEATURES.columns if c[0] != NEW))
    cursor.execute(older.ddl(database))
    values = ", ".join("'t-1'" if n == "transaction_id" else "TIMESTAMP'2018-05-01 12:00:00'" if n == "event_time"
                       else "7" for n, _ in older.columns)
    cursor.execute(f"INSERT INTO {table} PARTITION (dt='2018-05-01') VALUES ({values})")

    result = build_features(ctx, database)
    assert result.returncode == 2 and "lacks partition(s) dt=" in result.stdout + result.stderr

    cursor.execute(f"REFRESH TABLE {table}")
    after = columns(cursor, table)
    assert after[NEW] == "double" and set(ALL_FEATURE_NAMES) <= set(after)
    cursor.execute(f"SELECT tx_amount, {NEW} FROM {table} WHERE dt = '2018-05-01'")
    assert cursor.fetchall() == [(7.0, None)]


def test_a_retyped_feature_column_stops_the_job_with_the_fix(ctx, hive) -> None:
    cursor, database = hive
    retyped = Table("features", tuple((n, "BIGINT" if n == "terminal_risk_7d" else t) for n, t in FEATURES.columns))
    cursor.execute(retyped.ddl(database))

    result = build_features(ctx, database)
    output = result.stdout + result.stderr
    assert result.returncode == 2
    assert (f"ERROR: {database}.features differs from its declaration (retyped: terminal_risk_7d BIGINT -> DOUBLE); "
            f"fix: it is derived: DROP TABLE {database}.features, then rerun build_features") in output
    assert columns(cursor, f"{database}.features")["terminal_risk_7d"] == "bigint"  # left as it was
