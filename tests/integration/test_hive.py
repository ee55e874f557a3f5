"""Hive: the metastore (:9083 Thrift) and HiveServer2 (:10000, PLAIN SASL login checked by jvm/hs2-auth) with
PyHive; tables live on HDFS."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fraud_platform.clients import HiveLogin, hive_connection, hive_login_refused, metastore_databases
from fraud_platform.lake import WAREHOUSE
from fraud_runtime.hive_credentials import read_credentials
from fraud_runtime.probes import HiveServer2Probe


def test_metastore_answers_thrift(services, ctx) -> None:  # services: the metastore is up
    assert "default" in metastore_databases(ctx.settings.platform.bind_host, ctx.settings.hive.metastore_port)


def test_partitioned_parquet_table_round_trip_on_hdfs(services, hdfs, unique: str) -> None:
    server = services["hiveserver2"]
    table = f"it_payments_{unique}"
    with hive_connection(server.server_host, server.settings.hive.hiveserver2_port,
                         login=server.endpoints.hive_login) as conn:
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


def _select_one(server, login: HiveLogin) -> list:
    with hive_connection(server.server_host, server.settings.hive.hiveserver2_port, login=login) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT 1")
        return cursor.fetchall()


def test_the_configured_login_runs_a_query(services) -> None:
    server = services["hiveserver2"]
    assert server.endpoints.hive_login.auth == "CUSTOM"
    assert _select_one(server, server.endpoints.hive_login) == [(1,)]


@pytest.mark.parametrize("wrong", ["password", "username", "no password"])
def test_a_login_without_valid_credentials_is_refused(services, wrong: str) -> None:
    server = services["hiveserver2"]
    right = server.endpoints.hive_login
    login = {"password": dataclasses.replace(right, password=right.password + "x"),
             "username": dataclasses.replace(right, username="intruder"),
             "no password": HiveLogin(right.username, None, "NONE")}[wrong]  # PyHive sends a placeholder
    with pytest.raises(Exception) as refused:
        _select_one(server, login)
    assert hive_login_refused(refused.value), refused.value
    HiveServer2Probe(server.server_host, server.settings.hive.hiveserver2_port, login).check()  # refused = serving


def test_a_client_without_sasl_gets_nothing(services) -> None:
    server = services["hiveserver2"]
    with pytest.raises(Exception) as failed:
        _select_one(server, HiveLogin("anyone", None, "NOSASL"))
    assert not hive_login_refused(failed.value)  # no handshake at all: the server closes the connection


def test_the_password_is_in_no_file_or_command_line_only_its_salted_hash(services) -> None:
    server = services["hiveserver2"]
    login = server.endpoints.hive_login
    assert login.password
    stored = server.credentials_file
    assert stored.stat().st_mode & 0o777 == 0o600
    assert login.password not in stored.read_text()
    assert read_credentials(stored).matches(login.username, login.password)
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert login.password.encode() not in cmdline.read_bytes(), cmdline
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # the process ended meanwhile
