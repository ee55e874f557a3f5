"""supervisord as the process supervisor: restart on crash, one log file per service, clean stops.

The config is rendered from the services' `Program`s; we talk to the daemon over its unix socket with
XML-RPC. Programs never autostart: the lifecycle starts them in dependency order and probes each.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import SupervisorTransport

from fraud_platform.errors import FraudError
from fraud_platform.paths import Paths
from fraud_runtime.services.base import Program

REAPER = Path(__file__).with_name("reap_leftovers.py")  # stdlib only: runs as a script, whatever the cwd


class Supervisor:
    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self.conf_file = paths.run / "supervisord.conf"
        self.socket = paths.run / "supervisor.sock"

    # ---- config ------------------------------------------------------------------------------
    def write_config(self, programs: dict[str, tuple[Program, Path]]) -> None:
        self.paths.run.mkdir(parents=True, exist_ok=True)
        self.paths.logs.mkdir(parents=True, exist_ok=True)
        sections = [
            "[unix_http_server]",
            f"file={self.socket}",
            "chmod=0700",
            "",
            "[supervisord]",
            f"logfile={self.paths.logs / 'supervisord.log'}",
            f"pidfile={self.paths.run / 'supervisord.pid'}",
            f"directory={self.paths.state}",
            "logfile_maxbytes=10MB",
            "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
            "[supervisorctl]",
            f"serverurl=unix://{self.socket}",
        ]
        for name, (program, log_file) in programs.items():
            sections += ["", *_program_section(name, program, log_file, self.paths.run / f"{name}.pgid")]
        self.conf_file.write_text("\n".join(sections) + "\n")

    # ---- daemon ------------------------------------------------------------------------------
    @property
    def rpc(self) -> Any:
        transport = SupervisorTransport(None, None, f"unix://{self.socket}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def is_running(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return self.rpc.supervisor.getState()["statename"] == "RUNNING"
        except (OSError, xmlrpc.client.Fault):
            return False

    def ensure_running(self) -> None:
        """Start supervisord, or make a running one pick up the freshly written config."""
        if self.is_running():
            added, changed, removed = self.rpc.supervisor.reloadConfig()[0]
            for name in removed + changed:
                self._stop_quietly(name)
                self.rpc.supervisor.removeProcessGroup(name)
            for name in added + changed:
                self.rpc.supervisor.addProcessGroup(name)
            return
        self.socket.unlink(missing_ok=True)
        supervisord = Path(sys.executable).parent / "supervisord"
        subprocess.run([str(supervisord), "-c", str(self.conf_file)], check=True)
        deadline = time.monotonic() + 20
        while not self.is_running():
            if time.monotonic() > deadline:
                raise FraudError(f"supervisord did not start: see {self.paths.logs / 'supervisord.log'}")
            time.sleep(0.2)

    def shutdown(self) -> None:
        if not self.is_running():
            return
        self.rpc.supervisor.shutdown()
        deadline = time.monotonic() + 120
        while self.socket.exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    # ---- processes ---------------------------------------------------------------------------
    def info(self, name: str) -> dict[str, Any] | None:
        if not self.is_running():
            return None
        try:
            return self.rpc.supervisor.getProcessInfo(name)
        except xmlrpc.client.Fault:
            return None

    def is_up(self, name: str) -> bool:
        info = self.info(name)
        return bool(info and info["statename"] in {"RUNNING", "STARTING", "BACKOFF"})

    def start(self, name: str) -> None:
        if not self.is_up(name):
            self.rpc.supervisor.startProcess(name, False)

    def stop(self, name: str) -> None:
        self._stop_quietly(name)

    def signal(self, name: str, signal_name: str) -> None:
        """Send ``signal_name`` (e.g. ``HUP``) to the running program ``name``."""
        self.rpc.supervisor.signalProcess(name, signal_name)

    def _stop_quietly(self, name: str) -> None:
        with contextlib.suppress(xmlrpc.client.Fault):  # not running or unknown: nothing to stop
            self.rpc.supervisor.stopProcess(name, True)


def _program_section(name: str, program: Program, log_file: Path, pgid_file: Path) -> list[str]:
    # Each start first ends what an earlier instance that died by itself left behind (fraud_runtime/reap_leftovers.py).
    argv = [sys.executable, str(REAPER), str(pgid_file), *program.argv]
    command = " ".join(_quote(arg) for arg in argv)
    lines = [
        f"[program:{name}]",
        f"command={command}",
        "autostart=false",
        "autorestart=true",
        "startsecs=3",
        "startretries=5",
        "stopsignal=TERM",
        f"stopwaitsecs={program.stop_wait_seconds}",
        "stopasgroup=true",
        "killasgroup=true",
        "redirect_stderr=true",
        f"stdout_logfile={log_file}",
        "stdout_logfile_maxbytes=50MB",
        "stdout_logfile_backups=2",
    ]
    if program.cwd:
        lines.append(f"directory={program.cwd}")
    if program.env:
        lines.append("environment=" + ",".join(f'{k}="{_escape(v)}"' for k, v in program.env.items()))
    return lines


def _escape(value: str) -> str:
    return value.replace("%", "%%").replace('"', '\\"')


def _quote(arg: str) -> str:
    arg = _escape(arg)
    return f'"{arg}"' if any(c in arg for c in " ;#'") else arg
