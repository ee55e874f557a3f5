"""Every panel of the engines dashboard returns data from the running Prometheus (no dead queries)."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import requests

GRAFANA = Path(__file__).resolve().parents[2] / "monitoring" / "grafana"


def test_engine_dashboard_queries_return_series(services, kafka_bootstrap) -> None:
    from kafka import KafkaProducer

    from fraud_domain import topics

    # Per-topic broker metrics appear on a topic's first message since the broker started; the DLQ is the
    # one topic where an arbitrary payload is not input to a consumer.
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    producer.send(topics.DLQ, b"dashboard probe").get(timeout=30)
    producer.close()
    spec = importlib.util.spec_from_file_location("build_dashboards", GRAFANA / "build_dashboards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    base = services["prometheus"].url()
    empty: list[str] = []
    deadline = time.monotonic() + 90  # rates need two scrapes of a fresh target
    for title, expr, _unit in module.DASHBOARDS["platform"][1]:
        while True:
            result = requests.get(f"{base}/api/v1/query", params={"query": expr}, timeout=5).json()["data"]["result"]
            if result or time.monotonic() > deadline:
                break
            time.sleep(3)
        if not result:
            empty.append(title)
    assert not empty, f"panels without data: {empty}"
