"""The local broker's server.properties: SASL clients, StandardAuthorizer, the admin's static login, mode 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fraud_platform.errors import ConfigError
from fraud_runtime.context import Context
from fraud_runtime.services.kafka import Kafka

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]


def _rendered(tmp_path: Path, monkeypatch, **env: str) -> tuple[dict[str, str], Path]:
    monkeypatch.setenv("FRAUD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("KAFKA_ADMIN_PASSWORD", "admin-secret-123")
    monkeypatch.setenv("FRAUD_TLS_KEYSTORE_PASSWORD", "keystore-secret-456")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    kafka = Kafka(Context.load(root=ROOT))
    kafka.render_config()
    path = kafka.conf_dir / "server.properties"
    lines = [line for line in path.read_text().splitlines() if "=" in line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines), path


def test_clients_log_in_and_only_granted_acls_pass(tmp_path: Path, monkeypatch) -> None:
    props, path = _rendered(tmp_path, monkeypatch, KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT")
    assert props["listeners"] == "SASL_PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9096,CONTROLLER://127.0.0.1:9093"
    assert props["inter.broker.listener.name"] == "SASL_PLAINTEXT"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512,PLAIN"
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:admin;User:ANONYMOUS"
    for listener in ("sasl_plaintext", "sasl_ssl"):
        assert 'user_admin="admin-secret-123"' in props[f"listener.name.{listener}.plain.sasl.jaas.config"]
        assert "ScramLoginModule" in props[f"listener.name.{listener}.scram-sha-512.sasl.jaas.config"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_tls_listener_serves_the_platform_cas_keystore(tmp_path: Path, monkeypatch) -> None:
    props, _ = _rendered(tmp_path, monkeypatch, KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT")
    tls = tmp_path / "state" / "tls"
    assert props["listener.name.sasl_ssl.ssl.keystore.location"] == str(tls / "server.p12")
    assert props["listener.name.sasl_ssl.ssl.keystore.password"] == "keystore-secret-456"
    assert props["listener.name.sasl_ssl.ssl.truststore.location"] == str(tls / "ca.pem")
    assert (tls / "server.p12").is_file() and (tls / "ca.pem").is_file()


def test_sasl_ssl_leaves_no_plain_listener(tmp_path: Path, monkeypatch) -> None:
    props, _ = _rendered(tmp_path, monkeypatch, KAFKA_SECURITY_PROTOCOL="SASL_SSL")
    assert props["listeners"] == "SASL_SSL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["inter.broker.listener.name"] == "SASL_SSL"
    assert "listener.name.sasl_plaintext.plain.sasl.jaas.config" not in props


def test_plaintext_has_no_logins_and_plain_sasl_is_refused_locally(tmp_path: Path, monkeypatch) -> None:
    props, _ = _rendered(tmp_path, monkeypatch, KAFKA_SECURITY_PROTOCOL="PLAINTEXT")
    assert "authorizer.class.name" not in props and "admin-secret-123" not in str(props)
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    with pytest.raises(ConfigError, match="SCRAM, not PLAIN"):
        _rendered(tmp_path, monkeypatch, KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT", KAFKA_SASL_MECHANISM="PLAIN")
