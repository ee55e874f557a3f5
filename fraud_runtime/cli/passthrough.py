"""`fraudctl airflow …` and `fraudctl superset …`: their CLIs, run in their own venvs."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from fraud_runtime.context import Context
from fraud_runtime.errors import InstallError

PASS = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def register(app: typer.Typer) -> None:
    app.command(context_settings=PASS, help="Run the Airflow CLI in its venv (e.g. `fraudctl airflow dags list`).")(
        airflow
    )
    app.command(context_settings=PASS, help="Run the Superset CLI in its venv.")(superset)


def _exec(tool: str, args: list[str]) -> None:
    ctx = Context.load()
    binary = ctx.artifacts.venv_bin(tool, tool)
    if not binary.exists():
        raise InstallError(f"{tool} is not installed yet: run `./fraudctl setup`")
    env = {**os.environ, **tool_environment(ctx, tool)}
    os.execve(binary, [tool, *args], env)


def tool_environment(ctx: Context, tool: str) -> dict[str, str]:
    """Environment the tool needs (its home under the state dir); later issues extend it."""
    home = ctx.paths.state / tool
    return {f"{tool.upper()}_HOME": str(home)} if tool == "airflow" else {"SUPERSET_HOME": str(home)}


def airflow(args: Annotated[list[str] | None, typer.Argument(help="Arguments for `airflow`.")] = None) -> None:
    _exec("airflow", args or [])


def superset(args: Annotated[list[str] | None, typer.Argument(help="Arguments for `superset`.")] = None) -> None:
    _exec("superset", args or [])
