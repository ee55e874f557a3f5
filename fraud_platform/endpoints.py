"""Where each engine is: the one answer for every caller (consumers, Spark jobs, DAGs, apps, the runtime).

Rule, stated once: an endpoint setting that is set (e.g. `KAFKA_BOOTSTRAP_SERVERS`) names an existing
cluster and nothing is started locally (`external_*` is True); left empty, the platform's local engine on
`FRAUD_BIND_HOST` and the configured port is the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from fraud_platform.clients import CqlLogin, CqlNodes, HiveLogin
from fraud_platform.errors import ConfigError
from fraud_platform.kafka_access import KafkaAccess, KafkaLogin, KafkaRole
from fraud_platform.settings import Settings


@dataclass(frozen=True)
class Endpoints:
    settings: Settings
    local_ca: Path | None = None  # the platform's own CA (Paths.tls_ca): clients of the local engines' TLS trust it

    def _local_ca_file(self, setting: str) -> str:
        if self.local_ca is None:
            raise ConfigError(f"{setting} asks for TLS to a local engine, but no local CA is known here")
        return str(self.local_ca)

    @property
    def host(self) -> str:
        return self.settings.platform.bind_host

    # ---- Kafka -------------------------------------------------------------------------------
    @property
    def kafka_external(self) -> bool:
        return self.settings.kafka.bootstrap_servers is not None

    @property
    def kafka(self) -> str:
        """Bootstrap servers, `host:port[,host:port…]` (the local broker's listener of KAFKA_SECURITY_PROTOCOL)."""
        k = self.settings.kafka
        return k.bootstrap_servers or f"{self.host}:{k.port}"

    @property
    def kafka_tls_port(self) -> int:
        """The local broker's SASL_SSL listener: KAFKA_PORT itself when every client uses TLS, else KAFKA_SSL_PORT."""
        k = self.settings.kafka
        return k.port if k.security_protocol == "SASL_SSL" else k.ssl_port

    def kafka_tls_listener(self, role: KafkaRole) -> tuple[str, KafkaAccess]:
        """The local broker's TLS listener and how ``role`` logs in there, verifying the broker against the
        platform's CA (whatever protocol the platform's own clients use)."""
        access = replace(self.kafka_access(role), security_protocol="SASL_SSL",
                         ca_file=self._local_ca_file("the local Kafka TLS listener"))
        return f"{self.host}:{self.kafka_tls_port}", access

    def kafka_access(self, role: KafkaRole) -> KafkaAccess:
        """How the process playing ``role`` (admin, scorer, persister, producer) logs in to Kafka. A SASL
        cluster and no password for the role: ConfigError (set KAFKA_<ROLE>_PASSWORD, `fraudctl setup`)."""
        k = self.settings.kafka
        ca_file = k.ssl_ca_file
        if ca_file is None and k.security_protocol == "SASL_SSL" and not self.kafka_external:
            ca_file = self._local_ca_file("KAFKA_SECURITY_PROTOCOL=SASL_SSL")
        if k.security_protocol == "PLAINTEXT":
            return KafkaAccess("PLAINTEXT", k.sasl_mechanism, None, ca_file)
        password = getattr(k, f"{role}_password")
        if password is None:
            raise ConfigError(f"KAFKA_{role.upper()}_PASSWORD is not set (Kafka is {k.security_protocol}): "
                              "run `./fraudctl setup` to generate it into .env")
        login = KafkaLogin(getattr(k, f"{role}_username"), password.get_secret_value())
        return KafkaAccess(k.security_protocol, k.sasl_mechanism, login, ca_file)

    # ---- Cassandra ---------------------------------------------------------------------------
    @property
    def cassandra_external(self) -> bool:
        return self.settings.cassandra.contact_points is not None

    @property
    def cassandra(self) -> CqlNodes:
        """Where every client reaches Cassandra, and over TLS against which CA (CASSANDRA_SSL)."""
        c = self.settings.cassandra
        points = tuple(p.strip() for p in (c.contact_points or self.host).split(",") if p.strip())
        if not c.ssl:
            return CqlNodes(points, c.port)
        ca_file = c.ssl_ca_file
        if ca_file is None and not self.cassandra_external:
            ca_file = self._local_ca_file("CASSANDRA_SSL=true")
        return CqlNodes(points, c.port, tls=True, ca_file=ca_file)

    @property
    def cassandra_tls(self) -> CqlNodes:
        """The local node's CQL port over TLS, verified against the platform's CA (whatever CASSANDRA_SSL says)."""
        return replace(self.cassandra, tls=True, ca_file=self._local_ca_file("TLS to the local Cassandra"))

    @property
    def cassandra_login(self) -> CqlLogin | None:
        """The application role (rows of keyspace `fraud` only); None when no password is configured."""
        c = self.settings.cassandra
        return CqlLogin(c.username, c.password.get_secret_value()) if c.password else None

    @property
    def cassandra_admin_login(self) -> CqlLogin | None:
        """The role that runs the migrations and manages the application role."""
        c = self.settings.cassandra
        return CqlLogin(c.admin_username, c.admin_password.get_secret_value()) if c.admin_password else None

    # ---- HDFS --------------------------------------------------------------------------------
    @property
    def hdfs_external(self) -> bool:
        return self.settings.hdfs.namenode_uri is not None

    @property
    def namenode_uri(self) -> str:
        """`hdfs://host:port`, Hadoop's `fs.defaultFS`."""
        h = self.settings.hdfs
        return h.namenode_uri or f"hdfs://{self.host}:{h.rpc_port}"

    @property
    def webhdfs_url(self) -> str:
        h = self.settings.hdfs
        return (h.webhdfs_url or f"http://{self.host}:{h.http_port}").rstrip("/")

    @property
    def hdfs_user(self) -> str:
        return self.settings.hdfs.user

    # ---- Hive --------------------------------------------------------------------------------
    @property
    def metastore_external(self) -> bool:
        return self.settings.hive.metastore_uri is not None

    @property
    def metastore_uri(self) -> str:
        h = self.settings.hive
        return h.metastore_uri or f"thrift://{self.host}:{h.metastore_port}"

    @property
    def hiveserver2_external(self) -> bool:
        return self.settings.hive.hiveserver2_host is not None

    @property
    def hiveserver2(self) -> tuple[str, int]:
        h = self.settings.hive
        return h.hiveserver2_host or self.host, h.hiveserver2_port

    @property
    def hive_login(self) -> HiveLogin:
        """How every client logs in to HiveServer2: HIVE_USERNAME with HIVE_PASSWORD (required by CUSTOM and LDAP,
        not sent with NONE and NOSASL) in mode HIVE_AUTH, over TLS with HIVE_SSL."""
        h = self.settings.hive
        ca_file = h.ssl_ca_file
        if h.ssl and ca_file is None and not self.hiveserver2_external:
            ca_file = self._local_ca_file("HIVE_SSL=true")
        if h.auth in ("NONE", "NOSASL"):
            return HiveLogin(h.username, None, h.auth, tls=h.ssl, ca_file=ca_file)
        if h.password is None:
            raise ConfigError(f"HIVE_PASSWORD is not set (HiveServer2 authentication {h.auth}): run `./fraudctl setup`")
        return HiveLogin(h.username, h.password.get_secret_value(), h.auth, tls=h.ssl, ca_file=ca_file)

    # ---- the model store on HDFS ---------------------------------------------------------------
    @property
    def model_signing_key(self) -> str:
        """What signs a trained model (``train_model``) and what the scorer checks it with (``model_store.sign``)."""
        key = self.settings.model.signing_key
        if key is None:
            raise ConfigError("MODEL_SIGNING_KEY is not set: run `./fraudctl setup` to generate it into .env")
        return key.get_secret_value()

    # ---- Spark -------------------------------------------------------------------------------
    @property
    def spark_master(self) -> str:
        """The configured master; the machine-wide default `local[*]` is capped to `local[2]` (shared box)."""
        master = self.settings.spark.master
        return "local[2]" if master == "local[*]" else master

    # ---- the upstream transactions API and SMTP ----------------------------------------------
    @property
    def api_external(self) -> bool:
        return self.settings.api.url is not None

    @property
    def api_url(self) -> str:
        return (self.settings.api.url or f"http://{self.host}:{self.settings.api.port}").rstrip("/")

    @property
    def smtp_external(self) -> bool:
        return self.settings.smtp.host is not None

    @property
    def smtp(self) -> tuple[str, int]:
        return self.settings.smtp.host or self.host, self.settings.smtp.port

    # ---- Superset ----------------------------------------------------------------------------
    @property
    def superset_url(self) -> str:
        """The platform's Superset (REST API and UI); always the local service."""
        return f"http://{self.host}:{self.settings.superset.port}"

    # ---- monitoring --------------------------------------------------------------------------
    @property
    def statsd(self) -> tuple[str, int]:
        """statsd_exporter's UDP listener: Airflow's metrics and the batch jobs' row counters go there."""
        return self.host, self.settings.monitoring.statsd_udp_port
