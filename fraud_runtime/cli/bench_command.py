"""`fraudctl benchmark SUITE [ARGS…]`: run one of the scripts in `bench/` with the platform venv's python.

The suites measure against the running platform and print Markdown rows for BENCHMARKS.md; each has its
own `--help` (e.g. `fraudctl benchmark stream --help`). Benchmarks are never pass/fail tests.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from fraud_platform.errors import ConfigError
from fraud_runtime.context import Context

PASS = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def suites(ctx: Context) -> list[str]:
    return sorted(p.stem for p in (ctx.paths.root / "bench").glob("*.py") if not p.stem.startswith("_"))


def register(app: typer.Typer) -> None:
    app.command(context_settings=PASS, help="Run a benchmark suite from bench/ (stream, model, batch, runtime, "
                                            "transactions_api, faults); `fraudctl benchmark SUITE --help` for its "
                                            "options.")(benchmark)


def benchmark(args: Annotated[list[str] | None, typer.Argument(help="SUITE then its arguments.")] = None) -> None:
    ctx = Context.load()
    available = suites(ctx)
    if not args or args[0] in ("-h", "--help"):
        typer.echo("Usage: fraudctl benchmark SUITE [ARGS…]\n\nRun bench/SUITE.py against the running platform "
                   f"(results as Markdown rows for BENCHMARKS.md).\nSuites: {', '.join(available)}")
        raise typer.Exit(0 if args else 2)
    suite, rest = args[0], args[1:]
    if suite not in available:
        raise ConfigError(f"unknown benchmark suite '{suite}': choose one of {', '.join(available)}")
    root = str(ctx.paths.root)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
           "FRAUD_ROOT": root}
    os.chdir(root)
    os.execve(sys.executable, [sys.executable, str(ctx.paths.root / "bench" / f"{suite}.py"), *rest], env)
