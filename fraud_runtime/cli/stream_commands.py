"""simulate, stream: the simulated dataset to a file, and the simulated transaction stream to Kafka (the
stream producer's own command, `consumers.stream_producer.stream`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from consumers.stream_producer import Customers, Days, HandbookOnly, Seed, Start, Terminals, simulator_config
from consumers.stream_producer import stream as stream_command
from fraud_platform.errors import ConfigError

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command()(simulate)
    app.command(name="stream")(stream_command)


def simulate(
    out: Annotated[Path, typer.Argument(help="Output file: .csv or .parquet (handbook column layout).")],
    seed: Seed = 0, customers: Customers = 5000, terminals: Terminals = 10000, days: Days = 183,
    start_date: Start = "2018-04-01", handbook_only: HandbookOnly = False,
) -> None:
    """Write the simulated transactions (handbook layout + DEVICE_SLOT), deterministic for a seed."""
    if out.suffix not in (".csv", ".parquet"):
        raise ConfigError(f"{out}: the output must end in .csv or .parquet")
    if not out.parent.is_dir():
        raise ConfigError(f"{out.parent}: no such directory")
    from fraud_domain.simulator import simulate as run  # numpy/pandas: only when the command runs

    sim = run(simulator_config(seed, customers, terminals, days, start_date, handbook_only))
    frame = sim.transactions
    if out.suffix == ".csv":
        frame.to_csv(out, index=False, date_format="%Y-%m-%d %H:%M:%S")
    else:
        frame.to_parquet(out, index=False)
    console.print(f"{len(frame):,} transactions ({int(frame['TX_FRAUD'].sum()):,} fraudulent) -> {out}")
