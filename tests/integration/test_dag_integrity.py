"""DAG integrity in the Airflow venv (where the DAGs run; the suite itself runs in the platform venv, so the
check is a subprocess): every file in dags/ imports cleanly without opening a network connection, and every
task retries with backoff, has a time limit and e-mails on failure. The files' static shape is checked in
the unit tier (tests/unit/dags/)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {"transactions_daily", "features_and_training", "bootstrap_history", "platform_canary", "superset_refresh",
            "decisions_daily"}
# A DAG file doing I/O at parse time (it names "airflow" and "dag": DagBag's safe mode skips other files).
CANARY = "import socket  # airflow dag\nsocket.create_connection(('127.0.0.1', 9))\n"

PROBE = r"""
import json, socket, sys

def refuse(*args, **kwargs):
    raise RuntimeError(f"network access while parsing DAGs: {args!r}")

socket.socket.connect = refuse
socket.create_connection = refuse
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
canary = DagBag(dag_folder=sys.argv[2])
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
                  "tasks": tasks, "catchup": {d: bag.dags[d].catchup for d in bag.dags},
                  "canary_errors": [str(v) for v in canary.import_errors.values()]}))
"""


@pytest.fixture(scope="module")
def parsed(ctx, tmp_path_factory) -> dict:
    python = ctx.artifacts.venv_bin("airflow", "python")
    if not python.exists():
        pytest.fail(f"the Airflow venv is missing ({python}): run ./fraudctl setup")
    home = tmp_path_factory.mktemp("airflow-home")
    canary = tmp_path_factory.mktemp("canary-dags")
    (canary / "connects_at_parse.py").write_text(CANARY)
    env = {**os.environ, "AIRFLOW_HOME": str(home), "PYTHONPATH": str(ROOT), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__UNIT_TEST_MODE": "True", "FRAUD_ALERT_EMAIL": "alerts@example.test"}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run([str(python), "-c", PROBE, str(ROOT / "dags"), str(canary)], env=env,
                            capture_output=True, text=True, timeout=300, cwd=home)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_dag_file_imports_without_errors(parsed) -> None:
    assert parsed["errors"] == {}
    assert set(parsed["dags"]) == EXPECTED


def test_parsing_opens_no_connection(parsed) -> None:
    # The guard is live: the canary's connection was refused and reported; dags/ parsed with no error under it.
    assert len(parsed["canary_errors"]) == 1 and "network access while parsing DAGs" in parsed["canary_errors"][0]


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


def test_training_dags_share_their_tasks_and_bootstrap_loads_first(parsed) -> None:
    def shape(dag_id: str) -> dict:
        return {name.split(".", 1)[1]: (t["operator"], t["upstream"]) for name, t in parsed["tasks"].items()
                if name.startswith(f"{dag_id}.")}

    training = {"build_features": ("PlatformSparkSubmitOperator", []),
                "train_model": ("PlatformSparkSubmitOperator", ["build_features"])}
    assert shape("features_and_training") == training
    assert shape("bootstrap_history") == {
        "extract_history": ("_PythonDecoratedOperator", []),
        "load_history": ("PlatformSparkSubmitOperator", ["extract_history"]),
        **training, "build_features": ("PlatformSparkSubmitOperator", ["load_history"])}
    assert parsed["catchup"]["bootstrap_history"] is False
