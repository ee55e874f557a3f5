"""simulate, stream: the simulated dataset to a file, and the simulated transaction stream to Kafka."""

from __future__ import annotations

import signal
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fraud_runtime.context import Context
from fraud_runtime.errors import ConfigError

console = Console(stderr=True)
Seed = Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")]
Customers = Annotated[int, typer.Option(min=1, help="Simulated customers.")]
Terminals = Annotated[int, typer.Option(min=1, help="Simulated terminals.")]
Days = Annotated[int, typer.Option(min=1, help="Simulated days.")]
Start = Annotated[str, typer.Option(help="First simulated day (YYYY-MM-DD).")]
HandbookOnly = Annotated[bool, typer.Option(help="Only the handbook's fraud scenarios (no extra patterns).")]


def register(app: typer.Typer) -> None:
    app.command()(simulate)
    app.command()(stream)


def _config(seed: int, customers: int, terminals: int, days: int, start: str, handbook_only: bool,
            label_delay_seconds: int | None = None):
    from fraud_domain.simulator import SimulatorConfig

    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise ConfigError(f"--start-date {start!r} is not a YYYY-MM-DD date") from None
    extra = {} if label_delay_seconds is None else {"label_delay": timedelta(seconds=label_delay_seconds)}
    make = SimulatorConfig.handbook if handbook_only else SimulatorConfig
    return make(seed=seed, n_customers=customers, n_terminals=terminals, n_days=days, start_date=first, **extra)


def simulate(
    out: Annotated[Path, typer.Argument(help="Output file: .csv or .parquet (handbook column layout).")],
    seed: Seed = 0, customers: Customers = 5000, terminals: Terminals = 10000, days: Days = 183,
    start_date: Start = "2018-04-01", handbook_only: HandbookOnly = False,
) -> None:
    """Write the simulated transactions (handbook layout + DEVICE_SLOT), deterministic for a seed."""
    from fraud_domain.simulator import simulate as run

    if out.suffix not in (".csv", ".parquet"):
        raise ConfigError(f"{out}: the output must end in .csv or .parquet")
    if not out.parent.is_dir():
        raise ConfigError(f"{out.parent}: no such directory")
    sim = run(_config(seed, customers, terminals, days, start_date, handbook_only))
    frame = sim.transactions
    if out.suffix == ".csv":
        frame.to_csv(out, index=False, date_format="%Y-%m-%d %H:%M:%S")
    else:
        frame.to_parquet(out, index=False)
    console.print(f"{len(frame):,} transactions ({int(frame['TX_FRAUD'].sum()):,} fraudulent) -> {out}")


def stream(
    count: Annotated[int | None, typer.Option(help="Publish exactly N transactions, then exit; "
                                              "without it run until stopped (live clock).")] = None,
    rate: Annotated[float | None, typer.Option(help="Mean tx/s, Poisson arrivals (default: as fast as "
                                               "possible with --count, STREAM_RATE otherwise).")] = None,
    seed: Seed = 0, customers: Customers = 5000, terminals: Terminals = 10000, days: Days = 183,
    start_date: Start = "2018-04-01", handbook_only: HandbookOnly = False,
    replay: Annotated[Path | None, typer.Option(help="Replay a handbook-layout CSV/Parquet file instead.")] = None,
    seasonal: Annotated[bool | None, typer.Option(help="Live stream: daily/weekly rhythm around the rate "
                                                  "(default STREAM_SEASONALITY).")] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Serve Prometheus metrics (records published) "
                                                     "on this port.")] = None,
) -> None:
    """Publish simulated transactions to transaction_topic (key = customer) and labels to fraud_labels."""
    from consumers import kafka_io, producer
    from fraud_domain import topics
    from fraud_domain.simulator import iter_events
    from fraud_domain.simulator import simulate as run
    from fraud_domain.tokenise import Tokeniser

    if count is not None and count < 0:
        raise ConfigError(f"--count must be >= 0 (got {count})")
    if rate is not None and rate <= 0:
        raise ConfigError(f"--rate must be > 0 (got {rate})")
    ctx = Context.load()
    s = ctx.settings
    if s.tokenisation.key is None:
        raise ConfigError("TOKENISATION_KEY is not set in .env: run ./fraudctl setup")
    tokeniser = Tokeniser(s.tokenisation.key.get_secret_value().encode())
    config = _config(seed, customers, terminals, days, start_date, handbook_only, s.stream.label_delay_seconds)
    live = count is None and replay is None
    if replay is not None:
        try:
            sim = producer.replay_simulation(producer.read_dataset(replay), config)
        except (ValueError, OSError) as exc:
            raise ConfigError(f"--replay: {exc}") from None
        pairs = iter_events(sim, tokeniser)
    elif live:
        pairs = producer.live_pairs(config, tokeniser)
    else:
        sim = run(config)
        if len(sim.transactions) < count:
            raise ConfigError(f"--count {count} exceeds the simulation's {len(sim.transactions):,} "
                              "transactions: raise --days or --customers")
        pairs = iter_events(sim, tokeniser)
    on_sent = _published_counter(s.platform.bind_host, metrics_port) if metrics_port else (lambda topic: None)
    bootstrap = s.kafka.bootstrap_servers or f"{s.platform.bind_host}:{s.kafka.port}"
    kafka = kafka_io.producer(bootstrap, client_id="fraudctl-stream")
    stopping: list[bool] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    try:
        done = producer.publish(pairs, lambda t, k, v: kafka.send(t, key=k, value=v), count=count,
                                rate=rate if rate is not None else (s.stream.rate if live else None), live=live,
                                topics=(topics.TRANSACTIONS, topics.LABELS), seed=seed, stop=lambda: bool(stopping),
                                seasonal=live and (s.stream.seasonality if seasonal is None else seasonal),
                                on_sent=on_sent)
        kafka.flush()
    finally:
        kafka.close()
    console.print(f"published {done.events:,} transactions and {done.labels:,} labels")


def _published_counter(host: str, port: int):
    """Serve the producer's metrics (``consumers.metrics.ProducerMetrics``) on ``host:port``; returns the
    per-record hook."""
    from consumers.metrics import ProducerMetrics, start

    metrics = ProducerMetrics()
    try:
        start(metrics, host, port)
    except OSError as exc:
        raise ConfigError(f"--metrics-port {port}: cannot listen on {host}:{port} ({exc.strerror})") from None
    return metrics.published
