"""External clusters: with every endpoint set, `up` starts no local engine, probes and bootstraps the
configured ones, and `status` marks them external. Here the "remote" clusters are the running local ones,
seen from a second checkout state (its own state dir) that must not start anything of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ("kafka", "cassandra", "namenode", "datanode", "hive-metastore", "hiveserver2")


def test_configured_endpoints_are_used_instead_of_local_engines(core, ctx, tmp_path: Path) -> None:
    s = ctx.settings
    host = s.platform.bind_host
    env = {
        **os.environ, "FRAUD_ROOT": str(ROOT), "PYTHONPATH": str(ROOT), "FRAUD_STATE_DIR": str(tmp_path),
        "KAFKA_BOOTSTRAP_SERVERS": f"{host}:{s.kafka.port}",
        "CASSANDRA_CONTACT_POINTS": host,
        "HDFS_NAMENODE_URI": f"hdfs://{host}:{s.hdfs.rpc_port}",
        "HDFS_WEBHDFS_URL": f"http://{host}:{s.hdfs.http_port}",
        "HIVE_METASTORE_URI": f"thrift://{host}:{s.hive.metastore_port}",
        "HIVE_HIVESERVER2_HOST": host,
    }

    def fraudctl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "fraud_runtime", *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=300)

    services = [arg for name in ENGINES for arg in ("--service", name)]
    try:
        up = fraudctl("up", "--profile", "core", "--skip-setup", *services)
        assert up.returncode == 0, up.stderr
        rows = {row["name"]: row for row in json.loads(fraudctl("status", "--json").stdout)["services"]}
    finally:
        fraudctl("down")
    for name in ENGINES:
        assert rows[name]["external"] is True and rows[name]["pid"] is None, rows[name]
        assert rows[name]["healthy"] is True, rows[name]
    assert not (tmp_path / "data" / "kafka").exists()  # nothing local was formatted or started
