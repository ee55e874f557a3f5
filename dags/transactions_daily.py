"""### transactions_daily

One day of the upstream payments API into the lake, for the run's logical date (`ds`):

1. `extract_transactions`: API -> HDFS `/raw/transactions/dt=<ds>/` (JSONL + manifest; folder replaced).
2. `load_transactions`: Spark validates, deduplicates and overwrites Hive `fraud.transactions` partition
   `dt=<ds>`; malformed rows -> `/quarantine/transactions/dt=<ds>/`, too many -> the task fails.
3. `check_transactions`: rows accounted for against the API's total, no null keys, no duplicates, schema.
4. The same three steps for the chargeback labels -> `fraud.labels`.

Reruns replace the day; catchup backfills from 2018-04-01. Logic lives in `spark_jobs/`.
"""

from datetime import UTC, datetime

from airflow.sdk import dag, task

from spark_jobs.dag_support import (
    LABELS_ASSET,
    TRANSACTIONS_ASSET,
    PlatformSparkSubmitOperator,
    default_args,
    extract_to_hdfs,
)


@dag(schedule="@daily", start_date=datetime(2018, 4, 1, tzinfo=UTC), catchup=True, max_active_runs=1,
     default_args=default_args(), tags=["fraud", "batch"], doc_md=__doc__)
def transactions_daily():
    @task
    def extract(kind: str, ds: str | None = None) -> dict:
        return extract_to_hdfs(kind, ds)

    previous = None
    for kind, asset in (("transactions", TRANSACTIONS_ASSET), ("labels", LABELS_ASSET)):
        raw = extract.override(task_id=f"extract_{kind}")(kind)
        load = PlatformSparkSubmitOperator(task_id=f"load_{kind}", job=f"load_{kind}",
                                           application_args=["--dt", "{{ ds }}"])
        check = PlatformSparkSubmitOperator(task_id=f"check_{kind}", job="check_quality", outlets=[asset],
                                            application_args=["--kind", kind, "--dt", "{{ ds }}"])
        if previous is not None:
            previous >> raw
        raw >> load >> check
        previous = check


transactions_daily()
