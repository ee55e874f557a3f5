"""### platform_canary

Every hour, one small run through the whole batch machinery (scheduler → executor → task runner →
the platform's connections): the transactions API answers its health check and HDFS takes a write, read and
delete — what every batch run needs. A failure e-mails like any task, and the runs feed the DAG metrics the
alert rules watch (a task failed, a run too slow), so a broken scheduler or upstream is noticed within the
hour, not at the next daily load. Unpaused by `fraudctl up`; catchup off (only the latest hour runs).
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from dags.support import canary_probe, default_args


@dag(schedule="@hourly", start_date=datetime(2026, 1, 1, tzinfo=UTC), catchup=False, max_active_runs=1,
     dagrun_timeout=timedelta(minutes=30), default_args=default_args(), tags=["fraud", "ops"], doc_md=__doc__)
def platform_canary():
    @task
    def probe_upstreams() -> dict:
        return canary_probe()

    probe_upstreams()


platform_canary()
