"""The platform's own exporter (`platform-exporter`): what no engine reports about itself.

Per scrape it asks supervisord for the state of every supervised process and measures the disk that holds
the state directory:

- ``fraud_platform_process_running{service}``: 1 while the process is RUNNING, else 0
- ``fraud_platform_process_fatal{service}``: 1 when supervisord gave up restarting it (FATAL)
- ``fraud_platform_supervisor_up``: 0 when supervisord does not answer (under docker-compose: always 0)
- ``fraud_state_disk_used_ratio`` and ``fraud_state_disk_free_bytes`` for the state directory's filesystem

Run as ``python -m fraud_runtime.platform_exporter`` (the supervisor does it).
"""

from __future__ import annotations

import shutil
import signal
import threading
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from fraud_platform.config import load_config
from fraud_platform.logs import configure_logging, get_logger
from fraud_runtime.supervisor import Supervisor

log = get_logger("platform_exporter")


class PlatformCollector(Collector):
    def __init__(self, supervisor: Supervisor, state_dir: Path) -> None:
        self.supervisor, self.state_dir = supervisor, state_dir

    def collect(self) -> Iterator[Metric]:
        running = GaugeMetricFamily("fraud_platform_process_running", "1 while the supervised process runs",
                                    labels=["service"])
        fatal = GaugeMetricFamily("fraud_platform_process_fatal", "1 when supervisord gave up restarting it",
                                  labels=["service"])
        try:
            processes = self.supervisor.rpc.supervisor.getAllProcessInfo()
            supervisor_up = 1.0
        except (OSError, xmlrpc.client.Fault):
            processes, supervisor_up = [], 0.0
        for process in processes:
            running.add_metric([process["name"]], float(process["statename"] == "RUNNING"))
            fatal.add_metric([process["name"]], float(process["statename"] == "FATAL"))
        yield running
        yield fatal
        yield GaugeMetricFamily("fraud_platform_supervisor_up", "1 when supervisord answers", value=supervisor_up)
        usage = shutil.disk_usage(self.state_dir)
        yield GaugeMetricFamily("fraud_state_disk_used_ratio", "Used share of the state directory's filesystem "
                                "(as df counts it: used / (used + available))",
                                value=usage.used / max(usage.used + usage.free, 1))
        yield GaugeMetricFamily("fraud_state_disk_free_bytes", "Bytes available on the state directory's "
                                "filesystem", value=float(usage.free))


def main() -> None:
    configure_logging(json=True)
    config = load_config()
    host, port = config.settings.platform.bind_host, config.settings.monitoring.platform_exporter_port
    registry = CollectorRegistry()
    registry.register(PlatformCollector(Supervisor(config.paths), config.paths.state))
    start_http_server(port, addr=host, registry=registry)
    log.info("serving metrics", host=host, port=port, state_dir=str(config.paths.state))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()
