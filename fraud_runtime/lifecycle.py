"""The one lifecycle every service goes through.

`up`:  1. render every config from the settings   2. write the supervisor config and start the daemon
       3. per service in dependency order: check its ports are free, initialise local state, start it
       4. wait for its protocol-level probe (fail fast, with its log tail, if the process dies)
       5. run its idempotent bootstrap (topics, keyspace, directories).
External services (endpoint set in .env) skip 1-3: they are probed and bootstrapped only.
"""

from __future__ import annotations

import json
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from fraud_platform.errors import ConfigError
from fraud_runtime.context import Context
from fraud_runtime.errors import PortInUseError, ProbeFailed, ServiceNotReady
from fraud_runtime.services import registry
from fraud_runtime.services.base import Service
from fraud_runtime.supervisor import Supervisor

Report = Callable[[str, str], None]  # (service, event)


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    healthy: bool
    pid: int | None
    url: str
    external: bool
    detail: str = ""

    def as_json(self) -> dict[str, object]:
        return asdict(self)


class Platform:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.supervisor = Supervisor(ctx.paths)
        self.profile_file = ctx.paths.run / "profile"

    @property
    def active_profile(self) -> str:
        if self.profile_file.exists():
            return self.profile_file.read_text().strip()
        return self.ctx.settings.platform.profile

    def services(self, profile: str | None = None) -> list[Service]:
        return registry.resolve(self.ctx, profile or self.active_profile)

    def selection(self, profile: str, only: set[str] | None = None) -> list[Service]:
        """The services `up` brings up: the profile's, or only those in ``only`` and what they need."""
        services = self.services(profile)
        return [s for s in services if s.name in only or _needed_by(s, only, services)] if only else services

    def up(self, profile: str, report: Report, only: set[str] | None = None) -> list[ServiceStatus]:
        """Bring up ``selection(profile, only)``; returns the status of those services."""
        services = self.selection(profile, only)
        managed = [s for s in services if not s.external]
        for service in managed:  # Step 1
            service.conf_dir.mkdir(parents=True, exist_ok=True)
            service.data_dir.mkdir(parents=True, exist_ok=True)
            service.render_config()
        # Every profile's programs (none autostarts): bringing up `core` must not unload running `full` ones.
        everything = [s for s in self.services("full") if not s.external]
        self.supervisor.write_config({s.name: (s.program(), s.log_file) for s in everything})  # Step 2
        self.supervisor.ensure_running()
        self.profile_file.write_text(profile)
        for service in services:
            if not service.external and not self.supervisor.is_up(service.name):  # Step 3
                _check_ports_free(service)
                report(service.name, "initialising")
                service.initialise()
                report(service.name, "starting")
                self.supervisor.start(service.name)
            report(service.name, "waiting")
            self.wait_ready(service)  # Step 4
            report(service.name, "bootstrapping")
            service.bootstrap()  # Step 5
            report(service.name, "ready")
        started = {s.name for s in services}
        return [row for row in self.status(profile) if row.name in started]

    def wait_ready(self, service: Service) -> None:
        probe = service.probe()
        deadline = time.monotonic() + service.ready_timeout
        reason = "not probed yet"
        while time.monotonic() < deadline:
            try:
                probe.check()
                return
            except ProbeFailed as exc:
                reason = str(exc)
            info = None if service.external else self.supervisor.info(service.name)
            if info and info["statename"] in {"FATAL", "EXITED", "STOPPED"}:
                raise ServiceNotReady(service.name, f"its process {info['statename']}", tail(service.log_file))
            time.sleep(1.0)
        raise ServiceNotReady(
            service.name, f"no answer within {service.ready_timeout:.0f}s ({reason})", tail(service.log_file)
        )

    def down(self, report: Report) -> None:
        if not self.supervisor.is_running():
            return
        for service in reversed(self.services()):
            if self.supervisor.is_up(service.name):
                report(service.name, "stopping")
                self.supervisor.stop(service.name)
        self.supervisor.shutdown()

    def stop(self, names: list[str], report: Report) -> None:
        """Stop these services and keep them down (the supervisor restarts only what crashes); `up` starts
        them again. Services that depend on them keep running: they wait or retry as they would in an outage."""
        for name in names:
            registry.service_class(name)
        external = [s.name for s in self.services("full") if s.name in names and s.external]
        if external:
            raise ConfigError(f"{', '.join(external)}: an external endpoint is configured, nothing runs here to stop")
        if not self.supervisor.is_running():
            return
        for name in names:
            if self.supervisor.is_up(name):
                report(name, "stopping")
                self.supervisor.stop(name)
            report(name, "stopped")

    def status(self, profile: str | None = None) -> list[ServiceStatus]:
        rows = []
        for service in self.services(profile):
            info = None if service.external else self.supervisor.info(service.name)
            pid = info["pid"] if info and info["pid"] else None
            try:
                service.probe().check()
                healthy, detail = True, ""
            except ProbeFailed as exc:
                healthy, detail = False, str(exc)
            rows.append(ServiceStatus(service.name, healthy, pid, service.url(), service.external, detail))
        return rows


def _needed_by(service: Service, wanted: set[str], services: list[Service]) -> bool:
    by_name = {s.name: s for s in services}
    stack = list(wanted)
    seen: set[str] = set()
    while stack:
        name = stack.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        stack.extend(by_name[name].depends_on)
    return service.name in seen


def _check_ports_free(service: Service) -> None:
    for port in service.ports().values():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((service.host, port))
            except OSError:
                raise PortInUseError(service.name, port, service.host) from None


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    with path.open(errors="replace") as handle:
        return "".join(deque(handle, maxlen=lines)).rstrip()


def status_json(rows: list[ServiceStatus], model: dict[str, object] | None = None,
                live: dict[str, object] | None = None) -> str:
    return json.dumps({"services": [row.as_json() for row in rows], "model": model, "live": live}, indent=2)
