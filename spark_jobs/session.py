"""How a batch job gets its SparkSession, and how a caller builds the spark-submit command for it.

Two sides, one module so the conf names are written once:

* Caller side (tests, benchmarks, ``fraudctl``): ``submit_command(ctx, job, args)`` turns the platform
  settings into ``spark-submit --master … --conf spark.hadoop.hive.metastore.uris=… <job> <args>`` and
  ``submit_env(ctx)`` into the environment (platform venv python, PYTHONPATH = checkout, HDFS user).
* Job side: ``job_session(app)`` builds the session from what the caller passed. Endpoints given as
  ``--conf`` win; a caller that passes none (e.g. Airflow's SparkSubmitOperator, which only knows the
  master) gets them from the platform settings, read once here at the job's entry point.

Nothing here hard-codes a host or port: they all come from ``fraud_runtime.settings``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from fraud_runtime.context import Context

JOBS_DIR = Path(__file__).resolve().parent
METASTORE_CONF = "spark.hadoop.hive.metastore.uris"
DEFAULT_FS_CONF = "spark.hadoop.fs.defaultFS"
WAREHOUSE_CONF = "spark.sql.warehouse.dir"
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
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}


@dataclass(frozen=True)
class Endpoints:
    metastore_uri: str
    default_fs: str  # hdfs://host:port

    @property
    def warehouse(self) -> str:
        from fraud_runtime.services.hive import WAREHOUSE

        return f"{self.default_fs}{WAREHOUSE}"

    @classmethod
    def from_context(cls, ctx: Context) -> Endpoints:
        from fraud_runtime.services.hdfs import NameNode
        from fraud_runtime.services.hive import HiveMetastore

        return cls(metastore_uri=HiveMetastore(ctx).metastore_uri, default_fs=NameNode(ctx).namenode_uri)


def spark_master(ctx: Context) -> str:
    """The configured master; the machine-wide default ``local[*]`` is capped to ``local[2]`` (shared box)."""
    master = ctx.settings.spark.master
    return "local[2]" if master == "local[*]" else master


def endpoint_conf(endpoints: Endpoints) -> dict[str, str]:
    return {METASTORE_CONF: endpoints.metastore_uri, DEFAULT_FS_CONF: endpoints.default_fs,
            WAREHOUSE_CONF: endpoints.warehouse}


def submit_command(ctx: Context, job: str, args: list[str]) -> list[str]:
    """``spark-submit`` argv for ``spark_jobs/<job>.py`` with ``args``, configured from the settings."""
    conf = {**FIXED_CONF, **endpoint_conf(Endpoints.from_context(ctx)),
            "spark.driver.host": ctx.settings.platform.bind_host,
            "spark.driver.bindAddress": ctx.settings.platform.bind_host}
    argv = [str(ctx.artifacts.spark_submit), "--master", spark_master(ctx),
            "--driver-memory", ctx.settings.spark.driver_memory, "--name", f"fraud-{job}"]
    for key, value in conf.items():
        argv += ["--conf", f"{key}={value}"]
    return [*argv, str(JOBS_DIR / f"{job}.py"), *args]


def submit_env(ctx: Context) -> dict[str, str]:
    """Environment for spark-submit: the platform venv's python on driver and workers, the checkout importable."""
    python = sys.executable
    return {"PYSPARK_PYTHON": python, "PYSPARK_DRIVER_PYTHON": python, "PYTHONPATH": str(ctx.paths.root),
            "HADOOP_USER_NAME": ctx.settings.hdfs.user, "SPARK_LOCAL_IP": ctx.settings.platform.bind_host,
            "TZ": "UTC"}


def job_session(app: str) -> SparkSession:
    """The job's SparkSession: Hive catalog, UTC, dynamic partition overwrite, endpoints from the caller."""
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    conf = SparkConf()
    if not conf.contains(METASTORE_CONF) or not conf.contains(DEFAULT_FS_CONF):
        from fraud_runtime.context import Context

        ctx = Context.load(Path(os.environ["FRAUD_ROOT"]) if os.environ.get("FRAUD_ROOT") else None)
        for key, value in endpoint_conf(Endpoints.from_context(ctx)).items():
            if not conf.contains(key):
                conf.set(key, value)
        os.environ.setdefault("HADOOP_USER_NAME", ctx.settings.hdfs.user)
    for key, value in FIXED_CONF.items():
        if not conf.contains(key):
            conf.set(key, value)
    conf.setIfMissing("spark.app.name", app)
    spark = SparkSession.builder.config(conf=conf).enableHiveSupport().getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
