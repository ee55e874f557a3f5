"""The stream layer's processes: the scorer and the persister (consumers/) and the simulated producer
(`consumers.stream_producer` on the live clock), each a Python process whose probe is its Prometheus metrics
endpoint (also scraped by Prometheus)."""

from __future__ import annotations

import sys
from typing import ClassVar

from fraud_runtime.probes import HttpProbe
from fraud_runtime.services.base import FULL, Program, Service


class _Consumer(Service):
    profiles = FULL
    depends_on = ("kafka", "cassandra")
    ready_timeout = 60.0
    module: ClassVar[str]

    def metrics_port(self) -> int:
        raise NotImplementedError

    def ports(self) -> dict[str, int]:
        return {"metrics": self.metrics_port()}

    def url(self) -> str:
        return f"http://{self.host}:{self.metrics_port()}/metrics"

    def metrics_targets(self) -> list[str]:
        return [f"{self.host}:{self.metrics_port()}"]

    def program(self) -> Program:
        return Program(argv=[sys.executable, "-m", self.module],
                       env={"PYTHONPATH": str(self.paths.root), "FRAUD_ROOT": str(self.paths.root)},
                       cwd=self.paths.root)

    def probe(self) -> HttpProbe:
        return HttpProbe(self.url())


class Scorer(_Consumer):
    name = "scorer"
    depends_on = ("kafka", "cassandra", "namenode")  # the champion model is read from HDFS
    module = "consumers.scorer"
    process_pattern = r"consumers\.scorer"

    def metrics_port(self) -> int:
        return self.settings.stream.scorer_metrics_port


class Persister(_Consumer):
    name = "persister"
    module = "consumers.persister"
    process_pattern = r"consumers\.persister"

    def metrics_port(self) -> int:
        return self.settings.stream.persister_metrics_port


class StreamProducer(_Consumer):
    """A live simulated bank (``STREAM_RATE`` tx/s on average, the handbook's daily rhythm) so the platform is
    alive on its own."""

    name = "stream-producer"
    depends_on = ("kafka",)
    module = "consumers.stream_producer"
    process_pattern = r"consumers\.stream_producer"

    def metrics_port(self) -> int:
        return self.settings.stream.producer_metrics_port

    def program(self) -> Program:
        base = super().program()
        argv = [*base.argv, "--metrics-port", str(self.metrics_port())]
        return Program(argv=argv, env=base.env, cwd=base.cwd)
