"""The stream producer process: simulated (or replayed) transactions to `transaction_topic`, labels to
`fraud_labels`. `./fraudctl stream` is this command; the `stream-producer` service runs it on the live clock
(`python -m consumers.stream_producer --metrics-port …`). The publishing logic is in
`consumers.producer`; this module is its entry: options, settings, Kafka client, signals, metrics.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from fraud_platform.errors import ConfigError, FraudError

if TYPE_CHECKING:
    from fraud_domain.simulator import SimulatorConfig

console = Console(stderr=True)
Seed = Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")]
Customers = Annotated[int, typer.Option(min=1, help="Simulated customers.")]
Terminals = Annotated[int, typer.Option(min=1, help="Simulated terminals.")]
Days = Annotated[int, typer.Option(min=1, help="Simulated days.")]
Start = Annotated[str, typer.Option(help="First simulated day (YYYY-MM-DD).")]
SEED, CUSTOMERS, TERMINALS, DAYS, START = 0, 5000, 10000, 183, "2018-04-01"  # the command's (and service's) defaults
HandbookOnly = Annotated[bool, typer.Option(help="Only the handbook's fraud scenarios (no extra patterns).")]


def simulator_config(seed: int, customers: int, terminals: int, days: int, start: str, handbook_only: bool,
                     label_delay_seconds: int | None = None) -> SimulatorConfig:
    """The simulator's configuration from command-line values (a bad date is one clear error)."""
    from fraud_domain.simulator import SimulatorConfig  # numpy/pandas: loaded when a command runs, not for --help

    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise ConfigError(f"--start-date {start!r} is not a YYYY-MM-DD date") from None
    make = SimulatorConfig.handbook if handbook_only else SimulatorConfig
    config = make(seed=seed, n_customers=customers, n_terminals=terminals, n_days=days, start_date=first)
    if label_delay_seconds is None:
        return config
    return dataclasses.replace(config, label_delay=timedelta(seconds=label_delay_seconds))


def service_bank_config(rate: float, label_delay_seconds: int | None) -> SimulatorConfig:
    """The live bank the `stream-producer` service runs at ``rate`` (this command's defaults): what a benchmark
    re-draws to know the live stream's frauds."""
    from fraud_domain.simulator.live import bank_for_rate

    return bank_for_rate(rate, simulator_config(SEED, CUSTOMERS, TERMINALS, DAYS, START, False, label_delay_seconds))


def stream(
    count: Annotated[int | None, typer.Option(help="Publish exactly N transactions, then exit; "
                                              "without it run until stopped (live clock).")] = None,
    rate: Annotated[float | None, typer.Option(help="Mean tx/s. A replay: Poisson arrivals (default: as fast as "
                                               "possible). Live: the bank is sized so that its customers, each at "
                                               "the handbook's pace, make this rate over a day (default "
                                               "STREAM_RATE); --customers/--terminals give its density.")] = None,
    seed: Seed = SEED, customers: Customers = CUSTOMERS, terminals: Terminals = TERMINALS, days: Days = DAYS,
    start_date: Start = START, handbook_only: HandbookOnly = False,
    replay: Annotated[Path | None, typer.Option(help="Replay a handbook-layout CSV/Parquet file instead.")] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Serve Prometheus metrics (records published) "
                                                     "on this port.")] = None,
) -> None:
    """Publish simulated transactions to transaction_topic (key = customer) and labels to fraud_labels."""
    # pandas, numpy and the Kafka client load when the command runs: `fraudctl --help` stays fast.
    from consumers import entry, kafka_io, producer
    from consumers.metrics import ProducerMetrics
    from fraud_domain import topics
    from fraud_domain.simulator import iter_events, simulate
    from fraud_domain.simulator.live import LiveBank, bank_for_rate
    from fraud_domain.tokenise import Tokeniser

    if count is not None and count < 0:
        raise ConfigError(f"--count must be >= 0 (got {count})")
    if rate is not None and rate <= 0:
        raise ConfigError(f"--rate must be > 0 (got {rate})")
    config = entry.configure()
    s = config.settings
    if s.tokenisation.key is None:
        raise ConfigError("TOKENISATION_KEY is not set in .env: run ./fraudctl setup")
    tokeniser = Tokeniser(s.tokenisation.key.get_secret_value().encode())
    sim_config = simulator_config(seed, customers, terminals, days, start_date, handbook_only,
                                  s.stream.label_delay_seconds)
    live = count is None and replay is None
    rejected: Counter[str] = Counter()
    if replay is not None:
        try:
            sim = producer.replay_simulation(producer.read_dataset(replay), sim_config)
        except (ValueError, OSError) as exc:
            raise ConfigError(f"--replay: {exc}") from None
        pairs = iter_events(sim, tokeniser, rejected)  # a row the schema rejects is skipped and counted
    elif count is None:  # live
        if sim_config.start_date > datetime.now(UTC).date():
            raise ConfigError(f"--start-date {start_date} is in the future: the live bank's first day must have begun")
        bank = LiveBank(bank_for_rate(rate if rate is not None else s.stream.rate, sim_config))
        console.print(f"live bank: {bank.config.n_customers:,} customers, {bank.config.n_terminals:,} terminals")
    else:
        sim = simulate(sim_config)
        if len(sim.transactions) < count:
            raise ConfigError(f"--count {count} exceeds the simulation's {len(sim.transactions):,} "
                              "transactions: raise --days or --customers")
        pairs = iter_events(sim, tokeniser)
    on_sent: Callable[[str], None] = lambda topic: None  # noqa: E731
    if metrics_port:
        metrics = ProducerMetrics()
        entry.serve_metrics(metrics, s, metrics_port)
        on_sent = metrics.published
    # A replay or a simulated backlog names its source: the scorer keeps its clock and histories apart from
    # the live stream's (same ids, another era), so it is scored as the batch job would score it.
    source = None if live else (f"replay:{replay.name}" if replay is not None else f"simulation:seed{seed}")
    named = [(topics.SOURCE_HEADER, source.encode())] if source else None
    tx_headers = lambda topic: named if topic == topics.TRANSACTIONS else None  # noqa: E731
    kafka = kafka_io.producer(config.endpoints.kafka, access=config.endpoints.kafka_access("producer"),
                              client_id="fraudctl-stream", client=s.kafka.client,
                              delivery_timeout_ms=s.kafka.delivery_timeout_ms)
    stopping: list[bool] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    send = lambda t, k, v: kafka.send(t, key=k, value=v, headers=tx_headers(t))  # noqa: E731
    try:
        if live:
            done = producer.publish_live(bank, tokeniser, send, topics=(topics.TRANSACTIONS, topics.LABELS),
                                         stop=lambda: bool(stopping), on_sent=on_sent)
        else:
            done = producer.publish(pairs, send, count=count, rate=rate, topics=(topics.TRANSACTIONS, topics.LABELS),
                                    seed=seed, stop=lambda: bool(stopping), on_sent=on_sent)
        kafka.flush()
    finally:
        kafka.close()
    console.print(f"published {done.events:,} transactions and {done.labels:,} labels")
    if rejected:
        console.print(f"skipped {sum(rejected.values()):,} rows the event schema rejects (with their labels), by "
                      f"field: {', '.join(f'{field} {n:,}' for field, n in rejected.most_common())}")


def main() -> None:
    try:
        typer.run(stream)
    except FraudError as exc:
        console.print(f"[bold red]stream-producer: error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
