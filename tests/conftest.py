"""Test tiers follow the directory: tests/unit (no services), tests/integration (real engines), tests/e2e
(the whole flow). `./fraudctl test --tier unit` or `pytest -m unit` runs one tier."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TIERS = ("unit", "integration", "e2e")

# The suite starts Airflow many times on a platform whose model store may be empty: `up` would start the
# bootstrap_history DAG each time (minutes of Spark work beside every test). Its own test runs it with
# `airflow dags test`; a fresh `./fraudctl up` starting it is measured in BENCHMARKS.md ("Fresh platform").
# Services and every `fraudctl` the tests run inherit this.
os.environ["AIRFLOW_BOOTSTRAP_HISTORY"] = "false"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in TIERS:
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))
