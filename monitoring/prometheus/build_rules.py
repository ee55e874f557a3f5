"""Prometheus alert rules as code: `python -m monitoring.prometheus.build_rules` writes rules/fraud.rules.yml.

A rule is a *signal* and a *condition*. The signal is the PromQL an on-call person would graph; it returns
series whenever the full platform runs (the e2e no-drift test queries every signal). The condition turns it
into the alert, rendered `(signal) condition`; a rule whose alert needs another shape spells `expr`.
Every alert is labelled `severity` (critical | warning), `component` (stream | batch | engine | platform)
and, when one service is affected, `service` (its registry name, also its Prometheus job); the annotations
are a `summary` and a one-line `runbook`. A unit test checks that the committed YAML is what this renders and
runs `promtool test rules` on the hand-written rules/fraud.rules.test.yml; edit here, never the YAML.

A DAG run "late" is measured by its duration: the platform's DAGs catch up from 2018, so Airflow's
`dagrun.schedule_delay` (start vs. scheduled time) is years for every catch-up run and says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from fraud_domain import topics
from monitoring.promql import (
    DECISION_LATENCY,
    DLQ_SHARE,
    HEAP_SHARE,
    TASKS_FAILED,
    TX_IN,
    alert_share,
    counted_from_zero,
    model_quality,
    quantile,
)

COMPONENT_GROUPS = {"stream": "stream", "batch": "batch", "engine": "engines", "platform": "platform"}
SEVERITIES = ("critical", "warning")
ENGINE_JOBS = ("kafka", "cassandra", "namenode", "datanode", "hive-metastore", "hiveserver2")
MONITORING_JOBS = ("statsd-exporter", "process-exporter", "platform-exporter", "alertmanager")

LAG_MAX = 10_000  # records behind, summed over a consumer's partitions (~10 s at the scorer's 1k tx/s)
DLQ_SHARE_MAX = 0.01
P99_TARGET_SECONDS = 0.25
ALERT_BURST_FACTOR, ALERT_SHARE_FLOOR = 3, 0.02  # 15 min alert share vs. the last day's, and above 2 %
DAG_RUN_MAX_SECONDS = 3600  # a bucket bound of the StatsD histograms (monitoring/statsd/mapping.yml)
HEAP_MAX, DISK_MAX = 0.9, 0.85
MODEL_AP_MIN = 0.5  # test-week average precision; the champions reach ~0.69 (BENCHMARKS.md)

OUT = Path(__file__).resolve().parent / "rules" / "fraud.rules.yml"

DECIDED = 'sum(increase(fraud_stream_decisions_total{consumer="scorer"}[5m]))'
DAG_RUNS = "airflow_dagrun_duration_seconds_count"
DAG_RUNS_IN_TIME = f'airflow_dagrun_duration_seconds_bucket{{le="{DAG_RUN_MAX_SECONDS}"}}'


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One alerting rule; `for_` is Prometheus' `for` (how long the condition holds before it fires)."""

    name: str
    signal: str
    condition: str
    for_: str
    severity: str
    component: str
    summary: str
    runbook: str
    service: str | None = None
    expr: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES or self.component not in COMPONENT_GROUPS:
            raise ValueError(f"{self.name}: severity {self.severity!r} or component {self.component!r} unknown")
        if not self.runbook.strip() or "\n" in self.runbook:
            raise ValueError(f"{self.name}: the runbook is one non-empty line")

    def rendered(self) -> dict:
        labels = {"severity": self.severity, "component": self.component}
        if self.service:
            labels["service"] = self.service
        return {"alert": self.name, "expr": self.expr or f"({self.signal}) {self.condition}", "for": self.for_,
                "labels": labels, "annotations": {"summary": self.summary, "runbook": self.runbook}}


def _down(name: str, service: str, *, severity: str, component: str, effect: str, after: str) -> Rule:
    return Rule(name=name, signal=f'up{{job="{service}"}}', condition="== 0", for_="1m", severity=severity,
                component=component, service=service,
                summary=f"{service} is down ({{{{ $labels.instance }}}} not scraped for 1 min): {effect}",
                runbook=f"`./fraudctl logs {service}` says why; fix that, then `./fraudctl up` starts it again; "
                        + after)


STREAM = [
    _down("ScorerDown", "scorer", severity="critical", component="stream",
          effect="no transaction is scored, no fraud alert is raised",
          after="it resumes from its committed offsets (watch the lag fall in the stream dashboard)."),
    _down("PersisterDown", "persister", severity="critical", component="stream",
          effect="transactions, decisions and labels stop reaching Cassandra (alerts UI, API, decision quality)",
          after="it resumes from its committed offsets and its writes are idempotent."),
    _down("StreamProducerDown", "stream-producer", severity="warning", component="stream",
          effect="the simulated transaction stream has stopped",
          after="meanwhile no transaction arrives and the stream dashboard goes flat."),
    Rule(name="ConsumerLagHigh", signal="sum by (consumer) (fraud_stream_lag)", condition=f"> {LAG_MAX}",
         for_="2m", severity="warning", component="stream", service="{{ $labels.consumer }}",
         summary="{{ $labels.consumer }} is {{ $value }} records behind its topics for 2 min",
         runbook="Stream dashboard: lag per partition and processing time; `./fraudctl logs {{ $labels.consumer }}` "
                 "for errors or retries; `./fraudctl status` for a slow engine (Kafka, Cassandra)."),
    Rule(name="DlqShareHigh",
         signal=DLQ_SHARE,
         condition=f"> {DLQ_SHARE_MAX}", for_="5m", severity="warning", component="stream", service="scorer",
         summary="{{ $value | humanizePercentage }} of the scorer's transactions went to the DLQ (5 min)",
         runbook="The stream dashboard's DLQ panel names the failing check; read the records and their dlq.* "
                 f"headers on {topics.DLQ} and fix the sender; `./fraudctl logs scorer` for processing errors."),
    Rule(name="DecisionLatencyHigh",
         signal=quantile(0.99, DECISION_LATENCY),
         condition=f"> {P99_TARGET_SECONDS}", for_="5m", severity="warning", component="stream", service="scorer",
         summary="p99 decision latency is {{ $value | humanizeDuration }}"
                 f" (target {P99_TARGET_SECONDS * 1000:g} ms) over 5 min",
         runbook="Stream dashboard: wait vs. processing vs. produce-ack latency shows the slow stage; check lag, "
                 "`./fraudctl logs scorer` and the infrastructure dashboard for CPU or Kafka pressure."),
    Rule(name="AlertRateBurst", signal=f"({alert_share('15m')}) / ({alert_share('1d')})",
         condition=f"> {ALERT_BURST_FACTOR} and on() ({alert_share('15m')}) > {ALERT_SHARE_FLOOR}",
         for_="10m", severity="warning", component="stream", service="scorer",
         summary='The scorer flags {{ printf "%.1f" $value }}× its last day\'s share of transactions (15 min)',
         runbook="Model dashboard (flagged reasons) and `./fraudctl status` (serving model) say whether a rule, a "
                 "new model or real fraud drives it; a bad model: promote the previous version; fraud: tell the fraud "
                 "team."),
    Rule(name="NoDecisions", signal=DECIDED, condition="== 0", for_="1m", severity="warning", component="stream",
         service="scorer", expr=f"sum(increase({TX_IN}[5m])) > 0 unless on() {DECIDED} > 0",  # none, or no series
         summary="Transactions arrive but the scorer decided none in 5 min",
         runbook="`./fraudctl status` and `./fraudctl logs scorer` (stuck on Kafka or its state store?); "
                 "`./fraudctl stop scorer` then `./fraudctl up` restarts it from its committed offsets."),
    Rule(name="ServingModelWeak", signal=model_quality("average_precision"), condition=f"< {MODEL_AP_MIN}",
         for_="10m", severity="warning", component="stream", service="scorer",
         summary="Model {{ $labels.model_version }} serves with a test-week average precision of "
                 '{{ printf "%.2f" $value }}',
         runbook="Model dashboard and `./fraudctl status` (champion vs. serving); point the champion back at the "
                 "previous version and check the training run of features_and_training in Airflow."),
]

BATCH = [
    _down("TransactionsApiDown", "transactions-api", severity="warning", component="batch",
          effect="the daily extract and other clients cannot read transactions and labels",
          after="then clear the failed extract tasks: `./fraudctl airflow tasks clear transactions_daily -y`."),
    Rule(name="AirflowTaskFailed",
         signal=f"sum by (dag_id, task_id) ({counted_from_zero(TASKS_FAILED, '15m')})"
                " or 0 * sum by (dag_id, task_id) (airflow_ti_finish_total)",
         condition="> 0", for_="0m", severity="warning", component="batch",
         summary="Task {{ $labels.dag_id }}.{{ $labels.task_id }} failed in the last 15 min",
         runbook="Read the task log in the Airflow UI (or .state/logs/airflow/); fix the cause, then "
                 "`./fraudctl airflow tasks clear {{ $labels.dag_id }} -t {{ $labels.task_id }} -y`."),
    Rule(name="DagRunSlow",
         signal=f"sum by (dag_id) ({counted_from_zero(DAG_RUNS, '1h')})"
                f" - sum by (dag_id) ({counted_from_zero(DAG_RUNS_IN_TIME, '1h')})",
         condition="> 0", for_="0m", severity="warning", component="batch",
         summary="{{ $value }} run(s) of DAG {{ $labels.dag_id }} finished in the last hour after more than 1 h",
         runbook="Batch dashboard task durations name the slow task; `./fraudctl logs airflow-scheduler` and the "
                 "infrastructure dashboard (CPU, memory) for contention; `./fraudctl airflow dags list-runs "
                 "{{ $labels.dag_id }}`."),
    Rule(name="AirflowSchedulerStalled", signal="sum(rate(airflow_scheduler_heartbeat_total[5m]))",
         condition="== 0", for_="5m", severity="warning", component="batch", service="airflow-scheduler",
         summary="The Airflow scheduler sent no heartbeat for 5 min: no DAG run starts",
         runbook="`./fraudctl logs airflow-scheduler` says why; `./fraudctl up` starts it again; runs it missed "
                 "are caught up (catchup=True)."),
]

ENGINES = [
    Rule(name="EngineDown", signal=f'up{{job=~"{"|".join(ENGINE_JOBS)}"}}', condition="== 0", for_="1m",
         severity="critical", component="engine", service="{{ $labels.job }}",
         summary="{{ $labels.job }} is down ({{ $labels.instance }} not scraped for 1 min)",
         runbook="`./fraudctl logs {{ $labels.job }}` says why (port, disk, heap); fix that, then `./fraudctl up` "
                 "starts it and what depends on it."),
    Rule(name="JvmHeapHigh",
         signal=HEAP_SHARE,
         condition=f"> {HEAP_MAX}", for_="5m", severity="warning", component="engine", service="{{ $labels.job }}",
         summary="{{ $labels.job }} uses {{ $value | humanizePercentage }} of its heap for 5 min",
         runbook="Infrastructure dashboard heap and GC of {{ $labels.job }}; raise its heap setting in .env and "
                 "`./fraudctl stop {{ $labels.job }}` then `./fraudctl up` (it exits on OutOfMemoryError)."),
]

PLATFORM = [
    Rule(name="ProcessFatal", signal="fraud_platform_process_fatal", condition="== 1", for_="0m",
         severity="critical", component="platform", service="{{ $labels.service }}",
         summary="supervisord gave up restarting {{ $labels.service }} (FATAL)",
         runbook="`./fraudctl logs {{ $labels.service }}` says why it keeps exiting; fix that, then `./fraudctl up`."),
    Rule(name="StateDiskFull", signal="fraud_state_disk_used_ratio", condition=f"> {DISK_MAX}", for_="5m",
         severity="warning", component="platform",
         summary="The state directory's disk is {{ $value | humanizePercentage }} full",
         runbook="`du -sh .state/*` finds the growth (logs, Kafka, HDFS, Cassandra); free space or "
                 "`./fraudctl reset --yes` on a disposable platform; engines stop when it is full."),
    Rule(name="MonitoringDown", signal=f'up{{job=~"{"|".join(MONITORING_JOBS)}"}}', condition="== 0",
         for_="2m", severity="warning", component="platform", service="{{ $labels.job }}",
         summary="{{ $labels.job }} is down: metrics or alert notifications are missing",
         runbook="`./fraudctl logs {{ $labels.job }}` says why; `./fraudctl up` starts it again."),
    Rule(name="AlertsNotDelivered", signal="sum(rate(prometheus_notifications_errors_total[5m]))",
         condition="> 0", for_="5m", severity="critical", component="platform", service="alertmanager",
         summary="Prometheus fails to send alerts to Alertmanager: nobody is e-mailed",
         runbook="`./fraudctl status` lists the firing alerts meanwhile; `./fraudctl logs alertmanager` and "
                 "`./fraudctl logs prometheus`, then `./fraudctl up`."),
]

RULES: tuple[Rule, ...] = (*STREAM, *BATCH, *ENGINES, *PLATFORM)


def signals() -> list[tuple[str, str]]:
    """(rule name, signal) of every rule: the expressions that must return series on a running platform."""
    return [(rule.name, rule.signal) for rule in RULES]


def render() -> str:
    groups = [{"name": group, "rules": [r.rendered() for r in RULES if COMPONENT_GROUPS[r.component] == group]}
              for group in COMPONENT_GROUPS.values()]
    header = "# Generated by `python -m monitoring.prometheus.build_rules` from build_rules.py: edit that, not this.\n"
    return header + yaml.safe_dump({"groups": groups}, sort_keys=False, width=1000, allow_unicode=True)


if __name__ == "__main__":
    OUT.write_text(render())
    print(f"wrote {OUT} ({len(RULES)} rules)")
