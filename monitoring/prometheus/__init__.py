"""Prometheus alert rules as code (build_rules.py writes rules/fraud.rules.yml)."""
