"""### features_and_training

Weekly, for the run's date `D` (`ds`), under the Fraud Detection Handbook's protocol:

1. `build_features`: Hive `fraud.features` for `D-21 .. D-1` from the one feature definition
   (`fraud_domain/features/definitions.py`), point-in-time correct; needs `fraud.transactions` and
   `fraud.labels` loaded by `transactions_daily` up to `D-1` (a missing partition fails, named).
2. `train_model`: train on `D-21 .. D-15`, skip the 7-day label delay, test on `D-7 .. D-1`; LR, RF and
   GBT (param `models`); metrics -> `fraud.model_metrics`; every candidate -> HDFS
   `/models/fraud/<run>-<type>/`; the best is promoted to champion only if it beats the current champion's
   Average Precision on the same test week.
"""

from datetime import UTC, datetime

from airflow.sdk import dag

from dags.support import default_args, training_params, training_tasks


@dag(schedule="@weekly", start_date=datetime(2018, 4, 29, tzinfo=UTC), catchup=True, max_active_runs=1,
     default_args=default_args(), tags=["fraud", "batch", "ml"], doc_md=__doc__, params=training_params())
def features_and_training():
    training_tasks("ds")


features_and_training()
