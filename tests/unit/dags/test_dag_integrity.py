"""DAG integrity, in the Airflow venv (where the DAGs run): every file in dags/ imports cleanly, parsing
opens no network connection and takes little time, and every task retries with backoff, has a time limit
and e-mails on failure. The suite runs in the platform venv, so the check runs as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fraud_runtime.context import Context

ROOT = Path(__file__).resolve().parents[3]
EXPECTED = {"transactions_daily", "features_and_training"}

PROBE = r"""
import json, socket, sys, time

def refuse(*args, **kwargs):
    raise RuntimeError(f"network access while parsing DAGs: {args!r}")

socket.socket.connect = refuse
socket.create_connection = refuse
from airflow.dag_processing.dagbag import DagBag
started = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
seconds = time.perf_counter() - started
tasks = {}
for dag_id, dag in bag.dags.items():
    for t in dag.tasks:
        tasks[f"{dag_id}.{t.task_id}"] = {
            "retries": t.retries, "backoff": bool(t.retry_exponential_backoff),
            "timeout": t.execution_timeout.total_seconds() if t.execution_timeout else None,
            "email": list(t.email or []), "email_on_failure": bool(t.email_on_failure),
            "operator": type(t).__name__, "upstream": sorted(t.upstream_task_ids),
        }
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": sorted(bag.dags),
                  "tasks": tasks, "seconds": seconds, "catchup": {d: bag.dags[d].catchup for d in bag.dags}}))
"""


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict:
    ctx = Context.load()
    python = ctx.artifacts.venv_bin("airflow", "python")
    if not python.exists():
        pytest.fail(f"the Airflow venv is missing ({python}): run ./fraudctl setup")
    home = tmp_path_factory.mktemp("airflow-home")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "PYTHONPATH": str(ROOT), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__UNIT_TEST_MODE": "True", "FRAUD_ALERT_EMAIL": "alerts@example.test"}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run([str(python), "-c", PROBE, str(ROOT / "dags")], env=env, capture_output=True,
                            text=True, timeout=300, cwd=home)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_dag_file_imports_without_errors(parsed) -> None:
    assert parsed["errors"] == {}
    assert set(parsed["dags"]) == EXPECTED


def test_parsing_is_light(parsed) -> None:
    # The probe refuses sockets: reaching this point means no connection was opened at import time.
    assert parsed["seconds"] < 20, parsed["seconds"]  # generous: a parse doing real work takes far longer


def test_every_task_retries_with_backoff_times_out_and_mails_on_failure(parsed) -> None:
    assert parsed["tasks"], "no tasks parsed"
    for name, task in parsed["tasks"].items():
        assert task["retries"] >= 1, name
        assert task["backoff"], name
        assert task["timeout"] and task["timeout"] > 0, name
        assert task["email_on_failure"] and task["email"] == ["alerts@example.test"], name


def test_daily_dag_shape(parsed) -> None:
    tasks = {name.split(".", 1)[1]: t for name, t in parsed["tasks"].items() if name.startswith("transactions_daily.")}
    assert set(tasks) == {"extract_transactions", "extract_labels", "load_to_hive"}
    assert tasks["load_to_hive"]["operator"] == "PlatformSparkSubmitOperator"
    assert tasks["load_to_hive"]["upstream"] == ["extract_labels", "extract_transactions"]
    assert parsed["catchup"]["transactions_daily"] is True


def test_probe_runs_in_a_different_interpreter() -> None:
    assert "airflow" not in sys.executable  # the suite itself stays in the platform venv
