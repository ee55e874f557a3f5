"""The StatsD mapping against the real statsd_exporter: it loads, and the names Airflow 3.3 really sends (taken
from the installed Airflow's own metric registry) and the batch jobs' row counters come out as the labelled
series that the dashboards and alert rules query."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from monitoring.grafana.build_dashboards import expressions
from monitoring.prometheus.build_rules import DAG_RUN_MAX_SECONDS, RULES
from spark_jobs.batch_metrics import PREFIX, rows_stat

ROOT = Path(__file__).resolve().parents[3]
MAPPING = ROOT / "monitoring" / "statsd" / "mapping.yml"
IDS = {"dag_id": "transactions_daily", "task_id": "extract", "executor_class_name": "LocalExecutor"}
# new name (Airflow's registry) -> the extra ids it is sent with; the registry gives the legacy name spelling them
AIRFLOW_SENDS = {
    "ti.start": ({}, "c", 1),
    "ti.finish": ({"state": "failed"}, "c", 1),
    "task.duration": ({}, "ms", 1500),
    "task.queued_duration": ({}, "ms", 200),
    "dagrun.duration.success": ({}, "ms", 5_400_000),
    "dagrun.duration.failed": ({}, "ms", 60_000),
    "dagrun.schedule_delay": ({}, "ms", 3000),
    "scheduler_heartbeat": ({}, "c", 1),
    "executor.running_tasks": ({}, "g", 2),
    "executor.queued_tasks": ({}, "g", 1),
    "executor.open_slots": ({}, "g", 30),
    "dag_processing.import_errors": ({}, "g", 0),
}
BATCH_SENDS = [(f"{PREFIX}.{rows_stat('transactions', 'loaded')}", 9000),
               (f"{PREFIX}.{rows_stat('labels', 'quarantined')}", 3)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _airflow_registry(ctx) -> dict[str, dict]:
    venv = ctx.artifacts.venv("airflow")
    found = sorted(venv.glob("lib/python3*/site-packages/airflow/_shared/observability/metrics/metrics_template.yaml"))
    assert found, f"Airflow's metric registry not found under {venv}: run ./fraudctl setup"
    return {m["name"]: m for m in yaml.safe_load(found[0].read_text())["metrics"]}


def _airflow_lines(ctx) -> list[str]:
    """What Airflow sends for each metric (prefix `airflow`, legacy names on): its new name and its legacy one."""
    registry, lines = _airflow_registry(ctx), []
    for name, (extra, kind, value) in AIRFLOW_SENDS.items():
        metric = registry[name]
        lines.append(f"airflow.{name}:{value}|{kind}")
        if metric["legacy_name"] != "-":
            lines.append(f"airflow.{metric['legacy_name'].format(**IDS, **extra)}:{value}|{kind}")
    return lines


@pytest.fixture(scope="module")
def exported(ctx) -> Iterator[dict[tuple[str, frozenset], float]]:
    """The samples statsd_exporter exposes after receiving the Airflow and batch lines: (name, labels) -> value."""
    binary = ctx.artifacts.statsd_exporter
    assert binary.exists(), f"{binary} missing: run ./fraudctl setup"
    statsd, web = _free_port(), _free_port()
    argv = [str(binary), f"--statsd.mapping-config={MAPPING}", f"--statsd.listen-tcp=127.0.0.1:{statsd}",
            "--statsd.listen-udp=", f"--web.listen-address=127.0.0.1:{web}"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lines = [*_airflow_lines(ctx), *(f"{name}:{n}|c" for name, n in BATCH_SENDS)]
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", statsd), timeout=1) as conn:
                    conn.sendall("".join(f"{line}\n" for line in lines).encode())
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()[-2000:]
                assert time.monotonic() < deadline, "statsd_exporter did not listen"
                time.sleep(0.1)
        samples: dict[tuple[str, frozenset], float] = {}
        while not any(name == "fraud_batch_rows_total" for name, _ in samples) and time.monotonic() < deadline:
            time.sleep(0.3)  # events are flushed every 200 ms; the batch lines were sent last
            try:
                text = requests.get(f"http://127.0.0.1:{web}/metrics", timeout=5).text
            except requests.ConnectionError:
                continue
            samples = {(s.name, frozenset(s.labels.items())): s.value
                       for family in text_string_to_metric_families(text) for s in family.samples}
        yield samples
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_real_exporter_accepts_the_mapping(ctx) -> None:
    check = subprocess.run([str(ctx.artifacts.statsd_exporter), f"--statsd.mapping-config={MAPPING}", "--check-config"],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr[-2000:]
    assert "level=WARN" not in check.stderr, check.stderr[-2000:]  # e.g. a rule shadowed by an earlier one


def _value(samples: dict, name: str, **labels: str) -> float:
    matches = [v for (n, ls), v in samples.items() if n == name and labels.items() <= dict(ls).items()]
    assert matches, f"{name}{labels} not exported; exported: {sorted({n for n, _ in samples})}"
    return sum(matches)


def test_airflow_names_become_labelled_series_with_ids_in_the_right_labels(exported) -> None:
    ids = {"dag_id": "transactions_daily", "task_id": "extract"}
    assert _value(exported, "airflow_ti_finish_total", **ids, state="failed") == 1
    assert _value(exported, "airflow_ti_start_total", **ids) == 1
    assert _value(exported, "airflow_task_duration_seconds_sum", **ids) == pytest.approx(1.5)  # ms -> s
    assert _value(exported, "airflow_task_queued_duration_seconds_count", **ids) == 1
    run = {"dag_id": "transactions_daily", "state": "success"}
    assert _value(exported, "airflow_dagrun_duration_seconds_sum", **run) == pytest.approx(5400)
    # DagRunSlow selects the bucket by its label's text: the exporter must spell the bound the same way
    assert _value(exported, "airflow_dagrun_duration_seconds_bucket", **run, le=str(DAG_RUN_MAX_SECONDS)) == 0
    assert _value(exported, "airflow_dagrun_duration_seconds_bucket", **run, le="7200") == 1
    assert _value(exported, "airflow_dagrun_duration_seconds_count", dag_id="transactions_daily", state="failed") == 1
    assert _value(exported, "airflow_dagrun_schedule_delay_seconds_sum", dag_id="transactions_daily") == 3
    assert _value(exported, "airflow_scheduler_heartbeat_total") == 1
    assert _value(exported, "airflow_executor_running_tasks", executor="LocalExecutor") == 2
    assert _value(exported, "airflow_executor_queued_tasks", executor="LocalExecutor") == 1
    # the plain executor gauges are dropped: one series per executor, never counted twice
    assert all(dict(labels).get("executor") for name, labels in exported if name.startswith("airflow_executor_"))


def test_batch_row_counters_are_labelled_by_kind_and_outcome(exported) -> None:
    assert _value(exported, "fraud_batch_rows_total", kind="transactions", outcome="loaded") == 9000
    assert _value(exported, "fraud_batch_rows_total", kind="labels", outcome="quarantined") == 3


def test_every_statsd_metric_the_dashboards_and_rules_query_is_exported(exported) -> None:
    exprs = [expr for _, _, expr in expressions()] + [rule.rendered()["expr"] for rule in RULES]
    queried = {name for expr in exprs for name in re.findall(r"\b(?:airflow|fraud_batch)_\w+", expr)}
    assert queried, "no StatsD metric queried?"
    missing = queried - {name for name, _ in exported}
    assert not missing, f"queried but not produced by monitoring/statsd/mapping.yml: {sorted(missing)}"
