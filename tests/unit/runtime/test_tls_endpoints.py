"""Which TLS each client gets from the settings: plain by default, the local CA for the local engines, an
external cluster's CA file (or the system's CAs) for an external one."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from fraud_platform.clients import CqlNodes
from fraud_platform.endpoints import Endpoints
from fraud_platform.errors import ConfigError
from fraud_platform.settings import load_settings

pytestmark = pytest.mark.unit
CA = Path("/state/tls/ca.pem")
NAMES = ("CASSANDRA_SSL", "CASSANDRA_SSL_CA_FILE", "CASSANDRA_CONTACT_POINTS", "KAFKA_SECURITY_PROTOCOL",
         "KAFKA_SSL_CA_FILE", "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SSL_PORT", "KAFKA_PORT", "HIVE_SSL",
         "HIVE_SSL_CA_FILE", "HIVE_HIVESERVER2_HOST", "HIVE_AUTH")


def _endpoints(monkeypatch, tmp_path: Path, local_ca: Path | None = CA, **env: str) -> Endpoints:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for role in ("ADMIN", "SCORER", "PERSISTER", "PRODUCER"):
        monkeypatch.setenv(f"KAFKA_{role}_PASSWORD", f"{role.lower()}-pw")
    return Endpoints(load_settings(tmp_path / "none.env"), local_ca)


def test_cassandra_is_plain_by_default_and_its_tls_port_trusts_the_local_ca(monkeypatch, tmp_path: Path) -> None:
    ep = _endpoints(monkeypatch, tmp_path)
    assert ep.cassandra == CqlNodes(("127.0.0.1",), 9042)
    assert ep.cassandra.ssl_context() is None
    assert ep.cassandra_tls == CqlNodes(("127.0.0.1",), 9042, tls=True, ca_file=str(CA))


def test_cassandra_ssl_uses_the_local_ca_or_the_external_clusters(monkeypatch, tmp_path: Path) -> None:
    assert _endpoints(monkeypatch, tmp_path, CASSANDRA_SSL="true").cassandra.ca_file == str(CA)
    external = _endpoints(monkeypatch, tmp_path, CASSANDRA_SSL="true", CASSANDRA_CONTACT_POINTS="db1, db2",
                          CASSANDRA_SSL_CA_FILE="/etc/db-ca.pem").cassandra
    assert external == CqlNodes(("db1", "db2"), 9042, tls=True, ca_file="/etc/db-ca.pem")
    system_cas = _endpoints(monkeypatch, tmp_path, CASSANDRA_SSL="true", CASSANDRA_CONTACT_POINTS="db1").cassandra
    assert (system_cas.tls, system_cas.ca_file) == (True, None)
    context = system_cas.ssl_context()
    assert context is not None and context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    with pytest.raises(ConfigError, match="CASSANDRA_SSL"):
        _ = _endpoints(monkeypatch, tmp_path, local_ca=None, CASSANDRA_SSL="true").cassandra


def test_kafka_sasl_ssl_trusts_the_local_ca_on_the_local_broker(monkeypatch, tmp_path: Path) -> None:
    plain = _endpoints(monkeypatch, tmp_path)
    assert (plain.kafka, plain.kafka_tls_port, plain.kafka_access("scorer").ca_file) == ("127.0.0.1:9092", 9096, None)
    bootstrap, access = plain.kafka_tls_listener("scorer")
    assert (bootstrap, access.security_protocol, access.ca_file) == ("127.0.0.1:9096", "SASL_SSL", str(CA))
    assert access.login == plain.kafka_access("scorer").login

    tls = _endpoints(monkeypatch, tmp_path, KAFKA_SECURITY_PROTOCOL="SASL_SSL")
    assert (tls.kafka, tls.kafka_tls_port) == ("127.0.0.1:9092", 9092)  # the one listener serves TLS
    assert tls.kafka_access("persister").ca_file == str(CA)
    external = _endpoints(monkeypatch, tmp_path, KAFKA_SECURITY_PROTOCOL="SASL_SSL",
                          KAFKA_BOOTSTRAP_SERVERS="k1:9093").kafka_access("producer")
    assert external.ca_file is None  # the system's CAs


def test_hiveserver2_is_plain_by_default_and_hive_ssl_trusts_the_local_or_the_given_ca(monkeypatch,
                                                                                        tmp_path: Path) -> None:
    from fraud_platform.hive_transport import tls_context

    monkeypatch.setenv("HIVE_PASSWORD", "hive-pw")
    plain = _endpoints(monkeypatch, tmp_path).hive_login
    assert (plain.tls, plain.ca_file, plain.password) == (False, None, "hive-pw")
    local = _endpoints(monkeypatch, tmp_path, HIVE_SSL="true").hive_login
    assert (local.tls, local.ca_file) == (True, str(CA))
    external = _endpoints(monkeypatch, tmp_path, HIVE_SSL="true", HIVE_HIVESERVER2_HOST="hs2.example",
                          HIVE_AUTH="LDAP", HIVE_SSL_CA_FILE="/etc/hs2-ca.pem").hive_login
    assert (external.tls, external.ca_file, external.auth) == (True, "/etc/hs2-ca.pem", "LDAP")
    system_cas = _endpoints(monkeypatch, tmp_path, HIVE_SSL="true", HIVE_HIVESERVER2_HOST="hs2.example").hive_login
    assert (system_cas.tls, system_cas.ca_file) == (True, None)
    context = tls_context(None)
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    with pytest.raises(ConfigError, match="HIVE_SSL"):
        _ = _endpoints(monkeypatch, tmp_path, local_ca=None, HIVE_SSL="true").hive_login
