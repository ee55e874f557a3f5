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

import contextlib
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import Asset, Param
from airflow.sdk.exceptions import AirflowFailException

from fraud_platform.airflow_contract import (
    ALERT_EMAIL_ENV,
    API_CONN_ID,
    DEFAULT_ALERT_EMAIL,
    DEFAULT_TASK_RETRIES,
    PLATFORM_PYTHON_ENV,
    SPARK_CONN_ID,
    SUPERSET_CONN_ID,
    TASK_RETRIES_ENV,
    WEBHDFS_CONN_ID,
)
from fraud_platform.spark import job_env, job_path, session_conf, spark_bin
from spark_jobs.errors import DayNotServedError
from spark_jobs.protocol import FEATURE_DAYS
from spark_jobs.train_model import MODEL_TYPES

if TYPE_CHECKING:
    from fraud_platform.config import PlatformConfig

TRANSACTIONS_ASSET = Asset("hive://fraud/transactions")
LABELS_ASSET = Asset("hive://fraud/labels")
FEATURES_ASSET = Asset("hive://fraud/features")
MODELS_ASSET = Asset("hdfs:///models/fraud")
DECISIONS_ASSET = Asset("hive://fraud/decision_counts")


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


def training_params(models: tuple[str, ...] = MODEL_TYPES) -> dict[str, Param]:
    """The params of a DAG made with ``training_tasks``: which models ``train_model`` fits (default ``models``)."""
    return {"models": Param(",".join(models), type="string", title="Models to train",
                            description=f"Comma-separated, of {', '.join(MODEL_TYPES)}; the best by Average "
                                        "Precision on the test week is kept.")}


def training_tasks(run: str = "ds") -> tuple[PlatformSparkSubmitOperator, PlatformSparkSubmitOperator]:
    """``build_features >> train_model`` for the run date ``D`` that the Jinja expression ``run`` gives
    (``spark_jobs.protocol``): features for ``D-21 .. D-1``, train from ``D-21``, test on the last 7 days.
    ``features_and_training`` runs them for its ``ds``; ``bootstrap_history`` for the window it loaded."""
    first, last = (f"{{{{ macros.ds_add({run}, {offset}) }}}}" for offset in (-FEATURE_DAYS, -1))
    features = PlatformSparkSubmitOperator(task_id="build_features", job="build_features", outlets=[FEATURES_ASSET],
                                           application_args=["--start", first, "--end", last])
    train = PlatformSparkSubmitOperator(task_id="train_model", job="train_model", outlets=[MODELS_ASSET],
                                        execution_timeout=timedelta(minutes=40),
                                        application_args=["--train-start", first, "--models", "{{ params.models }}"])
    features >> train
    return features, train


def _sources():
    """The API and HDFS of the platform's Airflow connections (read when a task runs)."""
    from airflow.sdk import BaseHook

    from fraud_platform.webhdfs import WebHdfs  # requests: at run time, not on every parse
    from spark_jobs.extract import ApiSource

    api, webhdfs = BaseHook.get_connection(API_CONN_ID), BaseHook.get_connection(WEBHDFS_CONN_ID)
    source = ApiSource(base_url=f"http://{api.host}:{api.port}", token=api.password or "")
    return source, WebHdfs(f"http://{webhdfs.host}:{webhdfs.port}", webhdfs.login or "fraud")


@contextlib.contextmanager
def failing_at_once_on_missing_days() -> Iterator[None]:
    """A day the API has no data for (its 404) fails the task without retries: retrying cannot help. The
    failure e-mail still goes out, with the API's message."""
    try:
        yield
    except DayNotServedError as exc:
        raise AirflowFailException(str(exc)) from exc


def extract_history(run_date: str | None) -> dict:
    """Task body: every day one training run needs (``spark_jobs.protocol``: feature history + 21 days),
    transactions and labels, API -> HDFS raw, several days at a time. ``run_date`` empty: the latest run
    the API's data allows (features up to its last day). Returns the window for the next tasks."""
    from datetime import date

    from fraud_platform.api_client import TransactionsApiClient
    from spark_jobs.extract import extract_days
    from spark_jobs.protocol import Protocol

    source, hdfs = _sources()
    if run_date:
        protocol = Protocol(run_date=date.fromisoformat(run_date))
    else:
        served = TransactionsApiClient(source.base_url, source.token).dataset()
        if served is None:
            raise ValueError(f"the API at {source.base_url} does not say which days it serves: "
                             "trigger with the run_date param")
        protocol = Protocol.latest(*served)
    rows = {"transactions": 0, "labels": 0}
    with failing_at_once_on_missing_days():
        for result in extract_days(source, hdfs, protocol.days()):
            rows[result.kind] += result.rows
    return {"run": protocol.run_date.isoformat(), "first": protocol.first_day.isoformat(),
            "last": protocol.last_day.isoformat(), "days": len(protocol.days()), "rows": rows}


def extract_to_hdfs(kind: str, ds: str) -> dict:
    """Task body: the API's ``kind`` for ``ds`` -> ``/raw/<kind>/dt=<ds>/`` (returns the path and counts); a
    ``ds`` outside the API's data fails at once with the API's message."""
    from datetime import date

    from spark_jobs.extract import extract_day

    source, hdfs = _sources()
    with failing_at_once_on_missing_days():
        return extract_day(source, hdfs, kind, date.fromisoformat(ds)).to_dict()


CANARY_PATH = "/tmp/platform_canary"  # HDFS /tmp: writable by every user, never read by a job


def canary_probe() -> dict:
    """Task body of ``platform_canary``: the API's health check, then an HDFS write, read and delete; returns
    how long each took (ms). Any failure raises, so the task fails, retries and e-mails."""
    import time

    import requests

    source, hdfs = _sources()
    started = time.monotonic()
    health = requests.get(f"{source.base_url}/healthz", timeout=30)
    health.raise_for_status()
    api_ms = (time.monotonic() - started) * 1000
    started = time.monotonic()
    marker = datetime.now(UTC).isoformat().encode()
    hdfs.create(CANARY_PATH, marker)
    if hdfs.read(CANARY_PATH) != marker:
        raise RuntimeError(f"HDFS returned other bytes than written to {CANARY_PATH}")
    hdfs.delete(CANARY_PATH)
    return {"api_ms": round(api_ms, 1), "hdfs_ms": round((time.monotonic() - started) * 1000, 1)}


def _superset():
    """Superset's REST client, logged in as the platform's ``SUPERSET_CONN_ID`` connection says."""
    from airflow.sdk import BaseHook

    from fraud_platform.superset_api import SupersetClient  # requests: at run time, not on every parse

    conn = BaseHook.get_connection(SUPERSET_CONN_ID)
    return SupersetClient(f"{conn.schema or 'http'}://{conn.host}:{conn.port}", conn.login or "",
                          conn.password or "").login()


def refresh_superset_datasets() -> list[str]:
    """Task body: re-read the columns of every dataset of the reports' dashboard from Hive (a view or table
    changed by a job shows its new columns); returns the datasets refreshed."""
    client = _superset()
    datasets = client.dashboard_datasets()
    for dataset in datasets:
        client.refresh_dataset(dataset["id"])
    return [dataset["table_name"] for dataset in datasets]


def warm_superset_charts() -> dict[str, int]:
    """Task body: run every chart of the reports' dashboard into Superset's data cache (a chart that fails
    fails the task); returns the charts warmed and the dashboard."""
    client = _superset()
    dashboard = client.dashboard()
    charts = client.dashboard_charts()
    for chart in charts:
        client.warm_up_chart(chart["id"], dashboard["id"])
    return {"dashboard_id": dashboard["id"], "charts": len(charts)}
