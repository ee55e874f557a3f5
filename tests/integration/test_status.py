"""`fraudctl status --json`: every core service healthy, with a pid, a URL, bound to loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ("kafka", "cassandra", "namenode", "datanode", "hive-metastore", "hiveserver2", "statsd-exporter",
        "process-exporter", "platform-exporter", "prometheus")


def test_status_json_reports_every_core_service_healthy(core) -> None:
    env = {**os.environ, "FRAUD_ROOT": str(ROOT), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "fraud_runtime", "status", "--json"], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=120)
    services = {row["name"]: row for row in json.loads(result.stdout)["services"]}
    for name in CORE:
        row = services[name]
        assert row["healthy"] is True, (name, row["detail"])
        assert isinstance(row["pid"], int) and row["pid"] > 0, name
        assert "127.0.0.1" in row["url"], name
