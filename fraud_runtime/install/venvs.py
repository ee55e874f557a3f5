"""Per-tool venvs (Airflow, Superset): `uv pip sync` of requirements/<name>.lock into the cache."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from fraud_runtime.install.artifacts import Artifacts
from fraud_runtime.install.commands import run_logged


def is_installed(artifacts: Artifacts, name: str) -> bool:
    return (artifacts.venv(name) / ".complete").exists()


def install(artifacts: Artifacts, name: str, log: Path) -> None:
    uv = os.environ.get("FRAUD_UV") or shutil.which("uv") or "uv"
    venv = artifacts.venv(name)
    shutil.rmtree(venv, ignore_errors=True)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    hint = f"could not build the {name} venv from {artifacts.lock(name).name}: check access to PyPI"
    run_logged([uv, "venv", "-q", "--python", python, str(venv)], log, hint=hint)
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    run_logged([uv, "pip", "sync", "-q", str(artifacts.lock(name))], log, hint=hint, env=env)
    (venv / ".complete").touch()
