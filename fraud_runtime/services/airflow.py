"""Airflow 3 in its own venv: api-server (UI + REST + execution API), scheduler (LocalExecutor),
dag-processor and triggerer. Configuration comes from `fraud_runtime.airflow_config`, shared with
`./fraudctl airflow …`; the metadata database (SQLite by default) is migrated before the api-server starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import ClassVar

from fraud_platform.airflow_contract import BOOTSTRAP_DAG_ID, CANARY_DAG_ID
from fraud_platform.logs import get_logger
from fraud_runtime.airflow_config import airflow_environment, airflow_home, prepare_airflow_home
from fraud_runtime.errors import InstallError, ServiceNotReady
from fraud_runtime.probes import HttpProbe
from fraud_runtime.services.base import FULL, Program, Service

MIGRATE_TIMEOUT = 600.0
DAG_PARSE_WAIT = 120.0  # seconds for the dag-processor to register bootstrap_history after it starts
ACTIVE_RUN_STATES = frozenset({"queued", "running"})


class AirflowService(Service):
    """One Airflow component: `airflow <command>`, healthy when the api-server's health JSON says so."""

    profiles = FULL
    command: ClassVar[tuple[str, ...]]
    component: ClassVar[str]  # key in /api/v2/monitor/health
    depends_on = ("airflow-api-server",)
    ready_timeout = 120.0

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.settings.airflow.port}"

    def url(self) -> str:
        return self.api_url

    def render_config(self) -> None:
        prepare_airflow_home(self.ctx)

    def program(self) -> Program:
        binary = self.artifacts.venv_bin("airflow", "airflow")
        return Program(argv=[str(binary), *self.command], env=airflow_environment(self.ctx),
                       cwd=airflow_home(self.ctx), stop_wait_seconds=60)

    def probe(self) -> HttpProbe:
        return HttpProbe(f"{self.api_url}/api/v2/monitor/health", check_json=self._healthy)

    def airflow_cli(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
        """``airflow <args>`` with the services' configuration (the way ``./fraudctl airflow`` runs it)."""
        binary = self.artifacts.venv_bin("airflow", "airflow")
        return subprocess.run([str(binary), *args], env={**os.environ, **airflow_environment(self.ctx)},
                              capture_output=True, text=True, timeout=timeout, check=False,
                              cwd=airflow_home(self.ctx))

    def _healthy(self, body: object) -> str | None:
        status = body.get(self.component, {}).get("status") if isinstance(body, dict) else None
        return None if status == "healthy" else f"Airflow reports {self.component} as {status or 'absent'}"


class AirflowApiServer(AirflowService):
    name = "airflow-api-server"
    command = ("api-server",)
    component = "metadatabase"
    depends_on = ("statsd-exporter", "smtp-receiver")
    process_pattern = r"airflow api.server|airflow-api-server"
    ready_timeout = 180.0

    def ports(self) -> dict[str, int]:
        return {"http": self.settings.airflow.port}

    def initialise(self) -> None:
        """`airflow db migrate` (idempotent: a no-op on an up-to-date database)."""
        if not self.artifacts.venv_bin("airflow", "airflow").exists():
            raise InstallError("Airflow is not installed yet: run `./fraudctl setup`")
        try:
            done = self.airflow_cli("db", "migrate", timeout=MIGRATE_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ServiceNotReady(self.name, f"`airflow db migrate` took over {MIGRATE_TIMEOUT:.0f}s") from None
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
            raise ServiceNotReady(self.name, "`airflow db migrate` failed", tail)


class AirflowScheduler(AirflowService):
    name = "airflow-scheduler"
    command = ("scheduler", "--skip-serve-logs")  # the api-server reads task logs from the shared log dir
    component = "scheduler"
    # What DAG runs need: the upstream API, HDFS, the metastore and HiveServer2, e-mail.
    depends_on = ("airflow-api-server", "transactions-api", "namenode", "datanode", "hive-metastore",
                  "hiveserver2", "smtp-receiver")
    process_pattern = r"airflow scheduler"


class AirflowDagProcessor(AirflowService):
    name = "airflow-dag-processor"
    command = ("dag-processor",)
    component = "dag_processor"
    process_pattern = r"airflow dag.processor"

    def bootstrap(self) -> None:
        """A fresh platform's first champion: with AIRFLOW_BOOTSTRAP_HISTORY on and no champion in the model
        store, unpause ``bootstrap_history`` and trigger one run — unless one is already queued or running.
        Never fails ``up``: a problem is logged with what to run by hand."""
        log = get_logger("fraud_runtime.airflow")
        try:
            self._unpause(CANARY_DAG_ID)
        except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
            log.warning("platform_canary not unpaused", error=f"{exc.__class__.__name__}: {exc}",
                        fix=f"./fraudctl airflow dags unpause {CANARY_DAG_ID}")
        if not self.settings.airflow.bootstrap_history:
            return
        try:
            if self._has_champion():
                return
            started = self._trigger_bootstrap()
        except (OSError, subprocess.SubprocessError, RuntimeError, ValueError) as exc:
            log.warning("bootstrap_history not started", error=f"{exc.__class__.__name__}: {exc}",
                        fix=f"./fraudctl airflow dags unpause {BOOTSTRAP_DAG_ID} && "
                            f"./fraudctl airflow dags trigger {BOOTSTRAP_DAG_ID}")
            return
        log.info("bootstrap_history", outcome=started)

    def _has_champion(self) -> bool:
        """A champion the scorer will serve: a pointer and a version signed with this platform's key."""
        from fraud_platform.model_store import ModelStore
        from fraud_platform.webhdfs import WebHdfs

        store, hdfs = ModelStore(), WebHdfs(self.endpoints.webhdfs_url, self.settings.hdfs.user)
        pointer = store.pointer(hdfs)
        return pointer is not None and store.pointer_problem(hdfs, pointer, self.endpoints.model_signing_key) is None

    def _trigger_bootstrap(self) -> str:
        self._unpause(BOOTSTRAP_DAG_ID)
        runs = self.airflow_cli("dags", "list-runs", BOOTSTRAP_DAG_ID, "--output", "json")
        if runs.returncode == 0 and any(run.get("state") in ACTIVE_RUN_STATES for run in _json_list(runs.stdout)):
            return "a run is already queued or running"
        triggered = self.airflow_cli("dags", "trigger", BOOTSTRAP_DAG_ID)
        if triggered.returncode != 0:
            raise RuntimeError(f"`airflow dags trigger {BOOTSTRAP_DAG_ID}` failed: "
                               + (triggered.stderr or triggered.stdout).strip()[-300:])
        return "triggered (no signed champion in the model store)"


    def _unpause(self, dag_id: str) -> None:
        deadline = time.monotonic() + DAG_PARSE_WAIT
        while True:  # the DAG is known once the dag-processor has parsed dags/ the first time
            unpaused = self.airflow_cli("dags", "unpause", dag_id)
            if unpaused.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"`airflow dags unpause {dag_id}` kept failing: "
                                   + (unpaused.stderr or unpaused.stdout).strip()[-300:])
            time.sleep(3)


def _json_list(text: str) -> list[dict]:
    """The JSON array in a CLI's stdout (log lines before it are skipped); [] when there is none."""
    start = text.find("[")
    try:
        found = json.loads(text[start:]) if start >= 0 else []
    except ValueError:
        return []
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


class AirflowTriggerer(AirflowService):
    name = "airflow-triggerer"
    command = ("triggerer", "--skip-serve-logs")
    component = "triggerer"
    process_pattern = r"airflow triggerer"
