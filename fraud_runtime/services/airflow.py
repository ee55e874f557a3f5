"""Airflow 3 in its own venv: api-server (UI + REST + execution API), scheduler (LocalExecutor),
dag-processor and triggerer. Configuration comes from `fraud_runtime.airflow_config`, shared with
`./fraudctl airflow …`; the metadata database (SQLite by default) is migrated before the api-server starts.
"""

from __future__ import annotations

import os
import subprocess
from typing import ClassVar

from fraud_runtime.airflow_config import airflow_environment, airflow_home, prepare_airflow_home
from fraud_runtime.errors import InstallError, ServiceNotReady
from fraud_runtime.probes import HttpProbe
from fraud_runtime.services.base import FULL, Program, Service

MIGRATE_TIMEOUT = 600.0


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
        binary = self.artifacts.venv_bin("airflow", "airflow")
        if not binary.exists():
            raise InstallError("Airflow is not installed yet: run `./fraudctl setup`")
        env = {**os.environ, **airflow_environment(self.ctx)}
        try:
            done = subprocess.run([str(binary), "db", "migrate"], env=env, capture_output=True, text=True,
                                  timeout=MIGRATE_TIMEOUT, check=False)
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


class AirflowTriggerer(AirflowService):
    name = "airflow-triggerer"
    command = ("triggerer", "--skip-serve-logs")
    component = "triggerer"
    process_pattern = r"airflow triggerer"
