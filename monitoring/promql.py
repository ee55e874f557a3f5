"""PromQL that the alert rules and the dashboards share, so a panel shows exactly what a rule tests."""

from __future__ import annotations

from fraud_domain import topics

TX_IN = f'kafka_server_brokertopicmetrics_messagesin_total{{topic="{topics.TRANSACTIONS}"}}'
"""Transactions arriving: the broker's count of records written to the transactions topic."""

SCORER_IN = f'fraud_stream_consumed_total{{consumer="scorer",topic="{topics.TRANSACTIONS}"}}'
"""Transactions the scorer consumed (valid or not)."""

DECISION_LATENCY = 'fraud_stream_end_to_end_seconds_bucket{consumer="scorer"}'
"""Record produced -> its decision sent, the scorer's histogram."""

DLQ_SHARE = (f'(sum(rate(fraud_stream_invalid_total{{consumer="scorer"}}[5m])) or vector(0))'
             f" / sum(rate({SCORER_IN}[5m]))")
"""Share of the scorer's input sent to the DLQ over 5 min (0, not nothing, before the first invalid record)."""

TASKS_FAILED = 'airflow_ti_finish_total{state="failed"}'
"""Task instances that ended failed, per DAG and task (statsd_exporter, from Airflow's ti.finish)."""

HEAP_SHARE = ('sum by (job) (jvm_memory_used_bytes{area="heap"})'
              ' / sum by (job) (jvm_memory_max_bytes{area="heap"} > 0)')
"""Used share of each JVM's heap (a JVM without a limit reports a maximum of -1 and is left out)."""


def quantile(q: float, histogram: str, *, by: str = "", window: str = "5m") -> str:
    """The `q` quantile of a Prometheus histogram (`histogram` is a selector of its `_bucket` series)."""
    return f"histogram_quantile({q}, sum by ({', '.join(filter(None, ('le', by)))}) (rate({histogram}[{window}])))"


def alert_share(window: str) -> str:
    """The scorer's share of review and block decisions over `window` (approve is the third outcome)."""
    alerts = f'sum(rate(fraud_stream_decisions_total{{consumer="scorer",decision=~"review|block"}}[{window}]))'
    decided = f'sum(rate(fraud_stream_decisions_total{{consumer="scorer"}}[{window}]))'
    return f"{alerts} / {decided}"


def model_quality(metric: str) -> str:
    """The serving model's test-week `metric` (auc_roc | average_precision | card_precision_at_100)."""
    return f'max by (model_version) (fraud_stream_model_quality{{consumer="scorer",metric="{metric}"}})'


def counted_from_zero(selector: str, window: str) -> str:
    """How much the counters of `selector` grew over `window`, counting a series born inside it from zero.

    statsd_exporter creates a counter at its first event, so the series' first sample already holds that
    event and `increase()` (which needs two samples) never sees it: a task's first failure would go unnoticed.
    An exporter restart inside the window makes the difference negative; compare it with `> 0`.
    """
    return f"({selector} - ({selector} offset {window} or 0 * {selector}))"
