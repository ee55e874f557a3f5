"""Airflow's configuration from the settings: plain values in the environment, secrets only in 0600 files."""

from __future__ import annotations

import configparser
import json
import stat
from pathlib import Path

import pytest

from fraud_platform.errors import ConfigError
from fraud_runtime.airflow_config import airflow_environment, connections, prepare_airflow_home
from fraud_runtime.context import Context


@pytest.fixture
def tmp_ctx(tmp_path: Path, monkeypatch) -> Context:
    root = Path(__file__).resolve().parents[3]
    monkeypatch.setenv("FRAUD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("AIRFLOW_ADMIN_PASSWORD", "admin-secret-123")
    monkeypatch.setenv("AIRFLOW_SECRET_KEY", "k" * 43)
    monkeypatch.setenv("API_TOKEN", "api-secret-456")
    monkeypatch.setenv("SMTP_ALERT_RECIPIENTS", "a@x.test,b@x.test")
    return Context.load(root=root)


def test_environment_points_at_the_checkout_and_carries_no_secret(tmp_ctx: Context) -> None:
    env = airflow_environment(tmp_ctx)
    root = tmp_ctx.paths.root
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(root / "dags") and env["PYTHONPATH"] == str(root)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor" and env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__METRICS__STATSD_PORT"] == str(tmp_ctx.settings.monitoring.statsd_udp_port)
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1" and env["FRAUD_ALERT_EMAIL"] == "a@x.test,b@x.test"
    assert env["FRAUD_TASK_RETRIES"] == "2"  # AIRFLOW_TASK_RETRIES, read by the DAGs' default_args
    assert env["FRAUD_PLATFORM_PYTHON"].endswith("/bin/python")  # Spark jobs run with the platform venv
    blob = json.dumps(env)
    for secret in ("admin-secret-123", "api-secret-456", "k" * 43):
        assert secret not in blob
    assert all('"' not in value for value in env.values())  # supervisord's environment= cannot carry quotes


def test_home_files_are_private_and_complete(tmp_ctx: Context) -> None:
    home = prepare_airflow_home(tmp_ctx)
    for name in ("airflow.cfg", "passwords.json", "connections.json", "variables.json"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    assert json.loads((home / "passwords.json").read_text()) == {"admin": "admin-secret-123"}
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(home / "airflow.cfg")
    assert cfg["database"]["sql_alchemy_conn"] == f"sqlite:///{home / 'airflow.db'}"
    assert len(cfg["core"]["fernet_key"]) == 44 and cfg["api_auth"]["jwt_secret"] != cfg["api"]["secret_key"]
    assert "LocalFilesystemBackend" in cfg["secrets"]["backend"]
    assert prepare_airflow_home(tmp_ctx) == home  # idempotent


def test_connections_follow_the_settings(tmp_ctx: Context) -> None:
    conns = connections(tmp_ctx)
    assert conns["fraud_api"] | {"password": "-"} == {"conn_type": "http", "host": "127.0.0.1", "port": 8000,
                                                      "schema": "http", "password": "-"}
    assert conns["fraud_api"]["password"] == "api-secret-456"
    assert conns["spark_default"]["host"] == tmp_ctx.endpoints.spark_master == "local[2]"  # the one cap
    assert conns["smtp_default"]["port"] == 1025 and conns["smtp_default"]["extra"]["disable_tls"] is True


def test_missing_secrets_fail_clearly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FRAUD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("AIRFLOW_ADMIN_PASSWORD", "")
    ctx = Context.load(root=Path(__file__).resolve().parents[3])
    with pytest.raises(ConfigError, match="AIRFLOW_ADMIN_PASSWORD"):
        prepare_airflow_home(ctx)
