"""Typed settings: defaults, environment over .env, blank endpoints mean "start a local engine"."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraud_platform.errors import ConfigError
from fraud_platform.settings import load_settings


def test_defaults_bind_loopback_and_start_local_engines(monkeypatch, tmp_path: Path) -> None:
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "CASSANDRA_CONTACT_POINTS", "HDFS_NAMENODE_URI", "FRAUD_BIND_HOST"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(tmp_path / "missing.env")
    assert settings.platform.bind_host == "127.0.0.1"
    assert settings.kafka.bootstrap_servers is None
    assert (settings.kafka.port, settings.cassandra.port, settings.hdfs.http_port) == (9092, 9042, 9870)
    assert settings.kafka.retention_days >= 1


def test_env_file_then_environment_wins(monkeypatch, tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("KAFKA_PORT=19092\nCASSANDRA_HEAP=2g\nKAFKA_BOOTSTRAP_SERVERS=\n")
    monkeypatch.setenv("KAFKA_PORT", "29092")
    monkeypatch.delenv("CASSANDRA_HEAP", raising=False)
    settings = load_settings(env)
    assert settings.kafka.port == 29092
    assert settings.cassandra.heap == "2g"
    assert settings.kafka.bootstrap_servers is None  # blank = local


def test_external_endpoint_is_kept(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CASSANDRA_CONTACT_POINTS", "10.0.0.5,10.0.0.6")
    assert load_settings(tmp_path / "none").cassandra.contact_points == "10.0.0.5,10.0.0.6"


def test_invalid_value_is_one_clear_config_error(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KAFKA_PORT", "99999")
    with pytest.raises(ConfigError, match=r"KAFKA_PORT='99999' is invalid"):
        load_settings(tmp_path / "none")


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "none")
    with pytest.raises(Exception, match="frozen"):
        settings.kafka.port = 1  # type: ignore[misc]
