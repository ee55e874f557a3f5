"""Grafana dashboards as code: `python -m monitoring.grafana.build_dashboards` writes dashboards/*.json.

A dashboard is a list of panels; a panel is a kind (a time series, a stat, a stat showing its series' legend,
or horizontal bars of the latest value per series), a title, a unit and PromQL targets with their legends.
Panels flow left to right and wrap at Grafana's 24 columns. A unit test checks that the committed JSON is what
this renders (edit here, never the JSON); the e2e no-drift test runs every target (`expressions()`) against
the live Prometheus. docker-compose's Grafana provisions every file of dashboards/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from fraud_domain import topics
from monitoring.promql import (
    DECISION_LATENCY,
    DLQ_SHARE,
    HEAP_SHARE,
    SCORER_IN,
    TASKS_FAILED,
    TX_IN,
    alert_share,
    counted_from_zero,
    model_quality,
    quantile,
)

OUT = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}  # provisioning/datasources/prometheus.yml
SIZES = {"timeseries": (12, 8), "stat": (6, 4), "label": (6, 4), "bars": (12, 8)}  # kind -> (width, height)
LAST = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}
OPTIONS = {"timeseries": {}, "stat": {**LAST, "textMode": "value"}, "label": {**LAST, "textMode": "name"},
           "bars": {**LAST, "orientation": "horizontal", "displayMode": "basic"}}
TYPES = {"timeseries": "timeseries", "stat": "stat", "label": "stat", "bars": "bargauge"}


@dataclass(frozen=True)
class Panel:
    kind: str
    title: str
    unit: str
    targets: tuple[tuple[str, str], ...]  # (PromQL, legend)


def series(title: str, unit: str, *targets: tuple[str, str]) -> Panel:
    return Panel("timeseries", title, unit, targets)


def stat(title: str, unit: str, expr: str) -> Panel:
    return Panel("stat", title, unit, ((expr, ""),))


def label(title: str, expr: str, legend: str) -> Panel:
    return Panel("label", title, "none", ((expr, legend),))


def bars(title: str, unit: str, expr: str, legend: str) -> Panel:
    return Panel("bars", title, unit, ((expr, legend),))


SCORER = 'consumer="scorer"'
SERVING = label("Serving model", f"max by (model_version) (fraud_stream_model_info{{{SCORER}}})", "{{model_version}}")
FAILED_24H = (f"sum by (dag_id, task_id) ({counted_from_zero(TASKS_FAILED, '1d')})"
              " or 0 * sum by (dag_id, task_id) (airflow_ti_finish_total)")  # 0 for the tasks that never failed


def _per_day(name: str) -> str:
    return f'max by (day) (fraud_stream_{name}{{consumer="persister"}})'  # the persister recounts decision quality


STREAM = [
    stat("Transactions in /s", "ops", f"sum(rate({TX_IN}[1m]))"),
    stat("Decisions out /s", "ops", f"sum(rate(fraud_stream_decisions_total{{{SCORER}}}[1m]))"),
    stat("p99 decision latency (5 min)", "s", quantile(0.99, DECISION_LATENCY)),
    SERVING,
    series("Transactions /s in and out", "ops",
           (f"sum(rate({TX_IN}[1m]))", "arrived (Kafka)"),
           (f"sum(rate({SCORER_IN}[1m]))", "consumed by the scorer"),
           (f'sum(rate(fraud_stream_produced_total{{{SCORER},topic="{topics.DECISIONS}"}}[1m]))', "decisions out")),
    series("Decisions /s by outcome", "ops",
           (f"sum by (decision) (rate(fraud_stream_decisions_total{{{SCORER}}}[1m]))", "{{decision}}")),
    series("Flagged decisions /s by reason", "ops",
           (f"sum by (reason) (rate(fraud_stream_flagged_total{{{SCORER}}}[5m]))", "{{reason}}")),
    series("End-to-end latency (record produced → outputs handed over)", "s",
           *((quantile(q, "fraud_stream_end_to_end_seconds_bucket", by="consumer"), f"{{{{consumer}}}} p{q * 100:g}")
             for q in (0.5, 0.95, 0.99))),
    series("Scorer latency by stage (p99)", "s",
           (quantile(0.99, f"fraud_stream_wait_seconds_bucket{{{SCORER}}}"), "wait (produced → batch start)"),
           (quantile(0.99, f"fraud_stream_processing_seconds_bucket{{{SCORER}}}"), "processing (a batch)"),
           (quantile(0.99, f"fraud_stream_produce_ack_seconds_bucket{{{SCORER}}}"), "produce → acknowledged")),
    series("Consumer lag by partition", "short",
           ("sum by (consumer, topic, partition) (fraud_stream_lag)", "{{consumer}} {{topic}}[{{partition}}]")),
    series("DLQ records /s by reason", "ops",
           ("sum by (consumer, reason) (rate(fraud_stream_invalid_total[5m]))", "{{consumer}} {{reason}}")),
    series("DLQ share of the scorer's input (5 min)", "percentunit", (DLQ_SHARE, "DLQ share")),
    series("Checkpoint save time", "s",
           (quantile(0.99, f"fraud_stream_checkpoint_seconds_bucket{{{SCORER}}}"), "p99"),
           (f"sum(rate(fraud_stream_checkpoint_seconds_sum{{{SCORER}}}[5m]))"
            f" / sum(rate(fraud_stream_checkpoint_seconds_count{{{SCORER}}}[5m]))", "mean")),
    series("Garbage-collector pauses (full collections between batches)", "s",
           ("max by (consumer) (rate(fraud_stream_gc_seconds_sum[5m]) / rate(fraud_stream_gc_seconds_count[5m]))",
            "{{consumer}} mean"),
           (quantile(0.99, "fraud_stream_gc_seconds_bucket", by="consumer"), "{{consumer}} p99")),
    series("Records held for event-time alignment", "short",
           ("sum by (consumer) (fraud_stream_held_records)", "{{consumer}}")),
    series("Persister rows written /s by table", "ops",
           ('sum by (table) (rate(fraud_stream_rows_written_total{consumer="persister"}[1m]))', "{{table}}")),
]

MODEL = [
    SERVING,
    stat("Test-week AUC ROC", "none", model_quality("auc_roc")),
    stat("Test-week average precision", "none", model_quality("average_precision")),
    stat("Test-week card precision@100", "none", model_quality("card_precision_at_100")),
    series("Test-week figures of the serving model, by version", "none",
           (f"max by (model_version, metric) (fraud_stream_model_quality{{{SCORER}}})",
            "{{model_version}} {{metric}}")),
    series("Alert share (review + block): last 15 min vs. last day", "percentunit",
           (alert_share("15m"), "15 min"), (alert_share("1d"), "1 day")),
    bars("Decision precision per day (decided and labelled)", "percentunit", _per_day("decision_precision"), "{{day}}"),
    bars("Decision recall per day", "percentunit", _per_day("decision_recall"), "{{day}}"),
    bars("Alert rate per day", "percentunit", _per_day("alert_rate"), "{{day}}"),
    bars("Fraud rate per day", "percentunit", _per_day("fraud_rate"), "{{day}}"),
    bars("Labelled decisions per day", "short", _per_day("labelled_decisions"), "{{day}}"),
    series("Flagged by the model /s, by its top feature", "ops",
           (f'sum by (reason) (rate(fraud_stream_flagged_total{{{SCORER},reason=~"model:.*"}}[5m]))', "{{reason}}")),
    series("Champion versions the scorer refused (per hour)", "short",
           (f"sum(increase(fraud_stream_model_refused_total{{{SCORER}}}[1h]))", "refused")),
]

BATCH = [
    stat("Scheduler heartbeats /min", "short", "sum(rate(airflow_scheduler_heartbeat_total[5m])) * 60"),
    stat("Running tasks", "short", "sum(airflow_executor_running_tasks)"),
    stat("Queued tasks", "short", "sum(airflow_executor_queued_tasks)"),
    stat("DAG files with import errors", "short", "max(airflow_dag_processing_import_errors)"),
    series("Mean DAG run duration (runs since statsd-exporter started)", "s",
           ("sum by (dag_id, state) (airflow_dagrun_duration_seconds_sum)"
            " / sum by (dag_id, state) (airflow_dagrun_duration_seconds_count)", "{{dag_id}} {{state}}")),
    series("DAG runs finished in the last hour", "short",
           (f"sum by (dag_id, state) ({counted_from_zero('airflow_dagrun_duration_seconds_count', '1h')})",
            "{{dag_id}} {{state}}")),
    series("Task instances finished in the last hour, by state", "short",
           (f"sum by (state) ({counted_from_zero('airflow_ti_finish_total', '1h')})", "{{state}}")),
    bars("Failed task instances in the last 24 h", "short", FAILED_24H, "{{dag_id}}.{{task_id}}"),
    series("Mean task duration (tasks since statsd-exporter started)", "s",
           ("sum by (dag_id, task_id) (airflow_task_duration_seconds_sum)"
            " / sum by (dag_id, task_id) (airflow_task_duration_seconds_count)", "{{dag_id}}.{{task_id}}")),
    series("Executor slots", "short", ("sum(airflow_executor_running_tasks)", "running"),
           ("sum(airflow_executor_queued_tasks)", "queued"), ("sum(airflow_executor_open_slots)", "open")),
    series("Rows loaded and quarantined in the last 24 h", "short",
           (f"sum by (kind, outcome) ({counted_from_zero('fraud_batch_rows_total', '1d')})", "{{kind}} {{outcome}}")),
    bars("Quarantined share of the rows, by kind (since statsd-exporter started)", "percentunit",
         'sum by (kind) (fraud_batch_rows_total{outcome="quarantined"}) / sum by (kind) (fraud_batch_rows_total)',
         "{{kind}}"),
]

INFRASTRUCTURE = [
    stat("Targets down", "short", "sum(1 - up)"),
    stat("Supervised processes not running", "short", "sum(1 - fraud_platform_process_running)"),
    stat("State disk used", "percentunit", "max(fraud_state_disk_used_ratio)"),
    stat("State disk free", "bytes", "min(fraud_state_disk_free_bytes)"),
    series("Targets up by job", "short", ("min by (job) (up)", "{{job}}")),
    series("JVM heap used vs. max", "bytes", ('sum by (job) (jvm_memory_used_bytes{area="heap"})', "{{job}} used"),
           ('sum by (job) (jvm_memory_max_bytes{area="heap"} > 0)', "{{job}} max")),
    series("JVM heap used share", "percentunit", (HEAP_SHARE, "{{job}}")),
    series("JVM time in GC by job", "percentunit",
           ("sum by (job) (rate(jvm_gc_collection_seconds_sum[5m]))", "{{job}}")),
    series("CPU by service (cores)", "short",
           ("sum by (groupname) (rate(namedprocess_namegroup_cpu_seconds_total[1m]))", "{{groupname}}")),
    series("Resident memory by service", "bytes",
           ('sum by (groupname) (namedprocess_namegroup_memory_bytes{memtype="resident"})', "{{groupname}}")),
    series("Kafka messages in /s by topic", "ops",
           ('sum by (topic) (rate(kafka_server_brokertopicmetrics_messagesin_total{topic!=""}[1m]))', "{{topic}}")),
    series("Kafka bytes /s (all topics)", "Bps",  # the series without a topic label is the broker's total
           ('sum(rate(kafka_server_brokertopicmetrics_bytesin_total{topic=""}[1m]))', "in"),
           ('sum(rate(kafka_server_brokertopicmetrics_bytesout_total{topic=""}[1m]))', "out")),
    series("Cassandra client request latency (p99)", "µs",
           ('max by (scope) (org_apache_cassandra_metrics_clientrequest_99thpercentile{name="Latency"})', "{{scope}}")),
    series("HDFS capacity", "bytes", ("max(hadoop_namenode_capacityused)", "used"),
           ("max(hadoop_namenode_capacitytotal)", "total")),
    series("Alert notifications to Alertmanager /s", "ops",
           ("sum(rate(prometheus_notifications_sent_total[5m]))", "sent"),
           ("sum(rate(prometheus_notifications_errors_total[5m]))", "errors")),
]

DASHBOARDS: dict[str, tuple[str, list[Panel]]] = {
    "stream": ("Fraud platform — stream", STREAM),
    "model": ("Fraud platform — model", MODEL),
    "batch": ("Fraud platform — batch", BATCH),
    "infrastructure": ("Fraud platform — infrastructure", INFRASTRUCTURE),
}


def expressions() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, PromQL) of every target of every panel."""
    return [(uid, p.title, expr) for uid, (_, panels) in DASHBOARDS.items() for p in panels for expr, _ in p.targets]


def _layout(panels: list[Panel]) -> list[dict]:
    """Grid positions, left to right, a new row when the next panel does not fit in 24 columns."""
    positions, x, y, row_height = [], 0, 0, 0
    for p in panels:
        width, height = SIZES[p.kind]
        if x + width > 24:
            x, y, row_height = 0, y + row_height, 0
        positions.append({"h": height, "w": width, "x": x, "y": y})
        x, row_height = x + width, max(row_height, height)
    return positions


def _panel(index: int, p: Panel, position: dict) -> dict:
    targets = [{"refId": chr(ord("A") + i), "expr": expr, "datasource": DATASOURCE}
               | ({"legendFormat": legend} if legend else {}) for i, (expr, legend) in enumerate(p.targets)]
    return {"id": index + 1, "type": TYPES[p.kind], "title": p.title, "datasource": DATASOURCE, "gridPos": position,
            "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []}, "options": OPTIONS[p.kind],
            "targets": targets}


def dashboard(uid: str, title: str, panels: list[Panel]) -> dict:
    return {
        "uid": f"fraud-{uid}",
        "title": title,
        "tags": ["fraud-platform"],
        "timezone": "utc",
        "schemaVersion": 39,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "panels": [_panel(i, p, pos) for i, (p, pos) in enumerate(zip(panels, _layout(panels), strict=True))],
    }


def render() -> dict[str, str]:
    return {f"{uid}.json": json.dumps(dashboard(uid, title, panels), indent=2, ensure_ascii=False) + "\n"
            for uid, (title, panels) in DASHBOARDS.items()}


if __name__ == "__main__":
    for old in OUT.glob("*.json"):  # a dashboard removed from DASHBOARDS leaves no file behind
        old.unlink()
    for name, text in render().items():
        (OUT / name).write_text(text)
        print(f"wrote {OUT / name}")
