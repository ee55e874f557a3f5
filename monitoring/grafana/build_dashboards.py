"""Grafana dashboards as code: `python monitoring/grafana/build_dashboards.py` writes dashboards/*.json.

Each dashboard is a list of (title, PromQL, unit) panels laid out two per row. A unit test checks that the
committed JSON is what this script produces, so edit here, never the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

Panel = tuple[str, str, str]

DASHBOARDS: dict[str, tuple[str, list[Panel]]] = {
    "platform": (
        "Fraud platform — engines",
        [
            ("Targets up", "up", "short"),
            ("Resident memory by service", "sum by (groupname) (namedprocess_namegroup_memory_bytes{memtype=\"resident\"})", "bytes"),
            ("CPU by service", "sum by (groupname) (rate(namedprocess_namegroup_cpu_seconds_total[1m]))", "percentunit"),
            ("JVM heap used", "sum by (job) (jvm_memory_used_bytes{area=\"heap\"})", "bytes"),
            ("Kafka messages in /s by topic", "sum by (topic) (rate(kafka_server_brokertopicmetrics_messagesin_total{topic!=\"\"}[1m]))", "ops"),
            ("Kafka bytes in /s", "sum(rate(kafka_server_brokertopicmetrics_bytesin_total[1m]))", "Bps"),
            ("Cassandra write latency (99th)", "max(org_apache_cassandra_metrics_clientrequest_99thpercentile{scope=\"Write\",name=\"Latency\"})", "µs"),
            ("HDFS capacity used", "max(hadoop_namenode_capacityused)", "bytes"),
            ("HDFS files and blocks", "max(hadoop_namenode_filestotal)", "short"),
            ("GC time /s by job", "sum by (job) (rate(jvm_gc_collection_seconds_sum[1m]))", "s"),
        ],
    ),
    "airflow": (
        "Fraud platform — batch (Airflow via StatsD)",
        [
            ("Scheduler heartbeat /s", "rate(airflow_scheduler_heartbeat[1m])", "ops"),
            ("Task instances finished /s by state", "sum by (state) (rate(airflow_ti_finish[5m]))", "ops"),
            ("DAG run duration (success)", "max by (dag_id) (airflow_dagrun_duration_success)", "ms"),
            ("Running task instances", "sum(airflow_executor_running_tasks)", "short"),
        ],
    ),
}


def panel(index: int, title: str, expr: str, unit: str) -> dict:
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "prometheus"},
        "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"refId": "A", "expr": expr, "datasource": {"type": "prometheus", "uid": "prometheus"}}],
    }


def dashboard(uid: str, title: str, panels: list[Panel]) -> dict:
    return {
        "uid": f"fraud-{uid}",
        "title": title,
        "tags": ["fraud-platform"],
        "timezone": "utc",
        "schemaVersion": 39,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "panels": [panel(i, *p) for i, p in enumerate(panels)],
    }


def render() -> dict[str, str]:
    return {
        f"{uid}.json": json.dumps(dashboard(uid, title, panels), indent=2, ensure_ascii=False) + "\n"
        for uid, (title, panels) in DASHBOARDS.items()
    }


if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "dashboards"
    for name, text in render().items():
        (out / name).write_text(text)
        print(f"wrote {out / name}")
