"""### bootstrap_history

A fresh platform's first champion in one run, instead of ~58 daily runs and a weekly one. `./fraudctl up`
triggers it once when the model store has no champion; trigger it by hand to retrain on another window
(param `run_date` = the training run's date `D`; empty = the latest run the API's data allows).

1. `extract_history`: transactions and labels of every day one training run needs — the features' history
   plus `D-21 .. D-1` (`spark_jobs/protocol.py`) — API -> HDFS `/raw/<kind>/dt=<day>/`, several days at a
   time (the daily DAG's extract, same files).
2. `load_history`: one Spark job for the whole window and both tables (the daily DAG's `load_day` with
   `--until`): validation, quarantine, deduplication, quality checks.
3. `build_features`, `train_model`: the tasks of `features_and_training`, for `D`. Param `models` (default
   `gbt`, the type chosen on the validation week: one model gives the first champion sooner; the weekly DAG
   fits every type). The model becomes champion (the model store's pointer) if it beats the current one; the
   scorer loads it on its next poll.

Reruns replace what they wrote, like every other DAG here.
"""

from datetime import UTC, datetime

from airflow.sdk import Param, dag, task

from dags.support import (
    LABELS_ASSET,
    TRANSACTIONS_ASSET,
    PlatformSparkSubmitOperator,
    default_args,
    extract_history,
    training_params,
    training_tasks,
)
from fraud_platform.airflow_contract import BOOTSTRAP_DAG_ID

WINDOW = "ti.xcom_pull(task_ids='extract_history')"
# The first champion, soon: the model chosen on the handbook protocol's validation week (BENCHMARKS.md "Model
# quality": GBT, validation AP 0.722). The weekly features_and_training fits every type and promotes a better one.
BOOTSTRAP_MODELS = ("gbt",)


@dag(dag_id=BOOTSTRAP_DAG_ID, schedule=None, start_date=datetime(2018, 4, 1, tzinfo=UTC), catchup=False,
     max_active_runs=1, default_args=default_args(), tags=["fraud", "batch", "ml", "bootstrap"], doc_md=__doc__,
     params={**training_params(BOOTSTRAP_MODELS),
             "run_date": Param("", type="string", title="Training run date D (YYYY-MM-DD)",
                               description="Empty: the latest run the API's data allows.")})
def bootstrap_history():
    @task(task_id="extract_history")
    def extract(params: dict | None = None) -> dict:
        return extract_history((params or {}).get("run_date") or None)

    load = PlatformSparkSubmitOperator(
        task_id="load_history", job="load_day", outlets=[TRANSACTIONS_ASSET, LABELS_ASSET],
        application_args=["--dt", f"{{{{ {WINDOW}['first'] }}}}", "--until", f"{{{{ {WINDOW}['last'] }}}}"])
    features, _ = training_tasks(f"{WINDOW}['run']")
    extract() >> load >> features


bootstrap_history()
