"""### superset_refresh

After every load of `fraud.transactions` / `fraud.labels` (`transactions_daily`, `bootstrap_history`) and every
training run (`features_and_training`: new rows in `fraud.model_metrics`) and every count of the stream's
decisions (`decisions_daily`: `fraud.decision_counts`), bring the Superset reports up to
date through Superset's REST API: re-read each dataset's columns from Hive, then run every chart of the
"Fraud analytics" dashboard into Superset's data cache, so the first reader after a load waits for no Spark
job. Retries and the failure e-mail as every DAG; triggering it by hand (UI or `airflow dags test`) works too.
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from dags.support import (
    DECISIONS_ASSET,
    LABELS_ASSET,
    MODELS_ASSET,
    TRANSACTIONS_ASSET,
    default_args,
    refresh_superset_datasets,
    warm_superset_charts,
)
from fraud_platform.airflow_contract import SUPERSET_REFRESH_DAG_ID


@dag(dag_id=SUPERSET_REFRESH_DAG_ID, schedule=(TRANSACTIONS_ASSET | LABELS_ASSET | MODELS_ASSET | DECISIONS_ASSET),
     start_date=datetime(2018, 4, 1, tzinfo=UTC), catchup=False, max_active_runs=1,
     dagrun_timeout=timedelta(minutes=30), default_args=default_args(), tags=["fraud", "reports"], doc_md=__doc__)
def superset_refresh():
    @task
    def refresh_datasets() -> list[str]:
        return refresh_superset_datasets()

    @task
    def warm_chart_caches() -> dict:
        return warm_superset_charts()

    refresh_datasets() >> warm_chart_caches()


superset_refresh()
