"""Airflow 3 in the runtime: the four components healthy, login with the generated admin password, and
`./fraudctl airflow` running the CLI with the same configuration."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import requests

from fraud_platform.airflow_contract import TASK_RETRIES_ENV

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ("airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


@pytest.fixture(scope="module")
def airflow(start_full):
    return start_full(*COMPONENTS)


def test_every_component_reports_healthy(airflow) -> None:
    api = airflow["airflow-api-server"]
    health = requests.get(f"{api.api_url}/api/v2/monitor/health", timeout=10).json()
    for component in ("metadatabase", "scheduler", "dag_processor", "triggerer"):
        assert health[component]["status"] == "healthy", (component, health)


def test_login_with_the_generated_admin_password(airflow) -> None:
    api = airflow["airflow-api-server"]
    username = api.settings.airflow.admin_username
    password = api.settings.airflow.admin_password.get_secret_value()
    login = requests.post(f"{api.api_url}/auth/token", json={"username": username, "password": password},
                          timeout=30)
    assert login.status_code == 201, login.text
    token = login.json()["access_token"]
    dags = requests.get(f"{api.api_url}/api/v2/dags", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert dags.status_code == 200, dags.text
    wrong = requests.post(f"{api.api_url}/auth/token", json={"username": username, "password": password + "x"},
                          timeout=30)
    assert wrong.status_code == 401
    assert requests.get(f"{api.api_url}/api/v2/dags", timeout=30).status_code == 401


def test_secrets_stay_in_private_files(airflow) -> None:
    api = airflow["airflow-api-server"]
    home = Path(api.program().env["AIRFLOW_HOME"])
    for name in ("airflow.cfg", "passwords.json", "connections.json", "variables.json"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    environment = "\n".join(api.program().env.values())
    assert api.settings.airflow.admin_password.get_secret_value() not in environment
    assert api.settings.api.token.get_secret_value() not in environment


def test_fraudctl_airflow_lists_the_dags(airflow) -> None:
    env = {**os.environ, "FRAUD_ROOT": str(ROOT)}
    result = subprocess.run([str(ROOT / "fraudctl"), "airflow", "dags", "list", "-o", "plain"], env=env,
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    expected = {path.stem for path in (ROOT / "dags").glob("*.py") if "@dag(" in path.read_text()}  # not support.py
    assert expected >= {"transactions_daily", "features_and_training"}
    assert expected <= listed, (expected, result.stdout[-2000:])


def test_task_code_resolves_the_platform_connections(airflow, ctx) -> None:
    """What a DAG task does (airflow.sdk BaseHook) in the Airflow venv, with the services' configuration."""
    from fraud_runtime.cli.passthrough import tool_environment

    code = ("from airflow.sdk import BaseHook\n"
            "for cid in ('fraud_api', 'fraud_webhdfs', 'spark_default', 'smtp_default'):\n"
            "    c = BaseHook.get_connection(cid); print(cid, c.conn_type, c.host, c.port)\n")
    python = ctx.artifacts.venv_bin("airflow", "python")
    env = {**os.environ, **tool_environment(ctx, "airflow")}
    result = subprocess.run([str(python), "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = set(result.stdout.splitlines())
    api, smtp = ctx.settings.api, ctx.settings.smtp
    assert f"fraud_api http 127.0.0.1 {api.port}" in lines
    assert f"fraud_webhdfs webhdfs 127.0.0.1 {ctx.settings.hdfs.http_port}" in lines
    assert f"spark_default spark {ctx.endpoints.spark_master} None" in lines  # local[*] capped, as for every job
    assert f"smtp_default smtp 127.0.0.1 {smtp.port}" in lines


def test_a_failing_task_mails_dag_task_and_run_to_the_receiver(airflow, start_full, ctx) -> None:
    from apps.smtp_receiver import read_messages
    from fraud_runtime.cli.passthrough import tool_environment

    receiver = start_full("smtp-receiver")["smtp-receiver"]
    before = {m.key for m in read_messages(receiver.maildir)}
    # The platform's default_args with no retries (retrying a deliberate failure only waits).
    env = {**os.environ, **tool_environment(ctx, "airflow"), TASK_RETRIES_ENV: "0",
           "AIRFLOW__CORE__DAGS_FOLDER": str(Path(__file__).parent / "airflow_dags")}
    binary = ctx.artifacts.venv_bin("airflow", "airflow")
    result = subprocess.run([str(binary), "dags", "test", "failing_task"], env=env, capture_output=True,
                            text=True, timeout=300)
    assert "DagRun failed" in result.stdout + result.stderr, (result.stdout + result.stderr)[-2000:]
    new = [m for m in read_messages(receiver.maildir) if m.key not in before and "failing_task" in m.subject]
    assert len(new) == 1, [m.subject for m in read_messages(receiver.maildir)]
    mail = new[0]
    assert mail.subject.startswith("[fraud-platform] Airflow task failed: failing_task.boom (run manual__")
    recipients = [r.strip() for r in ctx.settings.smtp.alert_recipients.split(",") if r.strip()]
    assert mail.recipients == recipients and mail.sender == ctx.settings.smtp.from_address
    assert "deliberate failure for the e-mail check" in mail.body
