"""The service registry: adding a service to the platform is one class and one line in SERVICES."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fraud_platform.errors import ConfigError
from fraud_runtime.services.airflow import (
    AirflowApiServer,
    AirflowDagProcessor,
    AirflowScheduler,
    AirflowTriggerer,
)
from fraud_runtime.services.alertmanager import Alertmanager
from fraud_runtime.services.alerts_ui import AlertsUi
from fraud_runtime.services.base import PROFILES, Service
from fraud_runtime.services.cassandra import Cassandra
from fraud_runtime.services.consumers import Persister, Scorer, StreamProducer
from fraud_runtime.services.exporters import PlatformExporter, ProcessExporter, StatsdExporter
from fraud_runtime.services.hdfs import DataNode, NameNode
from fraud_runtime.services.hive import HiveMetastore, HiveServer2
from fraud_runtime.services.kafka import Kafka
from fraud_runtime.services.prometheus import Prometheus
from fraud_runtime.services.smtp_receiver import SmtpReceiver
from fraud_runtime.services.superset import Superset
from fraud_runtime.services.transactions_api import TransactionsApi

if TYPE_CHECKING:
    from fraud_runtime.context import Context

# Declaration order is the tie-break of the dependency order.
SERVICES: tuple[type[Service], ...] = (
    Kafka,
    Cassandra,
    NameNode,
    DataNode,
    HiveMetastore,
    HiveServer2,
    StatsdExporter,
    ProcessExporter,
    PlatformExporter,
    Alertmanager,
    Prometheus,
    TransactionsApi,
    Scorer,
    Persister,
    StreamProducer,
    AlertsUi,
    SmtpReceiver,
    AirflowApiServer,
    AirflowScheduler,
    AirflowDagProcessor,
    AirflowTriggerer,
    Superset,
)


def service_names() -> list[str]:
    return [cls.name for cls in SERVICES]


def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile '{profile}': choose one of {', '.join(PROFILES)}")
    return profile


def service_class(name: str) -> type[Service]:
    for cls in SERVICES:
        if cls.name == name:
            return cls
    raise ConfigError(f"unknown service '{name}': choose one of {', '.join(service_names())}")


def resolve(ctx: Context, profile: str) -> list[Service]:
    """The profile's services, instantiated, in dependency order (dependencies first)."""
    check_profile(profile)
    chosen = [cls for cls in SERVICES if profile in cls.profiles]
    names = {cls.name for cls in chosen}
    ordered: list[type[Service]] = []

    def visit(cls: type[Service], trail: tuple[str, ...]) -> None:
        if cls in ordered:
            return
        if cls.name in trail:
            raise ConfigError(f"dependency cycle: {' -> '.join((*trail, cls.name))}")
        for dep in cls.depends_on:
            if dep in names:
                visit(service_class(dep), (*trail, cls.name))
        ordered.append(cls)

    for cls in chosen:
        visit(cls, ())
    services = [cls(ctx) for cls in ordered]
    for service in services:
        service.peers = services
    return services
