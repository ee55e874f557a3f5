"""Kafka 4 in KRaft combined mode (broker + controller), single node, from the Maven jars."""

from __future__ import annotations

import uuid

from fraud_domain import topics
from fraud_platform.errors import ConfigError
from fraud_platform.kafka_access import KAFKA_ROLES, KafkaAccess, KafkaLogin
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
        ports = {"broker": k.port, "controller": k.controller_port, "jmx-exporter": k.jmx_exporter_port}
        if ("SASL_SSL", k.ssl_port) in self.listeners():
            ports["broker-tls"] = k.ssl_port
        return ports

    def listeners(self) -> list[tuple[str, int]]:
        """The client listeners (name = security protocol, port), the broker's own link first: SASL_PLAINTEXT on
        KAFKA_PORT and SASL_SSL on KAFKA_SSL_PORT, or SASL_SSL alone on KAFKA_PORT when every client uses TLS;
        PLAINTEXT alone for a broker without logins."""
        k = self.settings.kafka
        if k.security_protocol == "PLAINTEXT":
            return [("PLAINTEXT", k.port)]
        tls = ("SASL_SSL", self.endpoints.kafka_tls_port)
        return [tls] if k.security_protocol == "SASL_SSL" else [("SASL_PLAINTEXT", k.port), tls]

    def url(self) -> str:
        return f"kafka://{self.bootstrap_servers}"

    def heap(self) -> str:
        return self.settings.kafka.heap

    def jmx_exporter_port(self) -> int:
        return self.settings.kafka.jmx_exporter_port

    def jvm_options(self) -> list[str]:
        return [f"-Dlog4j2.configurationFile={self.conf_dir / 'log4j2.properties'}", "-Dkafka.logs.dir=."]

    @property
    def admin_access(self) -> KafkaAccess:
        return self.endpoints.kafka_access("admin")

    def render_config(self) -> None:
        """server.properties (0600: it holds the admin's static login and the keystore password) and
        log4j2.properties."""
        admin = self._static_admin()
        tls = self.local_tls() if admin else None
        self.write_secret_template("kafka/server.properties.j2", log_dir=self.data_dir / "log", admin=admin,
                                   listeners=self.listeners(), tls=tls)
        self.write_template("kafka/log4j2.properties.j2")

    def _static_admin(self) -> KafkaLogin | None:
        """The admin login the broker config holds (None: a PLAINTEXT broker)."""
        access = self.admin_access
        if not access.sasl:
            return None
        if access.mechanism == "PLAIN":
            raise ConfigError("the local Kafka broker logs clients in with SCRAM, not PLAIN: set KAFKA_SASL_MECHANISM")
        assert access.login is not None
        if any(c in access.login.password for c in '"\\\n'):
            raise ConfigError("KAFKA_ADMIN_PASSWORD may not hold a quote, a backslash or a line break")
        return access.login

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
        return KafkaProbe(self.bootstrap_servers, self.admin_access)

    def bootstrap(self) -> None:
        """As the admin: the users and their ACLs (``KAFKA_MANAGE_ACCESS``), then the topics. On the local broker
        (and an external one that refuses the admin's SCRAM login) the admin logs in with its static PLAIN login,
        which works before any SCRAM user exists."""
        from fraud_platform.kafka_topics import ensure_topics
        from fraud_runtime.migrations.kafka_acls import ensure_acls
        from fraud_runtime.migrations.kafka_users import ensure_users

        k = self.settings.kafka
        admin = self.admin_access
        if admin.sasl and (not self.external or KafkaProbe(self.bootstrap_servers, admin).refused()):
            admin = admin.with_mechanism("PLAIN")  # a broker whose SCRAM admin is not made yet (compose: new)
        if k.manage_access and admin.sasl:
            logins = [self.endpoints.kafka_access(role).login for role in KAFKA_ROLES]
            ensure_users(self.bootstrap_servers, admin, [login for login in logins if login is not None],
                         self.admin_access.mechanism)
            ensure_acls(self.bootstrap_servers, admin, self.settings)
        ensure_topics(
            self.bootstrap_servers,
            topics.ALL_TOPICS,
            access=admin,
            partitions=k.partitions,
            replication_factor=k.replication_factor,
            retention_ms=int(k.retention_days * 86_400_000),
        )


def _kraft_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (22 characters)."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
