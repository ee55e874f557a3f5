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
    """Environment the tool needs: for Airflow the very configuration its services run with."""
    if tool == "airflow":
        from fraud_runtime.airflow_config import airflow_environment, prepare_airflow_home

        prepare_airflow_home(ctx)
        return airflow_environment(ctx)
    return {"SUPERSET_HOME": str(ctx.paths.state / tool)}


def airflow(args: Annotated[list[str] | None, typer.Argument(help="Arguments for `airflow`.")] = None) -> None:
    _exec("airflow", args or [])


def superset(args: Annotated[list[str] | None, typer.Argument(help="Arguments for `superset`.")] = None) -> None:
    _exec("superset", args or [])
