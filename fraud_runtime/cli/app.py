"""`fraudctl`: the platform's CLI. Every command has --help; expected failures print one line and exit
non-zero (see fraud_runtime.errors)."""

from __future__ import annotations

import logging
import sys

import click
import typer
from rich.console import Console

from fraud_platform.config import default_root
from fraud_platform.errors import FraudError
from fraud_platform.logs import configure_logging
from fraud_platform.paths import env_example, env_file
from fraud_runtime.cli import (
    bench_command,
    model_commands,
    passthrough,
    platform_commands,
    stream_commands,
    test_command,
)
from fraud_runtime.envfile import ensure_env_file

app = typer.Typer(
    name="fraudctl",
    help="Install, run and test the Fraud Lambda Platform (Kafka, Cassandra, HDFS, Hive, Spark, Airflow, ...).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
platform_commands.register(app)
test_command.register(app)
passthrough.register(app)
stream_commands.register(app)
bench_command.register(app)
model_commands.register(app)


def prepare_env_file() -> None:
    """Setup's first step, before any command reads settings: `.env` exists (secrets generated, mode 0600)."""
    root = default_root()
    ensure_env_file(env_file(root), env_example(root))


def main() -> None:
    configure_logging()
    # Probes retry while engines boot: the drivers' own connection-refused tracebacks are noise here.
    for noisy in ("cassandra", "kafka", "thrift", "pyhive"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    command = typer.main.get_command(app)
    try:
        prepare_env_file()
        command(prog_name="fraudctl")
    except FraudError as exc:
        Console(stderr=True).print(f"[bold red]fraudctl: error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:  # pragma: no cover - click's own exit path
        sys.exit(exc.exit_code)
