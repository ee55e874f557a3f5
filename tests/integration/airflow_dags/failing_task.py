"""A DAG whose only task fails: the e-mail check of tests/integration/test_airflow.py (not in dags/)."""

from datetime import UTC, datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2018, 4, 1, tzinfo=UTC), catchup=False,
     default_args={"email": ["ops@fraud.test"], "email_on_failure": True, "retries": 0})
def failing_task():
    @task
    def boom():
        raise RuntimeError("deliberate failure for the e-mail check")

    boom()


failing_task()
