"""Typed settings, read once at a process's entry point from the environment and `.env`, then passed down.

Every engine endpoint is a setting: when it is set (e.g. KAFKA_BOOTSTRAP_SERVERS), `up` uses that cluster
instead of starting a local one. Left empty, the local single-node default is started and bound to
FRAUD_BIND_HOST (127.0.0.1).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_core.core_schema import ValidationInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from fraud_platform.airflow_contract import DEFAULT_TASK_RETRIES
from fraud_platform.errors import ConfigError
from fraud_platform.kafka_access import SaslMechanism, SecurityProtocol


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


Endpoint = Annotated[str | None, BeforeValidator(_blank_is_none)]
Port = Annotated[int, Field(ge=1, le=65535)]
Secret = Annotated[SecretStr | None, BeforeValidator(_blank_is_none)]  # None = not set (yet)
KafkaUser = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
# The stream processes' Kafka client (consumers/kafka_io.py): librdkafka, or pure Python where it has no wheel.
KafkaClient = Literal["confluent-kafka", "kafka-python"]
# How a client logs in to HiveServer2 (PyHive's `auth`): CUSTOM and LDAP = PLAIN SASL with a password checked by the
# server; NONE = PLAIN SASL, any password; NOSASL = no SASL at all. The local server is always CUSTOM.
HiveAuth = Literal["CUSTOM", "LDAP", "NONE", "NOSASL"]


def _section(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, frozen=True, extra="ignore", env_file_encoding="utf-8")


class PlatformSettings(BaseSettings):
    model_config = _section("FRAUD_")
    bind_host: str = "127.0.0.1"
    state_dir: Path | None = None  # default: <checkout>/.state
    profile: str = "full"
    # Seals the local engines' TLS keystore (fraud_runtime/tls.py); generated into .env.
    tls_keystore_password: Secret = None


class KafkaSettings(BaseSettings):
    model_config = _section("KAFKA_")
    bootstrap_servers: Endpoint = None
    port: Port = 9092
    controller_port: Port = 9093
    heap: str = "512m"
    partitions: int = Field(6, ge=1)
    replication_factor: int = Field(1, ge=1)
    retention_days: float = Field(7, gt=0)
    jmx_exporter_port: Port = 7071
    client: KafkaClient = "confluent-kafka"  # scorer, persister, stream producer
    delivery_timeout_ms: int = Field(120_000, ge=1_000)  # a produce not acknowledged by then stops the process
    # Logins (fraud_platform/kafka_access.py): SCRAM-SHA-512 over SASL_PLAINTEXT (port) by default. The local
    # broker also serves SASL_SSL on ssl_port with a certificate of the platform's own CA; security_protocol
    # SASL_SSL moves every client there and leaves no plain listener (port then serves TLS). An external
    # cluster may be PLAINTEXT, SASL_PLAINTEXT or SASL_SSL (its CA in ssl_ca_file; empty: the system's CAs).
    # Each process logs in as its own user; `up` creates the users and their ACLs when manage_access is true
    # (the admin may do so). The passwords are generated into .env; a SASL client without its password fails.
    security_protocol: SecurityProtocol = "SASL_PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    ssl_ca_file: Endpoint = None
    ssl_port: Port = 9096  # 9094 is Alertmanager's cluster port by convention
    manage_access: bool = True
    admin_username: KafkaUser = "admin"
    admin_password: Secret = None
    scorer_username: KafkaUser = "scorer"
    scorer_password: Secret = None
    persister_username: KafkaUser = "persister"
    persister_password: Secret = None
    producer_username: KafkaUser = "producer"
    producer_password: Secret = None


class CassandraSettings(BaseSettings):
    model_config = _section("CASSANDRA_")
    contact_points: Endpoint = None
    port: Port = 9042
    storage_port: Port = 7000
    jmx_port: Port = 7199
    heap: str = "1g"
    replication_factor: int = Field(1, ge=1)
    jmx_exporter_port: Port = 7072
    # PasswordAuthenticator roles. The application role (consumers, page, Spark jobs) may read and write the
    # `fraud` keyspace's rows and nothing else; the admin role runs the migrations and creates the application
    # role. Both passwords are generated into .env; a role whose password is not set connects without login
    # (an external cluster that does not authenticate).
    username: str = Field("fraud_app", min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    password: Secret = None
    admin_username: str = Field("fraud_admin", min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    admin_password: Secret = None
    # TLS on the CQL port. The local node accepts TLS there always (a certificate of the platform's own CA) and
    # plain connections too unless ssl is true; ssl true makes every client use TLS and the local node refuse
    # plain ones. ssl_ca_file: the CA an external cluster's certificates are checked against (empty: the
    # local CA for the local node, the system's CAs for an external cluster).
    ssl: bool = False
    ssl_ca_file: Endpoint = None


class HdfsSettings(BaseSettings):
    model_config = _section("HDFS_")
    namenode_uri: Endpoint = None  # e.g. hdfs://namenode:8020
    webhdfs_url: Endpoint = None  # e.g. http://namenode:9870 (required with namenode_uri)
    rpc_port: Port = 8020
    http_port: Port = 9870
    datanode_port: Port = 9866
    datanode_http_port: Port = 9864
    datanode_ipc_port: Port = 9867
    user: str = "fraud"
    namenode_heap: str = "384m"
    datanode_heap: str = "256m"
    namenode_jmx_exporter_port: Port = 7073
    datanode_jmx_exporter_port: Port = 7074


class HiveSettings(BaseSettings):
    model_config = _section("HIVE_")
    metastore_uri: Endpoint = None  # e.g. thrift://metastore:9083
    hiveserver2_host: Endpoint = None  # an external HiveServer2 / Spark Thrift Server
    metastore_port: Port = 9083
    hiveserver2_port: Port = 10000
    metastore_heap: str = "384m"
    hiveserver2_memory: str = "768m"
    metastore_jmx_exporter_port: Port = 7075
    hiveserver2_jmx_exporter_port: Port = 7076
    # HiveServer2 login. The local server checks the user name and password against a file holding a salted hash
    # of HIVE_PASSWORD (generated into .env); an external one is reached with its own mode (HIVE_AUTH).
    username: str = Field("fraud_app", pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
    password: Secret = None
    auth: HiveAuth = "CUSTOM"
    # TLS on the Thrift port (binary transport, the login inside it). ssl true makes every client use TLS, checked
    # against ssl_ca_file (empty: the local CA for the local server, the system's CAs for an external one), and
    # the local server serve TLS only, with a certificate of the platform's own CA.
    ssl: bool = False
    ssl_ca_file: Endpoint = None

    @field_validator("auth")
    @classmethod
    def _local_server_checks_passwords(cls, auth: HiveAuth, info: ValidationInfo) -> HiveAuth:
        if auth != "CUSTOM" and info.data.get("hiveserver2_host") is None:
            raise ValueError("the local HiveServer2 authenticates with CUSTOM only; other modes are for an external "
                             "HiveServer2 (HIVE_HIVESERVER2_HOST)")
        return auth


class SparkSettings(BaseSettings):
    model_config = _section("SPARK_")
    master: str = "local[*]"
    driver_memory: str = "1g"


class MonitoringSettings(BaseSettings):
    model_config = _section("MONITORING_")
    prometheus_port: Port = 9090
    prometheus_retention: str = "7d"
    scrape_interval: str = "15s"
    statsd_udp_port: Port = 9125
    statsd_exporter_port: Port = 9102
    process_exporter_port: Port = 9256
    platform_exporter_port: Port = 9257  # supervised processes' states and the state directory's disk
    alertmanager_port: Port = 9095  # 9093 is Kafka's controller here; 9094 Alertmanager's (disabled) cluster
    alert_group_wait: str = "30s"  # Alertmanager: wait this long to batch the first alerts of a group
    alert_group_interval: str = "2m"  # ... and this long between notices about a group (resolved ones too)
    alert_repeat_interval: str = "4h"  # a still-firing alert is e-mailed again after this
    grafana_port: Port = 3000  # docker-compose only: no registry here ships a Grafana server
    cadvisor_port: Port = 8081  # docker-compose only


class TokenisationSettings(BaseSettings):
    model_config = _section("TOKENISATION_")
    key: Secret = None  # generated into .env; whoever tokenises fails at start without it


class ModelSettings(BaseSettings):
    model_config = _section("MODEL_")
    # Signs each trained model's manifest (HMAC-SHA256, fraud_platform/model_store.py); the scorer serves only a
    # model signed with it. Generated into .env; the training job and the scorer fail at start without it.
    signing_key: Secret = None


class ApiSettings(BaseSettings):
    """The transactions API (the batch layer's upstream): simulator history or a handbook-layout file."""

    model_config = _section("API_")
    url: Endpoint = None  # an existing API (e.g. http://payments:8000): nothing is started locally
    port: Port = 8000
    token: Secret = None  # bearer token; generated into .env
    dataset: Annotated[Path | None, BeforeValidator(_blank_is_none)] = None  # CSV/Parquet; empty = simulator
    page_size: int = Field(1000, ge=1, le=10_000)
    label_delay_days: int = Field(7, ge=0)
    start_date: date = date(2018, 4, 1)
    end_date: date = date(2018, 9, 30)
    as_of: Annotated[date | None, BeforeValidator(_blank_is_none)] = None  # labels "today"; empty = UTC today
    seed: int = 0
    extra_patterns: bool = False  # False: the handbook's process only; True: plus the rules' extra patterns
    # The simulated bank's size; empty = the simulator's (the handbook's 5,000 customers and 10,000 terminals,
    # ~9,700 tx a day). A smaller bank serves fewer rows a day, and every batch job over them runs faster.
    customers: Annotated[PositiveInt | None, BeforeValidator(_blank_is_none)] = None
    terminals: Annotated[PositiveInt | None, BeforeValidator(_blank_is_none)] = None
    cache_days: int = Field(8, ge=1)  # serialised days kept in memory


class SmtpSettings(BaseSettings):
    model_config = _section("SMTP_")
    host: Endpoint = None  # a real SMTP server; empty = the local development receiver
    port: Port = 1025
    user: Endpoint = None
    password: Secret = None
    starttls: bool = False
    from_address: str = "fraud-platform@localhost"
    alert_recipients: str = "fraud-ops@localhost"  # comma-separated


class AirflowSettings(BaseSettings):
    model_config = _section("AIRFLOW_")
    port: Port = 8080
    admin_username: str = "admin"
    admin_password: Secret = None  # generated into .env
    secret_key: Secret = None  # generated; the api-server, JWT and Fernet keys derive from it
    sql_alchemy_conn: Endpoint = None  # e.g. postgresql+psycopg2://…; empty = SQLite in the state dir
    parallelism: int = Field(2, ge=1)  # concurrent task processes: each Spark task wants a core
    task_retries: int = Field(DEFAULT_TASK_RETRIES, ge=0)  # tries after the first before a task fails (and mails)
    bootstrap_history: bool = True  # `up` triggers the bootstrap_history DAG when the model store has no champion


class SupersetSettings(BaseSettings):
    """Superset (reports on the Hive tables), from its own venv."""

    model_config = _section("SUPERSET_")
    port: Port = 8088
    admin_username: str = "admin"
    admin_password: Secret = None  # generated into .env
    secret_key: Secret = None  # generated; signs sessions and encrypts the stored database credentials
    sqlalchemy_uri: Endpoint = None  # metadata database, e.g. postgresql+psycopg2://…; empty = SQLite in the state dir
    workers: int = Field(1, ge=1)  # gunicorn worker processes (each with 4 threads)


class StreamSettings(BaseSettings):
    """The stream layer: scorer and persister (consumers/), the simulated producer (`fraudctl stream`)."""

    model_config = _section("STREAM_")
    scorer_group: str = "fraud-scorer"
    # Scorer transactions: transactional.id = "<group>-<this>"; stable across restarts (a restart fences the
    # instance it replaces), distinct per scorer running in the same group (consumers/README.md).
    scorer_instance_id: str = Field("0", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    persister_group: str = "fraud-persister"
    scorer_metrics_port: Port = 9310
    persister_metrics_port: Port = 9311
    producer_metrics_port: Port = 9312  # the stream-producer service (`stream` without --count)
    batch_size: int = Field(2000, ge=1, le=100_000)  # records per poll (consume -> ... -> commit)
    poll_timeout_ms: int = Field(200, ge=1)
    checkpoint_seconds: float = Field(5.0, gt=0)  # scorer state snapshot + offsets in Cassandra
    partition_fetch_bytes: int = Field(65536, ge=1024)  # scorer: small, so partitions advance in step
    allowed_lateness_seconds: int = Field(86_400, ge=0)  # scorer history kept behind the newest event time
    # Scorer: a record more than this ahead (event time) of another partition with unread records waits for it,
    # so terminal features (7-day delay) never depend on how a backlog's partitions interleave (consumers/alignment.py).
    alignment_skew_seconds: int = Field(3600, ge=0, le=86_400)
    alignment_max_wait_seconds: float = Field(2.0, gt=0)  # ... but never longer than this (wall clock)
    max_event_bytes: int = Field(16384, ge=256)
    max_future_seconds: int = Field(300, ge=0)  # event_time allowed ahead of now (clock skew)
    max_amount: float = Field(1_000_000.0, gt=0)
    velocity_max_tx_2min: int = Field(5, ge=1)  # rule: > N tx per customer in 2 min
    geo_max_km: float = Field(50.0, gt=0)  # rule: > km from the previous tx ...
    geo_window_seconds: int = Field(300, ge=1)  # ... within this many seconds
    geo_max_speed_kmh: float = Field(1000.0, gt=0)  # rule: implied speed above an airliner's
    amount_ratio_max: float = Field(10.0, gt=1)  # rule: amount > N x the customer's 30-day mean
    review_threshold: float = Field(0.5, ge=0, le=1)  # score >= -> review
    block_threshold: float = Field(0.8, ge=0, le=1)  # score >= -> block
    model_poll_seconds: float = Field(60.0, gt=0)  # champion pointer check (hot reload)
    cassandra_concurrency: int = Field(128, ge=1, le=2048)  # persister in-flight writes
    retry_max_seconds: float = Field(30.0, gt=0)  # backoff ceiling while Cassandra is unavailable
    quality_seconds: float = Field(60.0, gt=0)  # persister: decision quality of the changed hours, every N s
    stall_seconds: float = Field(180.0, gt=0)  # consumers exit (and are restarted) after this long without progress
    rate: float = Field(5.0, gt=0)  # `stream` without --count: mean tx/s of the live bank (sizes it)
    label_delay_seconds: int = Field(7 * 86_400, ge=0)  # chargeback delay before a label is published


class UiSettings(BaseSettings):
    """The Streamlit live-alerts page."""

    model_config = _section("UI_")
    port: Port = 8501
    username: str = "fraud-team"  # the live page's sign-in
    password: Secret = None  # generated into .env; the page refuses everyone while it is not set
    refresh_seconds: float = Field(5.0, gt=0)
    alerts_limit: int = Field(200, ge=1, le=10_000)


class Settings(BaseModel):
    """All sections, frozen. Build it with `load_settings`; never read the environment elsewhere."""

    model_config = ConfigDict(frozen=True)
    platform: PlatformSettings
    kafka: KafkaSettings
    cassandra: CassandraSettings
    hdfs: HdfsSettings
    hive: HiveSettings
    spark: SparkSettings
    monitoring: MonitoringSettings
    tokenisation: TokenisationSettings
    model: ModelSettings
    api: ApiSettings
    smtp: SmtpSettings
    airflow: AirflowSettings
    superset: SupersetSettings
    stream: StreamSettings
    ui: UiSettings


def load_settings(env_file: Path | None) -> Settings:
    """Read every section from the process environment, then `env_file` (the environment wins)."""
    dotenv = env_file if env_file and env_file.exists() else None
    values: dict[str, BaseSettings] = {}
    for name, field in Settings.model_fields.items():
        section = field.annotation
        assert isinstance(section, type) and issubclass(section, BaseSettings), name  # each reads the env
        try:
            values[name] = section(_env_file=dotenv)
        except ValidationError as exc:
            first = exc.errors()[0]
            prefix = section.model_config.get("env_prefix", "")
            setting = f"{prefix}{first['loc'][0]}".upper() if first["loc"] else prefix
            raise ConfigError(f"setting {setting}={first.get('input')!r} is invalid: {first['msg']}") from None
    return Settings.model_validate(values)
