"""Prometheus :9090 is ready, scrapes itself, the JMX exporters and the other exporters, and keeps its
lifecycle and admin APIs off."""

from __future__ import annotations

import time

import requests


def _targets(base: str) -> dict[str, str]:
    active = requests.get(f"{base}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
    return {target["labels"]["job"] + "@" + target["labels"]["instance"]: target["health"] for target in active}


def test_ready_and_every_target_up(services) -> None:
    prometheus = services["prometheus"]
    base = prometheus.url()
    assert requests.get(f"{base}/-/ready", timeout=5).status_code == 200
    expected = {f"{s.name}@{target}" for s in services.values() for target in s.metrics_targets()}
    assert {"prometheus@" + base.removeprefix("http://")} <= expected
    deadline = time.monotonic() + 60  # the first scrape of a new target happens within one interval
    while True:
        targets = _targets(base)
        if all(targets.get(name) == "up" for name in expected) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert {name: targets.get(name) for name in expected} == {name: "up" for name in expected}


def test_kafka_broker_metrics_are_scraped(services) -> None:
    base = services["prometheus"].url()
    deadline = time.monotonic() + 60
    while True:
        result = requests.get(f"{base}/api/v1/query", params={"query": "jvm_memory_used_bytes"}, timeout=5).json()
        jobs = {sample["metric"].get("job") for sample in result["data"]["result"]}
        if {"kafka", "cassandra", "namenode"} <= jobs or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert {"kafka", "cassandra", "namenode"} <= jobs


def test_lifecycle_and_admin_endpoints_are_off(services) -> None:
    """Nobody on the host can stop Prometheus or delete its series over HTTP (issue #15: admin/lifecycle off);
    the runtime reloads it with SIGHUP instead."""
    base = services["prometheus"].url()
    for path in ("/-/quit", "/-/reload"):
        response = requests.post(f"{base}{path}", timeout=5)
        assert response.status_code == 403, f"{path}: {response.status_code} {response.text[:200]}"
    for path in ("/api/v1/admin/tsdb/snapshot", "/api/v1/admin/tsdb/delete_series?match[]=up"):
        body = requests.post(f"{base}{path}", timeout=5).json()
        assert body.get("error") == "admin APIs disabled", f"{path}: {body}"
    assert requests.get(f"{base}/-/ready", timeout=5).status_code == 200  # still running
