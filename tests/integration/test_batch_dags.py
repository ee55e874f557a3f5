"""The batch DAGs end to end through `./fraudctl airflow dags test`, against the real transactions API,
HDFS, metastore, HiveServer2 and Spark. They write the platform's own `fraud` tables and
model store: this is the pipeline doing its job on the API's default (simulated 2018) history."""

from __future__ import annotations

import json
import os
import random
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from fraud_platform.api_client import TransactionsApiClient
from fraud_platform.clients import hive_connection
from fraud_platform.config import load_config
from fraud_platform.model_store import ModelStore
from tests.support.stream import ends, metric, records_since, wait_for

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2018, 5, 2)
TRAIN_RUN = date(2018, 8, 15)  # features 07-25..08-14: train 07-25..31, test 08-08..14 (the handbook's weeks)


@pytest.fixture(scope="module")
def full(start_full):
    return start_full("transactions-api", "smtp-receiver", "airflow-api-server", "airflow-scheduler",
                      "airflow-dag-processor", "airflow-triggerer")


@pytest.fixture(scope="module")
def api(full, ctx):
    return TransactionsApiClient(full["transactions-api"].base_url, ctx.settings.api.token.get_secret_value())


@pytest.fixture(scope="module")
def hive(services):
    server = services["hiveserver2"]
    with hive_connection(server.server_host, server.settings.hive.hiveserver2_port,
                         login=server.endpoints.hive_login) as conn:
        yield conn.cursor()


def fraudctl_airflow(*args: str, timeout: int = 1800, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "fraudctl"), "airflow", *args],
                          env={**os.environ, "FRAUD_ROOT": str(ROOT), **env},
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def partition_count(hive, table: str, day: date) -> int:
    hive.execute(f"REFRESH TABLE {table}")  # the Thrift server caches file listings: spark_jobs/README.md
    hive.execute(f"SELECT COUNT(*), COUNT(DISTINCT transaction_id) FROM {table} WHERE dt = '{day.isoformat()}'")
    rows, distinct = hive.fetchone()
    assert rows == distinct
    return rows


def test_daily_dag_loads_the_day(full, api, hive, hdfs) -> None:
    # A rerun replaces what the run wrote: the extract's folder (tests/integration/test_extract.py) and the
    # load's partitions (test_spark_jobs.py::test_rerun_replaces_partitions…) are each tested rerun.
    result = fraudctl_airflow("dags", "test", "transactions_daily", DAY.isoformat())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    expected = {kind: api.page(kind, DAY).total for kind in ("transactions", "labels")}
    assert expected["transactions"] > 1000
    counts = {kind: partition_count(hive, f"fraud.{kind}", DAY) for kind in expected}
    assert counts == expected
    assert hdfs.exists(f"/raw/transactions/dt={DAY.isoformat()}/part-00000.jsonl")


def test_bootstrap_history_loads_its_window_and_leaves_a_champion(full, ctx, api, hive, hdfs) -> None:
    # One run instead of 58 daily runs and a weekly one: the 58 days the run of TRAIN_RUN needs (37 days
    # of feature history + 21), extracted several days at a time, loaded in one Spark job with its quality
    # checks, then the tasks of features_and_training for TRAIN_RUN. One model (the `models` param): every
    # model type is trained in test_spark_jobs.py; here the DAG's wiring and the platform's data are the
    # subject (and ~2 of CI's minutes).
    first, last = TRAIN_RUN - timedelta(days=58), TRAIN_RUN - timedelta(days=1)
    conf = json.dumps({"run_date": TRAIN_RUN.isoformat(), "models": "lr"})
    result = fraudctl_airflow("dags", "test", "bootstrap_history", "-c", conf)
    assert result.returncode == 0 and "state=failed" not in result.stdout + result.stderr, (
        result.stdout[-3000:] + result.stderr[-3000:])
    for day in (first, last):
        for kind in ("transactions", "labels"):
            assert partition_count(hive, f"fraud.{kind}", day) == api.page(kind, day).total
    hive.execute("REFRESH TABLE fraud.model_metrics")
    hive.execute("SELECT run_id, model_version, model_type, average_precision, test_start, test_end "
                 "FROM fraud.model_metrics WHERE is_best ORDER BY run_id DESC LIMIT 1")
    run_id, version, model_type, ap, test_start, test_end = hive.fetchone()
    assert (test_start, test_end) == ("2018-08-08", "2018-08-14")
    hive.execute(f"SELECT model_type FROM fraud.model_metrics WHERE run_id = '{run_id}'")
    assert hive.fetchall() == [("lr",)]
    meta = json.loads(hdfs.read(f"/models/fraud/{version}/metadata.json"))
    assert meta["model_type"] == model_type and meta["metrics"]["average_precision"] == pytest.approx(ap)
    assert hdfs.exists(f"/models/fraud/{version}/pipeline/metadata")
    assert meta["onnx"] == "model.onnx" and hdfs.exists(f"/models/fraud/{version}/model.onnx")
    # a champion exists (this or a better one), its pointer signed by train_model
    store = ModelStore()
    pointer = store.pointer(hdfs)
    key = load_config().endpoints.model_signing_key
    assert pointer is not None and store.pointer_problem(hdfs, pointer, key) is None


def test_the_scorer_service_picks_up_the_champion_and_scores_with_it(full, ctx, hdfs, start_full,
                                                                     kafka_bootstrap) -> None:
    # Runs after the training test: the champion the batch layer promoted, loaded by the platform's own
    # scorer from HDFS (hot reload within STREAM_MODEL_POLL_SECONDS), is on every new decision.
    from fraud_domain import topics
    from fraud_domain.schema import parse_decision

    champion = ModelStore().champion(hdfs)
    start_full("scorer")
    port = ctx.settings.stream.scorer_metrics_port
    wait_for(lambda: metric(port, "fraud_stream_model_info", model_version=champion) == 1,
             ctx.settings.stream.model_poll_seconds + 240, f"the scorer to load {champion}", every=2)
    before = ends(kafka_bootstrap, topics.TRANSACTIONS)
    decided = ends(kafka_bootstrap, topics.DECISIONS)
    seed = str(random.randrange(1, 2**31))
    sent = subprocess.run([str(ROOT / "fraudctl"), "stream", "--count", "50", "--seed", seed],
                          env={**os.environ, "FRAUD_ROOT": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert sent.returncode == 0, sent.stderr[-2000:]
    ids = {json.loads(r.value)["transaction_id"] for r in records_since(kafka_bootstrap, topics.TRANSACTIONS, before)}

    def ours() -> list:
        found = [parse_decision(r.value) for r in records_since(kafka_bootstrap, topics.DECISIONS, decided)]
        return [d for d in found if d.transaction_id in ids]

    wait_for(lambda: {d.transaction_id for d in ours()} >= ids, 300, "decisions for the 50 transactions", every=2)
    assert {d.model_version for d in ours()} == {champion}
