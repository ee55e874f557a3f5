"""What the DAGs in ``dags/`` share: default task arguments, the platform's spark-submit operator, the
extract task body and the assets. Imported only by DAG files (it needs Airflow); nothing here does I/O at
import time: connections and settings are read when a task runs.

Contract with the runtime (the Airflow services and ``./fraudctl airflow``):

* ``PYTHONPATH`` = the checkout (so ``spark_jobs`` and ``fraud_runtime`` import), ``dags_folder`` = ``dags/``.
* Connections ``API_CONN_ID`` (HTTP: host, port, password = API token) and ``WEBHDFS_CONN_ID`` (host,
  port, login = HDFS user), SMTP configured for the provider; ``FRAUD_ALERT_EMAIL`` = the recipients
  of failure e-mails (comma-separated; default ``fraud-alerts@localhost``).
* Spark jobs: ``SPARK_CONN_ID`` gives the master. The operator adds, at run time, the platform venv's
  python (``PYSPARK_PYTHON``), its ``spark-submit`` on ``PATH``, and ``HADOOP_USER_NAME`` from the
  platform settings; the jobs take their endpoints from those settings too (``spark_jobs.session``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import Asset

from spark_jobs.session import FIXED_CONF, JOBS_DIR

API_CONN_ID, WEBHDFS_CONN_ID, SPARK_CONN_ID = "fraud_api", "fraud_webhdfs", "spark_default"
TRANSACTIONS_ASSET = Asset("hive://fraud/transactions")
LABELS_ASSET = Asset("hive://fraud/labels")
FEATURES_ASSET = Asset("hive://fraud/features")
MODELS_ASSET = Asset("hdfs:///models/fraud")
DRIVER_MEMORY = "1g"


def default_args() -> dict:
    """Every task: 3 tries with exponential backoff, a time limit, and an e-mail when it finally fails."""
    recipients = os.environ.get("FRAUD_ALERT_EMAIL", "fraud-alerts@localhost")
    return {
        "owner": "fraud-platform",
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(minutes=20),
        "email": [r.strip() for r in recipients.split(",") if r.strip()],
        "email_on_failure": True,
        "email_on_retry": False,
    }


def platform_spark_env() -> dict[str, str]:
    """Run-time environment of spark-submit: the platform venv (not Airflow's) and the settings' HDFS user."""
    from fraud_runtime.context import Context

    ctx = Context.load(Path(os.environ["FRAUD_ROOT"]) if os.environ.get("FRAUD_ROOT") else None)
    venv = ctx.artifacts.venv("platform")
    python = venv / "bin" / "python"
    spark_bin = next(venv.glob("lib/python3*/site-packages/pyspark/bin"), None)
    if spark_bin is None:
        raise RuntimeError(f"pyspark is not installed in the platform venv {venv}: run `./fraudctl setup`")
    return {"PYSPARK_PYTHON": str(python), "PYSPARK_DRIVER_PYTHON": str(python),
            "PATH": f"{spark_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "PYTHONPATH": str(ctx.paths.root), "FRAUD_ROOT": str(ctx.paths.root),
            "HADOOP_USER_NAME": ctx.settings.hdfs.user, "SPARK_LOCAL_IP": ctx.settings.platform.bind_host,
            "TZ": "UTC"}


class PlatformSparkSubmitOperator(SparkSubmitOperator):
    """SparkSubmitOperator that runs ``spark_jobs/<job>.py`` with the platform venv (see module doc)."""

    def __init__(self, *, job: str, **kwargs) -> None:
        kwargs.setdefault("conf", dict(FIXED_CONF))
        super().__init__(application=str(JOBS_DIR / f"{job}.py"), conn_id=SPARK_CONN_ID, name=f"fraud-{job}",
                         driver_memory=DRIVER_MEMORY, **kwargs)

    def execute(self, context):
        self.env_vars = {**platform_spark_env(), **(self.env_vars or {})}
        return super().execute(context)


def extract_to_hdfs(kind: str, ds: str) -> dict:
    """Task body: the API's ``kind`` for ``ds`` -> ``/raw/<kind>/dt=<ds>/`` (returns the path and counts)."""
    from datetime import date

    from airflow.sdk import BaseHook

    from fraud_runtime.webhdfs import WebHdfs
    from spark_jobs.extract import ApiSource, extract_day

    api, webhdfs = BaseHook.get_connection(API_CONN_ID), BaseHook.get_connection(WEBHDFS_CONN_ID)
    source = ApiSource(base_url=f"http://{api.host}:{api.port}", token=api.password or "")
    hdfs = WebHdfs(f"http://{webhdfs.host}:{webhdfs.port}", webhdfs.login or "fraud")
    return extract_day(source, hdfs, kind, date.fromisoformat(ds)).to_dict()
