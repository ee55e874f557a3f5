"""Prometheus (Debian's package): scrapes itself, the JMX exporters of the JVM engines, statsd_exporter,
process-exporter and the platform's own Python services; evaluates the alert rules of
`monitoring/prometheus/rules/` and sends what fires to Alertmanager when it is part of the profile."""

from __future__ import annotations

import time

from fraud_runtime.errors import ServiceNotReady
from fraud_runtime.probes import HttpProbe
from fraud_runtime.services.alertmanager import Alertmanager
from fraud_runtime.services.base import Program, Service
from fraud_runtime.supervisor import Supervisor

RELOAD_WAIT_SECONDS = 30.0
RULE_FILES = "*.rules.yml"  # the alert rules monitoring/prometheus/build_rules.py writes (not their tests)


class Prometheus(Service):
    name = "prometheus"
    process_pattern = r"prometheus --config\.file"
    ready_timeout = 60.0

    @property
    def port(self) -> int:
        return self.settings.monitoring.prometheus_port

    def ports(self) -> dict[str, int]:
        return {"http": self.port}

    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def metrics_targets(self) -> list[str]:
        return [f"{self.host}:{self.port}"]

    def scrape_jobs(self) -> dict[str, list[str]]:
        """Scrape targets per job, from every service of the profile being brought up."""
        return {peer.name: peer.metrics_targets() for peer in self.peers if peer.metrics_targets()}

    def alertmanagers(self) -> list[str]:
        return [peer.address() for peer in self.peers if isinstance(peer, Alertmanager) and not peer.external]

    def render_config(self) -> None:
        self.write_template(
            "prometheus/prometheus.yml.j2",
            jobs=self.scrape_jobs(),
            interval=self.settings.monitoring.scrape_interval,
            rules=self.paths.root / "monitoring" / "prometheus" / "rules" / RULE_FILES,
            alertmanagers=self.alertmanagers(),
        )

    def program(self) -> Program:
        binary = self.artifacts.system_binary("prometheus") or "/usr/bin/prometheus"
        return Program(
            argv=[
                str(binary),
                f"--config.file={self.conf_dir / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.data_dir}",
                f"--storage.tsdb.retention.time={self.settings.monitoring.prometheus_retention}",
                f"--web.listen-address={self.host}:{self.port}",
                # no --web.enable-lifecycle / --web.enable-admin-api: nobody can stop Prometheus or delete
                # its series over HTTP; the runtime reloads it with SIGHUP through the supervisor
            ],
            cwd=self.data_dir,
        )

    def probe(self) -> HttpProbe:
        return HttpProbe(f"{self.url()}/-/ready")

    def bootstrap(self) -> None:
        """Reload the scrape config rendered for this `up` (a running Prometheus keeps its old targets):
        SIGHUP through the supervisor, then wait until Prometheus reports a successful reload after it."""
        if self.external:
            return  # its configuration is not ours to reload
        before = self._last_reload()
        Supervisor(self.paths).signal(self.name, "HUP")
        deadline = time.monotonic() + RELOAD_WAIT_SECONDS
        while time.monotonic() < deadline:
            stamp, ok = self._last_reload()
            if stamp > before[0]:
                if not ok:
                    raise ServiceNotReady(f"{self.name}: the rendered configuration was refused; "
                                          f"see ./fraudctl logs {self.name}")
                return
            time.sleep(0.2)
        raise ServiceNotReady(f"{self.name}: no reload within {RELOAD_WAIT_SECONDS:.0f} s of SIGHUP")

    def _last_reload(self) -> tuple[float, bool]:
        """(time of the last configuration reload, whether it succeeded), from Prometheus' own metrics."""
        import requests

        values = {}
        for line in requests.get(f"{self.url()}/metrics", timeout=10).text.splitlines():
            name, _, value = line.partition(" ")
            if name in ("prometheus_config_last_reload_success_timestamp_seconds",
                        "prometheus_config_last_reload_successful"):
                values[name] = float(value)
        return (values.get("prometheus_config_last_reload_success_timestamp_seconds", 0.0),
                values.get("prometheus_config_last_reload_successful", 0.0) == 1.0)
