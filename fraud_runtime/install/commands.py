"""Running an install command with its output in a log file, failing with one line that says what to do."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from fraud_runtime.errors import InstallError


def run_logged(argv: Sequence[str], log: Path, *, hint: str, env: dict[str, str] | None = None) -> None:
    """Run `argv`, appending its output to `log`; raise InstallError(hint + log path) when it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"$ {' '.join(argv)}\n")
        out.flush()
        try:
            result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
        except FileNotFoundError as exc:
            raise InstallError(f"{argv[0]} is not installed: {hint}") from exc
    if result.returncode != 0:
        raise InstallError(f"{hint} (command failed: {' '.join(argv[:3])}…; see {log})")
