"""Bad input at `up`: a port already taken is reported with the port and the service, nothing crashes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_port_taken_names_port_and_service(tmp_path: Path) -> None:
    env = {**os.environ, "FRAUD_ROOT": str(ROOT), "PYTHONPATH": str(ROOT), "FRAUD_STATE_DIR": str(tmp_path),
           "KAFKA_CONTROLLER_PORT": str(_free_port()), "KAFKA_JMX_EXPORTER_PORT": str(_free_port())}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        env["KAFKA_PORT"] = str(taken := holder.getsockname()[1])

        def fraudctl(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "fraud_runtime", *args], capture_output=True, text=True,
                                  env=env, cwd=ROOT, timeout=120)

        try:
            result = fraudctl("up", "--profile", "core", "--service", "kafka", "--skip-setup")
        finally:
            fraudctl("down")
    assert result.returncode == 1
    assert f"port {taken} on 127.0.0.1 is already in use, so kafka cannot start there" in result.stderr
    assert "Traceback" not in result.stderr
