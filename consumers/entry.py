"""What both consumers' ``main`` share: settings read once, logging, metrics server, endpoints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from consumers import metrics as metrics_mod
from fraud_runtime.context import Context
from fraud_runtime.logs import configure_logging
from fraud_runtime.settings import Settings


@dataclass(frozen=True)
class Endpoints:
    kafka: str
    cassandra_points: tuple[str, ...]
    cassandra_port: int
    webhdfs_url: str
    hdfs_user: str


def endpoints(settings: Settings) -> Endpoints:
    """Engine endpoints from settings: the configured cluster, or the local engines on the bind host."""
    host = settings.platform.bind_host
    k, c, h = settings.kafka, settings.cassandra, settings.hdfs
    points = tuple(p.strip() for p in (c.contact_points or host).split(",") if p.strip())
    return Endpoints(
        kafka=k.bootstrap_servers or f"{host}:{k.port}",
        cassandra_points=points,
        cassandra_port=c.port,
        webhdfs_url=h.webhdfs_url or f"http://{host}:{h.http_port}",
        hdfs_user=h.user,
    )


def start(consumer: str, metrics_port: int | None) -> tuple[Settings, Endpoints, metrics_mod.Metrics]:
    """Entry-point set-up: logging, settings (read once), metrics served on ``metrics_port``."""
    configure_logging()
    import logging

    logging.getLogger("kafka").setLevel(logging.ERROR)  # its own reconnect chatter; errors still shown
    settings = Context.load().settings
    m = metrics_mod.Metrics(consumer)
    port = metrics_port or (settings.stream.scorer_metrics_port if consumer == "scorer"
                            else settings.stream.persister_metrics_port)
    metrics_mod.start(m, settings.platform.bind_host, port)
    return settings, endpoints(settings), m


def on_retry(metrics: metrics_mod.Metrics, watchdog: Any) -> Callable[[], None]:
    """What a failing write's retry does: count it, and tell the watchdog the loop is alive (waiting for
    Cassandra is not a stall)."""

    def retried() -> None:
        metrics.retried()
        watchdog.beat()

    return retried
