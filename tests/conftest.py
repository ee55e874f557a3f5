"""Test tiers follow the directory: tests/unit (no services), tests/integration (real engines), tests/e2e
(the whole flow). `./fraudctl test --tier unit` or `pytest -m unit` runs one tier."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

TIERS = ("unit", "integration", "e2e")

# The suite starts Airflow many times on a platform whose model store may be empty: `up` would start the
# bootstrap_history DAG each time (minutes of Spark work beside every test). Its own test runs it with
# `airflow dags test`; a fresh `./fraudctl up` starting it is measured in BENCHMARKS.md ("Fresh platform").
# Services and every `fraudctl` the tests run inherit this.
os.environ["AIRFLOW_BOOTSTRAP_HISTORY"] = "false"
# The transactions API simulates a bank a fifth of the handbook's (~1,900 tx a day instead of ~9,700): the batch
# DAG tests pull 59 days of it through the extract, the loads, the features and a training run, and their subject
# is the pipeline, not the data's scale (`./fraudctl benchmark model` trains on the handbook's full bank).
os.environ.setdefault("API_CUSTOMERS", "1000")
os.environ.setdefault("API_TERMINALS", "2000")
# Alertmanager batches a group's notices: the defaults (30 s first wait, 2 min between notices) would make the
# alert e-mail test wait minutes for nothing the test is about. The rules' own `for:` stays as shipped.
os.environ.setdefault("MONITORING_ALERT_GROUP_WAIT", "5s")
os.environ.setdefault("MONITORING_ALERT_GROUP_INTERVAL", "15s")
# kafka-python warns at every SCRAM login over SASL_PLAINTEXT: the local broker's loopback listener, by design
# (README "Not yet"). Hundreds of such lines would bury a failure's report.
logging.getLogger("kafka.net.sasl.scram").setLevel(logging.ERROR)


def _tier(item: pytest.Item) -> int:
    parts = Path(str(item.fspath)).parts
    return next((i for i, tier in enumerate(TIERS) if tier in parts), len(TIERS))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier, and run the tiers in order - unit, integration, then e2e (files sort
    e2e first): the whole-platform checks come last, after the batch runs and the champion they need."""
    for item in items:
        tier = _tier(item)
        if tier < len(TIERS):
            item.add_marker(getattr(pytest.mark, TIERS[tier]))
        if item.name in getattr(item.module, "LONG_VARIANTS", ()):  # a module names its long fault variants
            item.add_marker(pytest.mark.faults)
    items.sort(key=_tier)  # stable: file order within a tier
