"""Kafka 4 in KRaft combined mode (broker + controller), single node, from the Maven jars."""

from __future__ import annotations

import uuid

from fraud_domain import topics
from fraud_runtime.probes import KafkaProbe
from fraud_runtime.services.jvm import JvmService


class Kafka(JvmService):
    name = "kafka"
    engine = "kafka"
    jmx_rules = "kafka.yaml"
    main_class = "kafka.Kafka"
    process_pattern = r"kafka\.Kafka"
    ready_timeout = 90.0

    @property
    def external(self) -> bool:
        return self.endpoints.kafka_external

    @property
    def bootstrap_servers(self) -> str:
        return self.endpoints.kafka

    def ports(self) -> dict[str, int]:
        k = self.settings.kafka
        return {"broker": k.port, "controller": k.controller_port, "jmx-exporter": k.jmx_exporter_port}

    def url(self) -> str:
        return f"kafka://{self.bootstrap_servers}"

    def heap(self) -> str:
        return self.settings.kafka.heap

    def jmx_exporter_port(self) -> int:
        return self.settings.kafka.jmx_exporter_port

    def jvm_options(self) -> list[str]:
        return [f"-Dlog4j2.configurationFile={self.conf_dir / 'log4j2.properties'}", "-Dkafka.logs.dir=."]

    def render_config(self) -> None:
        self.write_template("kafka/server.properties.j2", log_dir=self.data_dir / "log")
        self.write_template("kafka/log4j2.properties.j2")

    def main_args(self) -> list[str]:
        return [str(self.conf_dir / "server.properties")]

    def initialise(self) -> None:
        """Format the KRaft log dir once (a formatted dir has meta.properties)."""
        if (self.data_dir / "log" / "meta.properties").exists():
            return
        import subprocess

        cluster_id = _kraft_cluster_id()
        argv = self.java_command(
            "kafka.tools.StorageTool",
            ["format", "-t", cluster_id, "-c", str(self.conf_dir / "server.properties"), "--standalone"],
            agent=False,
        )
        subprocess.run(argv, check=True, capture_output=True, cwd=self.data_dir, timeout=120)

    def probe(self) -> KafkaProbe:
        return KafkaProbe(self.bootstrap_servers)

    def bootstrap(self) -> None:
        from fraud_platform.kafka_topics import ensure_topics

        k = self.settings.kafka
        ensure_topics(
            self.bootstrap_servers,
            topics.ALL_TOPICS,
            partitions=k.partitions,
            replication_factor=k.replication_factor,
            retention_ms=int(k.retention_days * 86_400_000),
        )


def _kraft_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (22 characters)."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
