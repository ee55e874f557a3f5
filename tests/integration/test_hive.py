"""Hive: the metastore (:9083 Thrift) and HiveServer2 (:10000, NOSASL) with PyHive; tables live on HDFS."""

from __future__ import annotations

from fraud_platform.clients import hive_connection, metastore_databases
from fraud_platform.lake import WAREHOUSE


def test_metastore_answers_thrift(ctx) -> None:
    assert "default" in metastore_databases(ctx.settings.platform.bind_host, ctx.settings.hive.metastore_port)


def test_partitioned_parquet_table_round_trip_on_hdfs(services, hdfs, unique: str) -> None:
    server = services["hiveserver2"]
    table = f"it_payments_{unique}"
    with hive_connection(server.server_host, server.settings.hive.hiveserver2_port) as conn:
        cursor = conn.cursor()
        cursor.execute(f"CREATE TABLE {table} (id BIGINT, amount DOUBLE, dt STRING) USING PARQUET PARTITIONED BY (dt)")
        try:
            cursor.execute(f"INSERT INTO {table} PARTITION (dt='2018-04-01') VALUES (1, 10.5), (2, 20.25)")
            cursor.execute(f"INSERT INTO {table} PARTITION (dt='2018-04-02') VALUES (3, 7.0)")
            cursor.execute(f"SELECT dt, COUNT(*), SUM(amount) FROM {table} GROUP BY dt ORDER BY dt")
            assert cursor.fetchall() == [("2018-04-01", 2, 30.75), ("2018-04-02", 1, 7.0)]
            cursor.execute(f"SHOW PARTITIONS {table}")
            assert [row[0] for row in cursor.fetchall()] == ["dt=2018-04-01", "dt=2018-04-02"]

            location = f"{WAREHOUSE}/{table}/dt=2018-04-01"
            files = [entry["pathSuffix"] for entry in hdfs.list(location)]
            assert any(name.endswith(".parquet") for name in files), files
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    assert not hdfs.exists(f"{WAREHOUSE}/{table}")
