"""### transactions_daily

One day of the upstream payments API into the lake, for the run's logical date (`ds`):

1. `extract_transactions`, `extract_labels` (in parallel): API -> HDFS `/raw/<kind>/dt=<ds>/` (JSONL +
   manifest with the API's total; the folder is replaced).
2. `load_to_hive`: one Spark job for both tables — validates, deduplicates and overwrites the `dt=<ds>`
   partitions of Hive `fraud.transactions` and `fraud.labels` (malformed rows ->
   `/quarantine/<kind>/dt=<ds>/`; too many -> the task fails), then checks what it wrote: every API row
   accounted for, no null keys, no duplicates, the schema. One JVM and Hive start-up per run, not four.

Reruns replace the day; catchup backfills from 2018-04-01. Logic lives in `spark_jobs/`.
"""

from datetime import UTC, datetime

from airflow.sdk import dag, task

from dags.support import (
    LABELS_ASSET,
    TRANSACTIONS_ASSET,
    PlatformSparkSubmitOperator,
    default_args,
    extract_to_hdfs,
)
from fraud_platform.lake import KINDS


@dag(schedule="@daily", start_date=datetime(2018, 4, 1, tzinfo=UTC), catchup=True, max_active_runs=1,
     default_args=default_args(), tags=["fraud", "batch"], doc_md=__doc__)
def transactions_daily():
    @task
    def extract(kind: str, ds: str | None = None) -> dict:
        return extract_to_hdfs(kind, ds)

    load = PlatformSparkSubmitOperator(task_id="load_to_hive", job="load_day", application_args=["--dt", "{{ ds }}"],
                                       outlets=[TRANSACTIONS_ASSET, LABELS_ASSET])
    [extract.override(task_id=f"extract_{kind}")(kind) for kind in KINDS] >> load


transactions_daily()
