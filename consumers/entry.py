"""The one entry of the stream processes (scorer, persister, stream producer): settings read once,
logging, the metrics server, the engines' endpoints."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Any

from consumers import dlq
from consumers import metrics as metrics_mod
from fraud_platform.config import PlatformConfig, load_config
from fraud_platform.endpoints import Endpoints
from fraud_platform.errors import ConfigError
from fraud_platform.logs import configure_logging
from fraud_platform.settings import Settings

# CPython's collector scans the young objects every 700 container allocations, and now and then every object
# held. A consumer allocates a few containers per record and holds a large, long-lived state (the scorer's
# histories): at the default, a scorer checkpoint spent 75 % of its pause in the collector (a copy of 15k
# histories: 310 ms, 87 ms without collection). Young scans every 50,000 allocations keep cycles short-lived
# and the pauses off the hot path. The oldest generation is collected by the consumer loop, every
# ``loop.FULL_COLLECTION_SECONDS``, so no garbage waits for the 2,000th young collection.
GC_THRESHOLDS = (50_000, 20, 100)

DEFAULT_PORTS: dict[str, Callable[[Settings], int]] = {
    "scorer": lambda s: s.stream.scorer_metrics_port,
    "persister": lambda s: s.stream.persister_metrics_port,
}


def configure(config: PlatformConfig | None = None) -> PlatformConfig:
    """Logging and settings of a stream process (settings read here, once)."""
    configure_logging()
    gc.set_threshold(*GC_THRESHOLDS)
    logging.getLogger("kafka").setLevel(logging.ERROR)  # its own reconnect chatter; errors still shown
    return config or load_config()


def serve_metrics(metrics: Any, settings: Settings, port: int) -> None:
    """Serve `metrics` on the bind host; a port in use is one clear error."""
    host = settings.platform.bind_host
    try:
        metrics_mod.start(metrics, host, port)
    except OSError as exc:
        raise ConfigError(f"metrics port {port}: cannot listen on {host}:{port} ({exc.strerror})") from None


def start(consumer: str, metrics_port: int | None) -> tuple[Settings, Endpoints, metrics_mod.Metrics]:
    """A consumer's set-up: logging, settings (read once), its metrics served on ``metrics_port``."""
    config = configure()
    m = metrics_mod.Metrics(consumer)
    m.declare(dlq.CATEGORIES, models=consumer == "scorer")
    serve_metrics(m, config.settings, metrics_port or DEFAULT_PORTS[consumer](config.settings))
    return config.settings, config.endpoints, m


def on_retry(metrics: metrics_mod.Metrics, watchdog: Any) -> Callable[[], None]:
    """What a failing write's retry does: count it, and tell the watchdog the loop is alive (waiting for
    Cassandra is not a stall)."""

    def retried() -> None:
        metrics.retried()
        watchdog.beat()

    return retried
