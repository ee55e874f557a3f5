"""### decisions_daily

Once a day, the stream's decisions of the UTC day that just ended, counted by outcome (approve / review /
block) and reason into Hive `fraud.decision_counts` (partition `dt`), where the Superset reports read them:
the Cassandra table `decision_labels` holds each decision's outcome and reasons in one partition per hour,
so the count reads 24 bounded partitions (`spark_jobs/load_decisions.py`). Labels that arrived by then are
counted too (`labelled`, `frauds`).

The day counted is the one before the run's logical date: a run triggered from the UI today counts
yesterday; to count a replayed day D, trigger with logical date D + 1 (or `./fraudctl airflow dags test
decisions_daily <D+1>`; the start date, 2018-04-01, is the earliest). Reruns replace the day. Catchup off:
the stream keeps no history the DAG could backfill that a rerun would not also reach.
"""

from datetime import UTC, datetime

from airflow.sdk import dag

from dags.support import DECISIONS_ASSET, PlatformSparkSubmitOperator, default_args
from fraud_platform.airflow_contract import DECISIONS_DAG_ID


@dag(dag_id=DECISIONS_DAG_ID, schedule="@daily", start_date=datetime(2018, 4, 1, tzinfo=UTC), catchup=False,
     max_active_runs=1, default_args=default_args(), tags=["fraud", "stream", "reports"], doc_md=__doc__)
def decisions_daily():
    PlatformSparkSubmitOperator(task_id="count_decisions", job="load_decisions", outlets=[DECISIONS_ASSET],
                                application_args=["--dt", "{{ macros.ds_add(ds, -1) }}"])


decisions_daily()
