"""Test tiers follow the directory: tests/unit (no services), tests/integration (real engines), tests/e2e
(the whole flow). `./fraudctl test --tier unit` or `pytest -m unit` runs one tier."""

from __future__ import annotations

from pathlib import Path

import pytest

TIERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in TIERS:
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))
