"""setup, up, down, status, logs, reset."""

from __future__ import annotations

import shutil
import subprocess
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from fraud_platform.errors import ConfigError
from fraud_runtime.context import Context
from fraud_runtime.install.setup import run_setup
from fraud_runtime.lifecycle import Platform, ServiceStatus, status_json
from fraud_runtime.services import registry
from fraud_runtime.services.base import PROFILES

console = Console()
ProfileOption = Annotated[
    str, typer.Option("--profile", "-p", help=f"Which services: {' | '.join(PROFILES)} (core = engines only).")
]


def register(app: typer.Typer) -> None:
    app.command()(setup)
    app.command()(up)
    app.command()(down)
    app.command()(stop)
    app.command()(status)
    app.command()(logs)
    app.command()(reset)


def setup() -> None:
    """Install everything the platform needs (idempotent): system packages, engine jars, Go tools, venvs."""
    ctx = Context.load()
    seconds = run_setup(ctx, console)
    console.print(f"setup complete in {seconds:.1f}s")


def up(
    profile: ProfileOption = "full",
    service: Annotated[
        list[str] | None, typer.Option("--service", "-s", help="Start only these services (and what they need).")
    ] = None,
    skip_setup: Annotated[bool, typer.Option(help="Do not run setup first.")] = False,
) -> None:
    """Set up if needed, start the services of a profile in dependency order, wait until each is healthy."""
    registry.check_profile(profile)
    for name in service or []:
        registry.service_class(name)
    ctx = Context.load()
    if not skip_setup:
        run_setup(ctx, console)
    platform = Platform(ctx)
    columns = (SpinnerColumn(), TextColumn("{task.description:<20}"), BarColumn(), TextColumn("{task.fields[state]}"),
               TimeElapsedColumn())
    only = set(service) if service else None
    services = platform.selection(profile, only)  # a bar for each service this `up` brings up, no other
    with Progress(*columns, console=console) as progress:
        tasks = {s.name: progress.add_task(s.name, total=1, state="queued") for s in services}
        steps = ("initialising", "starting", "waiting", "bootstrapping", "ready")

        def report(name: str, event: str) -> None:
            progress.update(tasks[name], state=event, completed=(steps.index(event) + 1) / len(steps))

        rows = platform.up(profile, report, only=only)
    _print_table(rows)


def down() -> None:
    """Stop every service cleanly (state is kept: `up` resumes where it stopped)."""
    platform = Platform(Context.load())
    platform.down(lambda name, event: console.print(f"{name}: {event}"))
    console.print("platform stopped")


def stop(
    services: Annotated[list[str], typer.Argument(help="Service names, e.g. scorer persister.", show_default=False)],
) -> None:
    """Stop services and keep them down (no supervisor restart) until the next `up`, e.g. for maintenance or
    to see the alerts fire."""
    platform = Platform(Context.load())
    platform.stop(services, lambda name, event: console.print(f"{name}: {event}"))


def status(json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Health, pid and URL of every service of the running profile, then the champion model and what the
    scorer serves, then the live figures: tx/s, lag, p99 latency, firing alerts, the last DAG run (exit 1 when
    a service is unhealthy)."""
    from fraud_runtime.live_status import live_figures
    from fraud_runtime.model_status import model_status

    ctx = Context.load()
    rows = Platform(ctx).status()
    model = model_status(ctx)
    live = live_figures(ctx)
    if json:
        print(status_json(rows, model.as_json(), live.as_json()))
    else:
        _print_table(rows)
        console.print(model.line(), highlight=False)
        console.print(live.line(), highlight=False)
    if not all(row.healthy for row in rows):
        raise typer.Exit(1)


def logs(
    service: Annotated[str, typer.Argument(help="A service name, e.g. kafka.")],
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines.")] = False,
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many last lines.")] = 100,
) -> None:
    """Print the log of one service."""
    registry.service_class(service)
    log = Context.load().paths.service_log(service)
    if not log.exists():
        raise ConfigError(f"{service} has no log yet ({log}): has it been started with `fraudctl up`?")
    argv = ["tail", "-n", str(lines), *(["-F"] if follow else []), str(log)]
    raise typer.Exit(subprocess.call(argv))


def reset(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: delete all data, logs and configs.")] = False,
) -> None:
    """Stop the platform and wipe its state directory (data, logs, rendered configs). Needs --yes."""
    if not yes:
        raise ConfigError("reset deletes every Kafka message, Cassandra row and HDFS file: pass --yes to confirm")
    ctx = Context.load()
    Platform(ctx).down(lambda name, event: None)
    shutil.rmtree(ctx.paths.state, ignore_errors=True)
    console.print(f"removed {ctx.paths.state}")


def _print_table(rows: list[ServiceStatus]) -> None:
    table = Table(title="Fraud Lambda Platform")
    for column in ("service", "health", "pid", "url"):
        table.add_column(column)
    for row in rows:
        health = "[green]healthy[/]" if row.healthy else f"[red]down[/] {row.detail[:60]}"
        pid = "external" if row.external else str(row.pid or "-")
        table.add_row(row.name, health, pid, row.url)
    console.print(table)
