"""Typed settings, read once at a process's entry point from the environment and `.env`, then passed down.

Every engine endpoint is a setting: when it is set (e.g. KAFKA_BOOTSTRAP_SERVERS), `up` uses that cluster
instead of starting a local one. Left empty, the local single-node default is started and bound to
FRAUD_BIND_HOST (127.0.0.1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from fraud_runtime.errors import ConfigError


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


Endpoint = Annotated[str | None, BeforeValidator(_blank_is_none)]
Port = Annotated[int, Field(ge=1, le=65535)]


def _section(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, frozen=True, extra="ignore", env_file_encoding="utf-8")


class PlatformSettings(BaseSettings):
    model_config = _section("FRAUD_")
    bind_host: str = "127.0.0.1"
    state_dir: Path | None = None  # default: <checkout>/.state
    profile: str = "full"


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


class CassandraSettings(BaseSettings):
    model_config = _section("CASSANDRA_")
    contact_points: Endpoint = None
    port: Port = 9042
    storage_port: Port = 7000
    jmx_port: Port = 7199
    heap: str = "1g"
    replication_factor: int = Field(1, ge=1)
    jmx_exporter_port: Port = 7072


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
    grafana_port: Port = 3000  # docker-compose only: no registry here ships a Grafana server
    cadvisor_port: Port = 8081  # docker-compose only


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


def load_settings(env_file: Path | None) -> Settings:
    """Read every section from the process environment, then `env_file` (the environment wins)."""
    kwargs = {"_env_file": env_file} if env_file and env_file.exists() else {}
    sections = {name: field.annotation for name, field in Settings.model_fields.items()}
    values = {}
    for name, cls in sections.items():
        try:
            values[name] = cls(**kwargs)
        except ValidationError as exc:
            first = exc.errors()[0]
            prefix = cls.model_config.get("env_prefix", "")
            setting = f"{prefix}{first['loc'][0]}".upper() if first["loc"] else prefix
            raise ConfigError(f"setting {setting}={first.get('input')!r} is invalid: {first['msg']}") from None
    return Settings(**values)
