"""After the other tiers ran (the e2e files run last), no clear card number or IP address is stored anywhere
the platform keeps data: Kafka's topics, Cassandra's tables, the raw and quarantined files on HDFS and the
Hive tables (issue #15). Producers tokenise both before Kafka; this proves nothing downstream leaks one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fraud_domain import topics
from fraud_domain.pii import clear_pii
from fraud_platform.clients import hive_connection
from fraud_platform.lake import DATABASE, QUARANTINE_ROOT, RAW_ROOT
from tests.integration.conftest import hdfs  # noqa: F401
from tests.support.stream import read_all

ROWS = 100_000  # per Cassandra table: the suite's data fits (bounded queries only)
HIVE_ROWS = 20_000  # per Hive table (HiveServer2 hands rows over a thousand at a time)
FILES = 400  # raw and quarantined files read from HDFS


def _report(where: str, texts: Iterator[str]) -> list[str]:
    found = []
    for text in texts:
        found += [f"{where}: {hit}" for hit in clear_pii(text)]
    return found


def _hdfs_files(hdfs, root: str) -> Iterator[str]:  # noqa: F811
    pending = [root]
    while pending:
        path = pending.pop()
        for entry in hdfs.list(path) if hdfs.exists(path) else []:
            child = f"{path}/{entry['pathSuffix']}"
            if entry["type"] == "DIRECTORY":
                pending.append(child)
            else:
                yield child


@pytest.fixture(scope="module")
def platform_data(start_full) -> dict[str, object]:
    return start_full("kafka", "cassandra", "namenode", "datanode", "hive-metastore", "hiveserver2")


def test_no_clear_card_number_or_ip_in_kafka(platform_data, kafka_bootstrap) -> None:
    found, scanned = [], 0
    for topic in topics.ALL_TOPICS:
        records = read_all(kafka_bootstrap, topic)
        scanned += len(records)
        found += _report(topic, (r.value.decode("utf-8", "replace") for r in records))
        found += _report(f"{topic} headers", (f"{k}={v!r}" for r in records for k, v in (r.headers or [])))
    print(f"\nKafka: {scanned:,} records scanned")
    assert scanned > 0 and not found, found[:20]


def test_no_clear_card_number_or_ip_in_cassandra(platform_data, cql) -> None:
    tables = [row.table_name for row in cql.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'fraud'")]
    found, scanned = [], 0
    for table in tables:
        rows = list(cql.execute(f"SELECT * FROM fraud.{table} LIMIT {ROWS}"))
        scanned += len(rows)
        found += _report(f"fraud.{table}", (repr(tuple(row)) for row in rows))
    print(f"\nCassandra: {scanned:,} rows of {len(tables)} tables scanned")
    assert scanned > 0 and not found, found[:20]


def test_no_clear_card_number_or_ip_in_hdfs_raw_and_quarantine(platform_data, hdfs) -> None:  # noqa: F811
    files = [f for root in (RAW_ROOT, QUARANTINE_ROOT) for f in _hdfs_files(hdfs, root)][:FILES]
    found = _report("hdfs", (f"{path} {hdfs.read(path).decode('utf-8', 'replace')}" for path in files))
    print(f"\nHDFS: {len(files)} raw and quarantined files scanned")
    assert files and not found, found[:20]


def test_no_clear_card_number_or_ip_in_hive(platform_data) -> None:
    server = platform_data["hiveserver2"]
    found, scanned = [], 0
    with hive_connection(server.server_host, server.settings.hive.hiveserver2_port,
                         login=server.endpoints.hive_login) as conn:
        cursor = conn.cursor()
        cursor.execute(f"SHOW TABLES IN {DATABASE}")
        tables = [row[1] for row in cursor.fetchall()]  # Spark's SHOW TABLES: namespace, tableName, isTemporary
        for table in tables:
            cursor.execute(f"SELECT * FROM {DATABASE}.{table} LIMIT {HIVE_ROWS}")
            rows = cursor.fetchall()
            scanned += len(rows)
            found += _report(f"{DATABASE}.{table}", (repr(row) for row in rows))
    print(f"\nHive: {scanned:,} rows of {len(tables)} tables scanned")
    assert scanned > 0 and not found, found[:20]
