"""Grafana dashboards are code: the committed JSON is exactly what build_dashboards.py renders, and every panel
queries the provisioned datasource."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from monitoring.grafana.build_dashboards import DASHBOARDS, OUT, expressions, render

ROOT = Path(__file__).resolve().parents[3]
GRAFANA = ROOT / "monitoring" / "grafana"


def test_committed_dashboards_match_their_code() -> None:
    committed = {path.name: path.read_text() for path in OUT.glob("*.json")}
    assert committed == render(), "run: python -m monitoring.grafana.build_dashboards"


def test_the_four_dashboards_and_every_panel_query_the_provisioned_datasource() -> None:
    assert set(DASHBOARDS) == {"stream", "model", "batch", "infrastructure"}
    datasource = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    for name, text in render().items():
        board = json.loads(text)
        assert board["uid"] == f"fraud-{name.removesuffix('.json')}"
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == uid and panel["targets"], (name, panel["title"])
            assert all(target["expr"] and target["datasource"]["uid"] == uid for target in panel["targets"])


def test_panels_do_not_overlap_and_fit_the_grid() -> None:
    for name, text in render().items():
        cells: set[tuple[int, int]] = set()
        for panel in json.loads(text)["panels"]:
            pos = panel["gridPos"]
            assert pos["x"] + pos["w"] <= 24, (name, panel["title"])
            mine = {(x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])}
            assert not cells & mine, (name, panel["title"])
            cells |= mine


def test_expressions_lists_every_target_once() -> None:
    listed = expressions()
    assert len(listed) == sum(len(p.targets) for _, panels in DASHBOARDS.values() for p in panels)
    assert len({(board, title, expr) for board, title, expr in listed}) == len(listed)
    assert not [expr for _, _, expr in listed if "$" in expr], "Grafana variables cannot run in the no-drift test"


def test_compose_grafana_provisions_the_dashboards_folder() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["grafana"]
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "fraud.yml").read_text())["providers"][0]
    assert f"./monitoring/grafana/dashboards:{provider['options']['path']}:ro" in compose["volumes"]
