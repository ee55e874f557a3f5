"""Airflow's configuration, rendered from the platform settings. One place for the Airflow services and for
`./fraudctl airflow …`, so the CLI always sees the same database, DAGs, connections and secrets.

Plain settings travel as `AIRFLOW__SECTION__KEY` environment variables (`airflow_environment`); secrets never
do (the supervisor's config file is not private): `prepare_airflow_home` writes them into mode-0600 files in
AIRFLOW_HOME — `airflow.cfg` (Fernet, JWT and api-server keys, database URL), the simple auth manager's
password file, and `connections.json`/`variables.json` read by Airflow's local-filesystem secrets backend
(configured in `airflow.cfg` too: supervisord cannot carry JSON in an environment value).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from fraud_platform.airflow_contract import (
    ALERT_EMAIL_ENV,
    API_CONN_ID,
    PLATFORM_PYTHON_ENV,
    SMTP_CONN_ID,
    SPARK_CONN_ID,
    SUPERSET_CONN_ID,
    TASK_RETRIES_ENV,
    WEBHDFS_CONN_ID,
)
from fraud_platform.errors import ConfigError
from fraud_runtime.context import Context

TEMPLATES = Path(__file__).resolve().parent / "templates" / "airflow"


def airflow_home(ctx: Context) -> Path:
    return ctx.paths.state / "airflow"


def airflow_environment(ctx: Context) -> dict[str, str]:
    """Non-secret environment of every Airflow process (services and the passthrough CLI)."""
    s, home = ctx.settings, airflow_home(ctx)
    api = f"http://{s.platform.bind_host}:{s.airflow.port}"
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
        "PYTHONPATH": str(ctx.paths.root),  # DAGs import fraud_domain, fraud_runtime and spark_jobs
        "FRAUD_ROOT": str(ctx.paths.root),
        ALERT_EMAIL_ENV: s.smtp.alert_recipients,
        PLATFORM_PYTHON_ENV: str(ctx.artifacts.venv_bin("platform", "python")),
        TASK_RETRIES_ENV: str(s.airflow.task_retries),
        "TZ": "UTC",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ctx.paths.root / "dags"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(s.airflow.parallelism),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "utc",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{s.airflow.admin_username}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__API__HOST": s.platform.bind_host,
        "AIRFLOW__API__PORT": str(s.airflow.port),
        "AIRFLOW__API__BASE_URL": api,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(ctx.paths.logs / "airflow"),
        "AIRFLOW__METRICS__STATSD_ON": "True",
        "AIRFLOW__METRICS__STATSD_HOST": ctx.endpoints.statsd[0],
        "AIRFLOW__METRICS__STATSD_PORT": str(ctx.endpoints.statsd[1]),
        "AIRFLOW__METRICS__STATSD_PREFIX": "airflow",
        "AIRFLOW__EMAIL__FROM_EMAIL": s.smtp.from_address,
        "AIRFLOW__EMAIL__SUBJECT_TEMPLATE": str(TEMPLATES / "email_subject.j2"),  # names DAG, task and run
        "AIRFLOW__EMAIL__HTML_CONTENT_TEMPLATE": str(TEMPLATES / "email_body.html.j2"),
        "AIRFLOW__SMTP__SMTP_HOST": ctx.endpoints.smtp[0],
        "AIRFLOW__SMTP__SMTP_PORT": str(s.smtp.port),
        "AIRFLOW__SMTP__SMTP_STARTTLS": str(s.smtp.starttls),
        "AIRFLOW__SMTP__SMTP_SSL": "False",
        "AIRFLOW__SMTP__SMTP_MAIL_FROM": s.smtp.from_address,
    }


def prepare_airflow_home(ctx: Context) -> Path:
    """Write AIRFLOW_HOME's private files from the settings (idempotent; every file mode 0600)."""
    s, home = ctx.settings, airflow_home(ctx)
    if s.airflow.admin_password is None or s.airflow.secret_key is None:
        raise ConfigError("AIRFLOW_ADMIN_PASSWORD / AIRFLOW_SECRET_KEY are not set: run `./fraudctl setup`")
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    key = s.airflow.secret_key.get_secret_value().encode()
    database = s.airflow.sql_alchemy_conn or f"sqlite:///{home / 'airflow.db'}"
    files = {"connections_file_path": str(home / "connections.json"),
             "variables_file_path": str(home / "variables.json")}
    _private(home / "airflow.cfg", "\n".join([
        "# Rendered by the platform from .env: edit .env, not this file.",
        "[core]", f"fernet_key = {_fernet_key(key)}",
        "[database]", f"sql_alchemy_conn = {database}",
        "[api]", f"secret_key = {_derive(key, 'api-secret-key')}",
        "[api_auth]", f"jwt_secret = {_derive(key, 'jwt-secret')}",
        "[secrets]", "backend = airflow.secrets.local_filesystem.LocalFilesystemBackend",
        f"backend_kwargs = {json.dumps(files)}", "",
    ]))
    admin = {s.airflow.admin_username: s.airflow.admin_password.get_secret_value()}
    _private(home / "passwords.json", json.dumps(admin))
    _private(home / "connections.json", json.dumps(connections(ctx), indent=2))
    _private(home / "variables.json", json.dumps({"alert_emails": s.smtp.alert_recipients}))
    return home


def connections(ctx: Context) -> dict[str, dict[str, object]]:
    """The connections DAG tasks use: the transactions API, WebHDFS, Spark, SMTP and Superset."""
    s, endpoints = ctx.settings, ctx.endpoints
    api, webhdfs = urlsplit(endpoints.api_url), urlsplit(endpoints.webhdfs_url)
    superset = urlsplit(endpoints.superset_url)
    smtp_extra = {"from_email": s.smtp.from_address, "disable_ssl": True, "disable_tls": not s.smtp.starttls,
                  "timeout": 30, "retry_limit": 3}
    return {
        API_CONN_ID: {"conn_type": "http", "host": api.hostname, "port": api.port or 80, "schema": api.scheme,
                      "password": s.api.token.get_secret_value() if s.api.token else None},
        WEBHDFS_CONN_ID: {"conn_type": "webhdfs", "host": webhdfs.hostname, "port": webhdfs.port or 9870,
                          "login": s.hdfs.user},
        SPARK_CONN_ID: {"conn_type": "spark", "host": endpoints.spark_master, "extra": {"deploy-mode": "client"}},
        SMTP_CONN_ID: {"conn_type": "smtp", "host": endpoints.smtp[0], "port": endpoints.smtp[1],
                       "login": s.smtp.user,
                       "password": s.smtp.password.get_secret_value() if s.smtp.password else None,
                       "extra": smtp_extra},
        SUPERSET_CONN_ID: {"conn_type": "http", "host": superset.hostname, "port": superset.port,
                           "schema": superset.scheme, "login": s.superset.admin_username,
                           "password": s.superset.admin_password.get_secret_value()
                           if s.superset.admin_password else None},
    }


def _derive(key: bytes, purpose: str) -> str:
    return hmac.new(key, purpose.encode(), hashlib.sha256).hexdigest()


def _fernet_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, b"fernet-key", hashlib.sha256).digest()).decode()


def _private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text if text.endswith("\n") else text + "\n")
    os.chmod(path, 0o600)
