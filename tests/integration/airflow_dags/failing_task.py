"""A DAG whose only task fails: the e-mail check of tests/integration/test_airflow.py (not in dags/). Its
tasks get the platform DAGs' own ``default_args`` (recipients, retries and e-mail flags from the runtime's
environment), so the mail path checked is the one every platform task uses."""

from datetime import UTC, datetime

from airflow.sdk import dag, task

from dags.support import default_args


@dag(schedule=None, start_date=datetime(2018, 4, 1, tzinfo=UTC), catchup=False, default_args=default_args())
def failing_task():
    @task
    def boom():
        raise RuntimeError("deliberate failure for the e-mail check")

    boom()


failing_task()
