"""What the DAGs in ``dags/`` share: default task arguments, the platform's spark-submit operator, the
extract task body and the assets. Imported only by DAG files (it needs Airflow); nothing here does I/O at
import time: connections and settings are read when a task runs, and the settings/HTTP modules (pydantic,
requests: ~0.4 s) are imported then too, not on every parse (importing this module costs ~11 ms).

Contract with the runtime (the Airflow services and ``./fraudctl airflow``):

* ``PYTHONPATH`` = the checkout (so ``spark_jobs`` and ``fraud_platform`` import), ``dags_folder`` = ``dags/``.
* Connections ``API_CONN_ID`` (HTTP: host, port, password = API token) and ``WEBHDFS_CONN_ID`` (host,
  port, login = HDFS user), SMTP configured for the provider; ``FRAUD_ALERT_EMAIL`` = the recipients
  of failure e-mails (comma-separated; default ``fraud-alerts@localhost``).
* Spark jobs: ``SPARK_CONN_ID`` gives the master. The operator adds, at run time, the platform's Spark
  configuration (``fraud_platform.spark``: conf, driver memory, endpoints), the platform venv's python
  (``FRAUD_PLATFORM_PYTHON``) and its ``spark-submit`` on ``PATH``.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import Asset

from fraud_platform.airflow_contract import (
    ALERT_EMAIL_ENV,
    API_CONN_ID,
    DEFAULT_ALERT_EMAIL,
    DEFAULT_TASK_RETRIES,
    PLATFORM_PYTHON_ENV,
    SPARK_CONN_ID,
    TASK_RETRIES_ENV,
    WEBHDFS_CONN_ID,
)
from fraud_platform.spark import job_env, job_path, session_conf, spark_bin

if TYPE_CHECKING:
    from fraud_platform.config import PlatformConfig

TRANSACTIONS_ASSET = Asset("hive://fraud/transactions")
LABELS_ASSET = Asset("hive://fraud/labels")
FEATURES_ASSET = Asset("hive://fraud/features")
MODELS_ASSET = Asset("hdfs:///models/fraud")


def default_args() -> dict:
    """Every task: 1 + AIRFLOW_TASK_RETRIES (default 2) tries with exponential backoff, a time limit, and an
    e-mail when it finally fails."""
    recipients = os.environ.get(ALERT_EMAIL_ENV, DEFAULT_ALERT_EMAIL)
    return {
        "owner": "fraud-platform",
        "retries": int(os.environ.get(TASK_RETRIES_ENV, DEFAULT_TASK_RETRIES)),
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(minutes=20),
        "email": [r.strip() for r in recipients.split(",") if r.strip()],
        "email_on_failure": True,
        "email_on_retry": False,
    }


def platform_spark_env(config: PlatformConfig) -> dict[str, str]:
    """Run-time environment of spark-submit: the platform venv (not Airflow's), its pyspark on PATH."""
    python = Path(os.environ.get(PLATFORM_PYTHON_ENV) or sys.executable)
    return {**job_env(config, python), "PATH": f"{spark_bin(python)}:{os.environ.get('PATH', '/usr/bin:/bin')}"}


class PlatformSparkSubmitOperator(SparkSubmitOperator):
    """SparkSubmitOperator for ``spark_jobs/<job>.py``: the platform's one Spark configuration
    (``fraud_platform.spark``: conf, driver memory, endpoints) and venv, read when the task runs."""

    def __init__(self, *, job: str, **kwargs) -> None:
        super().__init__(application=str(job_path(job)), conn_id=SPARK_CONN_ID, name=f"fraud-{job}", **kwargs)

    def execute(self, context):
        from fraud_platform.config import load_config  # settings (pydantic) at run time, not on every parse

        config = load_config()
        self.conf = {**session_conf(config.endpoints), **(self.conf or {})}
        self._driver_memory = config.settings.spark.driver_memory
        self.env_vars = {**platform_spark_env(config), **(self.env_vars or {})}
        return super().execute(context)


def extract_to_hdfs(kind: str, ds: str) -> dict:
    """Task body: the API's ``kind`` for ``ds`` -> ``/raw/<kind>/dt=<ds>/`` (returns the path and counts)."""
    from datetime import date

    from airflow.sdk import BaseHook

    from fraud_platform.webhdfs import WebHdfs  # requests: at run time, not on every parse
    from spark_jobs.extract import ApiSource, extract_day


    api, webhdfs = BaseHook.get_connection(API_CONN_ID), BaseHook.get_connection(WEBHDFS_CONN_ID)
    source = ApiSource(base_url=f"http://{api.host}:{api.port}", token=api.password or "")
    hdfs = WebHdfs(f"http://{webhdfs.host}:{webhdfs.port}", webhdfs.login or "fraud")
    return extract_day(source, hdfs, kind, date.fromisoformat(ds)).to_dict()
