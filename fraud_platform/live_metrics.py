"""The live stream figures read from Prometheus' HTTP API, shared by `./fraudctl status` and the live-alerts
page: one PromQL definition each, and one reader."""

from __future__ import annotations

from collections.abc import Mapping

from fraud_domain import topics
from fraud_platform.config import PlatformConfig

QUERIES = {  # the names are `./fraudctl status`'s LiveFigures fields
    "tx_per_s": f'sum(rate(fraud_stream_consumed_total{{consumer="scorer",topic="{topics.TRANSACTIONS}"}}[1m]))',
    "lag": 'sum(fraud_stream_lag{consumer="scorer"})',
    "p99_ms": 'histogram_quantile(0.99, sum by (le) (rate(fraud_stream_end_to_end_seconds_bucket{consumer="scorer"}'
              '[5m]))) * 1000',
}
ALERT_RATE = ('sum(rate(fraud_stream_decisions_total{consumer="scorer",decision=~"review|block"}[5m]))'
              ' / sum(rate(fraud_stream_decisions_total{consumer="scorer"}[5m]))')
"""The scorer's share of review and block decisions over the last 5 minutes."""


def prometheus_url(config: PlatformConfig) -> str:
    return f"http://{config.endpoints.host}:{config.settings.monitoring.prometheus_port}"


def query_values(prometheus: str, queries: Mapping[str, str], timeout: float) -> dict[str, float | None]:
    """Each query's value (its first series'), None when it has none or NaN (no traffic in the window).
    Raises ``requests.RequestException``, ``KeyError`` or ``ValueError`` when Prometheus does not answer."""
    import requests

    found: dict[str, float | None] = {}
    for name, query in queries.items():
        result = requests.get(f"{prometheus}/api/v1/query", params={"query": query}, timeout=timeout)
        result.raise_for_status()
        series = result.json()["data"]["result"]
        value = float(series[0]["value"][1]) if series else None
        found[name] = None if value is None or value != value else value
    return found
