"""Grafana dashboards as code (build_dashboards.py writes dashboards/*.json)."""
