"""The superset service from the settings: secrets only in its 0600 config file, the server on the bind host,
StatsD to statsd_exporter, SQLite under the state dir unless SUPERSET_SQLALCHEMY_URI says otherwise."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from fraud_platform.errors import ConfigError
from fraud_runtime.airflow_config import connections
from fraud_runtime.context import Context
from fraud_runtime.services.superset import Superset

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def tmp_ctx(tmp_path: Path, monkeypatch) -> Context:
    monkeypatch.setenv("FRAUD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SUPERSET_ADMIN_PASSWORD", "superset-secret-123")
    monkeypatch.setenv("SUPERSET_SECRET_KEY", "s" * 43)
    return Context.load(root=ROOT)


def _rendered(ctx: Context) -> tuple[Superset, str]:
    service = Superset(ctx)
    service.conf_dir.mkdir(parents=True, exist_ok=True)
    service.render_config()
    return service, service.config_file.read_text()


def test_config_is_private_and_names_the_key_the_database_and_statsd(tmp_ctx: Context) -> None:
    service, text = _rendered(tmp_ctx)
    assert stat.S_IMODE(service.config_file.stat().st_mode) == 0o600
    assert f"SECRET_KEY = {'s' * 43!r}" in text
    assert f"SQLALCHEMY_DATABASE_URI = 'sqlite:///{service.data_dir / 'superset.db'}'" in text
    host, port = tmp_ctx.endpoints.statsd
    assert f"StatsdStatsLogger(host={host!r}, port={port}, prefix=\"superset\")" in text
    compile(text, str(service.config_file), "exec")  # valid Python


def test_a_metadata_database_url_replaces_sqlite(tmp_ctx: Context, monkeypatch) -> None:
    monkeypatch.setenv("SUPERSET_SQLALCHEMY_URI", "postgresql+psycopg2://s:p@db/superset")
    _, text = _rendered(Context.load(root=ROOT))
    assert "SQLALCHEMY_DATABASE_URI = 'postgresql+psycopg2://s:p@db/superset'" in text


def test_the_server_binds_the_bind_host_and_carries_no_secret(tmp_ctx: Context) -> None:
    service = Superset(tmp_ctx)
    program = service.program()
    assert program.argv[program.argv.index("--bind") + 1] == "127.0.0.1:8088"
    assert program.argv[-1] == "superset.app:create_app()"
    blob = json.dumps([program.argv, program.env])
    assert "superset-secret-123" not in blob and "s" * 43 not in blob
    assert program.env["SUPERSET_CONFIG_PATH"] == str(service.config_file)
    assert service.url() == "http://127.0.0.1:8088" and service.probe().url == "http://127.0.0.1:8088/health"


def test_the_refresh_dag_logs_in_with_the_admin_of_the_settings(tmp_ctx: Context) -> None:
    conn = connections(tmp_ctx)["fraud_superset"]
    assert (conn["host"], conn["port"], conn["login"], conn["password"]) == (
        "127.0.0.1", 8088, "admin", "superset-secret-123")


def test_missing_secrets_fail_clearly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FRAUD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SUPERSET_SECRET_KEY", "")
    service = Superset(Context.load(root=ROOT))
    service.conf_dir.mkdir(parents=True, exist_ok=True)
    with pytest.raises(ConfigError, match="SUPERSET_SECRET_KEY"):
        service.render_config()
