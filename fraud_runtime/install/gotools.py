"""Go tools built with `go install` of a pinned release into the cache (statsd_exporter, Alertmanager)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from fraud_runtime.install.artifacts import GO_TOOLS, Artifacts
from fraud_runtime.install.commands import run_logged


def is_installed(artifacts: Artifacts, name: str) -> bool:
    return artifacts.go_tool(name).exists()


def install(artifacts: Artifacts, name: str, log: Path) -> None:
    module, version = GO_TOOLS[name]
    with tempfile.TemporaryDirectory() as gobin:
        env = {**os.environ, "GOBIN": gobin}
        run_logged(
            ["go", "install", f"{module}@{version}"],
            log,
            hint=f"go install of {name} failed: check access to the Go module proxy",
            env=env,
        )
        target = artifacts.go_tool(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(gobin) / name), target)
