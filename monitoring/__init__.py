"""Monitoring as code: alert rules (prometheus/), dashboards (grafana/) and the PromQL they share."""
