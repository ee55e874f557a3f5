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
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    kafka = Kafka(Context.load(root=ROOT))
    kafka.render_config()
    path = kafka.conf_dir / "server.properties"
    lines = [line for line in path.read_text().splitlines() if "=" in line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines), path


def test_clients_log_in_and_only_granted_acls_pass(tmp_path: Path, monkeypatch) -> None:
    props, path = _rendered(tmp_path, monkeypatch, KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT")
    assert props["listener.security.protocol.map"] == "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512,PLAIN"
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:admin;User:ANONYMOUS"
    assert 'user_admin="admin-secret-123"' in props["listener.name.sasl_plaintext.plain.sasl.jaas.config"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_plaintext_has_no_logins_and_ssl_is_refused_locally(tmp_path: Path, monkeypatch) -> None:
    props, _ = _rendered(tmp_path, monkeypatch, KAFKA_SECURITY_PROTOCOL="PLAINTEXT")
    assert "authorizer.class.name" not in props and "admin-secret-123" not in str(props)
    with pytest.raises(ConfigError, match="SASL_PLAINTEXT with SCRAM"):
        _rendered(tmp_path, monkeypatch, KAFKA_SECURITY_PROTOCOL="SASL_SSL")
