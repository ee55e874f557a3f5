"""Small exporters Prometheus scrapes: statsd_exporter (Airflow's StatsD), process-exporter (per-process
CPU/RSS of every managed service) and the platform's own exporter (supervised processes' states, state disk)."""

from __future__ import annotations

import sys

from fraud_runtime.probes import HttpProbe
from fraud_runtime.services.base import Program, Service


class StatsdExporter(Service):
    name = "statsd-exporter"
    process_pattern = r"statsd_exporter"
    ready_timeout = 30.0

    def ports(self) -> dict[str, int]:
        m = self.settings.monitoring
        return {"metrics": m.statsd_exporter_port, "statsd": m.statsd_udp_port}

    def url(self) -> str:
        return f"http://{self.host}:{self.settings.monitoring.statsd_exporter_port}/metrics"

    def metrics_targets(self) -> list[str]:
        return [f"{self.host}:{self.settings.monitoring.statsd_exporter_port}"]

    def program(self) -> Program:
        m = self.settings.monitoring
        mapping = self.paths.root / "monitoring" / "statsd" / "mapping.yml"
        return Program(
            argv=[
                str(self.artifacts.statsd_exporter),
                f"--web.listen-address={self.host}:{m.statsd_exporter_port}",
                f"--statsd.listen-udp={self.host}:{m.statsd_udp_port}",
                "--statsd.listen-tcp=",
                f"--statsd.mapping-config={mapping}",
            ]
        )

    def probe(self) -> HttpProbe:
        return HttpProbe(self.url())


class ProcessExporter(Service):
    name = "process-exporter"
    process_pattern = r"process-exporter"
    ready_timeout = 30.0

    def ports(self) -> dict[str, int]:
        return {"metrics": self.settings.monitoring.process_exporter_port}

    def url(self) -> str:
        return f"http://{self.host}:{self.settings.monitoring.process_exporter_port}/metrics"

    def metrics_targets(self) -> list[str]:
        return [f"{self.host}:{self.settings.monitoring.process_exporter_port}"]

    def render_config(self) -> None:
        groups = {peer.name: peer.process_pattern for peer in self.peers if peer.process_pattern}
        self.write_template("process-exporter/process-exporter.yml.j2", groups=groups)

    def program(self) -> Program:
        binary = self.artifacts.system_binary("prometheus-process-exporter") or "/usr/bin/prometheus-process-exporter"
        return Program(
            argv=[
                str(binary),
                f"-config.path={self.conf_dir / 'process-exporter.yml'}",
                f"-web.listen-address={self.host}:{self.settings.monitoring.process_exporter_port}",
            ]
        )

    def probe(self) -> HttpProbe:
        return HttpProbe(self.url())


class PlatformExporter(Service):
    name = "platform-exporter"
    process_pattern = r"fraud_runtime\.platform_exporter"
    ready_timeout = 30.0

    def ports(self) -> dict[str, int]:
        return {"metrics": self.settings.monitoring.platform_exporter_port}

    def url(self) -> str:
        return f"http://{self.host}:{self.settings.monitoring.platform_exporter_port}/metrics"

    def metrics_targets(self) -> list[str]:
        return [f"{self.host}:{self.settings.monitoring.platform_exporter_port}"]

    def program(self) -> Program:
        return Program(
            argv=[sys.executable, "-m", "fraud_runtime.platform_exporter"],
            env={"PYTHONPATH": str(self.paths.root), "FRAUD_ROOT": str(self.paths.root)},
            cwd=self.paths.root,
        )

    def probe(self) -> HttpProbe:
        return HttpProbe(self.url())
