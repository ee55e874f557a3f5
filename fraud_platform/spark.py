"""The one Spark configuration of the platform, and the one way to run a job of `spark_jobs/`.

Every Spark process — a job run by `fraudctl`, a test, a benchmark or a DAG task, and HiveServer2 (the
Spark Thrift Server) — gets its master, driver memory, endpoints and fixed semantics from here:

* `session_conf(endpoints)`: `--conf` pairs: the fixed job semantics (`FIXED_CONF`: UTC, Hive catalog,
  dynamic partition overwrite, small shuffles) plus the endpoints (metastore, `fs.defaultFS`, warehouse)
  and the driver's bind address.
* `job_command` / `job_env` / `run_job`: `spark-submit` of `spark_jobs/<job>.py` with the platform venv's
  python on the driver and the workers.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from fraud_platform.lake import WAREHOUSE

if TYPE_CHECKING:  # kept out of import time: DAG files import this module on every parse
    from fraud_platform.config import PlatformConfig
    from fraud_platform.endpoints import Endpoints

JOBS_DIR = Path(__file__).resolve().parents[1] / "spark_jobs"
METASTORE_CONF = "spark.hadoop.hive.metastore.uris"
DEFAULT_FS_CONF = "spark.hadoop.fs.defaultFS"
WAREHOUSE_CONF = "spark.sql.warehouse.dir"
ENDPOINT_KEYS = (METASTORE_CONF, DEFAULT_FS_CONF, WAREHOUSE_CONF)
DRIVER_JAVA_OPTIONS_CONF = "spark.driver.extraJavaOptions"
# Job semantics, not endpoints: every job runs in UTC and overwrites only the partitions it writes.
FIXED_CONF = {
    "spark.sql.catalogImplementation": "hive",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.hadoop.hive.exec.dynamic.partition.mode": "nonstrict",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.log.level": "WARN",  # Spark's INFO chatter would bury the job's own lines in Airflow's task log
    "spark.sql.adaptive.enabled": "true",
    DRIVER_JAVA_OPTIONS_CONF: "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}


def endpoint_conf(endpoints: Endpoints) -> dict[str, str]:
    """Where the catalog and the files are."""
    return {METASTORE_CONF: endpoints.metastore_uri, DEFAULT_FS_CONF: endpoints.namenode_uri,
            WAREHOUSE_CONF: f"{endpoints.namenode_uri}{WAREHOUSE}"}


def session_conf(endpoints: Endpoints) -> dict[str, str]:
    """Every `--conf` a platform Spark driver gets: fixed semantics + endpoints + the driver's address."""
    return {**FIXED_CONF, **endpoint_conf(endpoints),
            "spark.driver.host": endpoints.host, "spark.driver.bindAddress": endpoints.host}


def spark_home() -> Path:
    """pyspark's folder in the running interpreter (the platform venv): `bin/spark-submit`, `jars/`."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise RuntimeError("pyspark is not installed in this interpreter: run it from the platform venv")
    return Path(spec.origin).parent


def spark_bin(python: Path) -> Path:
    """`pyspark/bin` of the venv whose interpreter is `python` (for callers in another venv, e.g. Airflow)."""
    found = next(python.parent.parent.glob("lib/python3*/site-packages/pyspark/bin"), None)
    if found is None:
        raise RuntimeError(f"pyspark is not installed in the venv of {python}: run `./fraudctl setup`")
    return found


def job_path(job: str) -> Path:
    return JOBS_DIR / f"{job}.py"


def job_command(config: PlatformConfig, job: str, args: list[str]) -> list[str]:
    """`spark-submit` argv for `spark_jobs/<job>.py` with `args`, configured from the settings."""
    endpoints = config.endpoints
    argv = [str(spark_home() / "bin" / "spark-submit"), "--master", endpoints.spark_master,
            "--driver-memory", config.settings.spark.driver_memory, "--name", f"fraud-{job}"]
    for key, value in session_conf(endpoints).items():
        argv += ["--conf", f"{key}={value}"]
    return [*argv, str(job_path(job)), *args]


def job_env(config: PlatformConfig, python: Path | None = None) -> dict[str, str]:
    """spark-submit's environment: the platform venv's python on driver and workers, the checkout importable."""
    interpreter = str(python or sys.executable)
    host = config.settings.platform.bind_host
    return {"PYSPARK_PYTHON": interpreter, "PYSPARK_DRIVER_PYTHON": interpreter,
            "PYTHONPATH": str(config.paths.root), "FRAUD_ROOT": str(config.paths.root),
            "HADOOP_USER_NAME": config.settings.hdfs.user, "SPARK_LOCAL_IP": host, "TZ": "UTC"}


def run_job(config: PlatformConfig, job: str, args: list[str], *, timeout: float = 1800,
            capture: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one job to completion (the caller checks `returncode`; output captured unless `capture=False`)."""
    return subprocess.run(job_command(config, job, args), env={**os.environ, **job_env(config)},
                          capture_output=capture, text=True, timeout=timeout, cwd=config.paths.root)
