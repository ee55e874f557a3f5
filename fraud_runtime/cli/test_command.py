"""`fraudctl test`: set up, then run pytest; session fixtures start the real services the tests need."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

import typer
from rich.console import Console

from fraud_runtime.context import Context
from fraud_runtime.install.setup import run_setup
from fraud_runtime.lifecycle import Platform

TIERS = ("unit", "integration", "e2e")


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(test)


def test(
    ctx: typer.Context,
    tier: Annotated[
        str | None, typer.Option("--tier", "-t", help=f"Run one tier only: {' | '.join(TIERS)} (default: all).")
    ] = None,
    keep_running: Annotated[
        bool, typer.Option(help="Leave the services the tests started running afterwards.")
    ] = False,
) -> None:
    """Install what is missing, then run the test suite (unit, integration, e2e) against real services.

    Extra arguments go to pytest, e.g. `./fraudctl test -- -k kafka -x`.
    """
    if tier and tier not in TIERS:
        raise typer.BadParameter(f"unknown tier '{tier}': choose one of {', '.join(TIERS)}", param_hint="--tier")
    context = Context.load()
    console = Console()
    if tier != "unit":
        run_setup(context, console)
    platform = Platform(context)
    was_running = platform.supervisor.is_running()
    argv = [sys.executable, "-m", "pytest", *marker_args(tier, ctx.args), *ctx.args]
    env = {**os.environ, "FRAUD_ROOT": str(context.paths.root)}
    code = subprocess.call(argv, cwd=context.paths.root, env=env)
    if not was_running and not keep_running:
        platform.down(lambda name, event: None)
    if code == 5:  # pytest: no test collected — that is a failure of the suite, say it plainly
        console.print("[red]no test was collected[/]")
    raise typer.Exit(code)


def marker_args(tier: str | None, extra: list[str]) -> list[str]:
    """``-m`` for pytest: the tier (or every tier) without the long fault variants, which `fraudctl benchmark
    faults` runs; none when the extra arguments choose markers themselves."""
    if any(arg == "-m" or (arg.startswith("-m") and len(arg) > 2) for arg in extra):
        return []
    return ["-m", f"{tier} and not faults" if tier else "not faults"]
