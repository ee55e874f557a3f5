"""Grafana dashboards are code: the committed JSON is exactly what build_dashboards.py renders."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GRAFANA = ROOT / "monitoring" / "grafana"


def _builder():
    spec = importlib.util.spec_from_file_location("build_dashboards", GRAFANA / "build_dashboards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_dashboards_match_their_code() -> None:
    rendered = _builder().render()
    committed = {path.name: path.read_text() for path in (GRAFANA / "dashboards").glob("*.json")}
    assert committed == rendered, "run: python monitoring/grafana/build_dashboards.py"


def test_every_panel_queries_the_provisioned_datasource() -> None:
    for text in _builder().render().values():
        for panel in json.loads(text)["panels"]:
            assert panel["datasource"]["uid"] == "prometheus" and panel["targets"][0]["expr"]
