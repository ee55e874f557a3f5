"""Go tools built with `go install` into the cache (statsd_exporter)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from fraud_runtime.install.artifacts import STATSD_EXPORTER_VERSION, Artifacts
from fraud_runtime.install.commands import run_logged

STATSD_EXPORTER_MODULE = "github.com/prometheus/statsd_exporter"


def is_installed(artifacts: Artifacts) -> bool:
    return artifacts.statsd_exporter.exists()


def install(artifacts: Artifacts, log: Path) -> None:
    with tempfile.TemporaryDirectory() as gobin:
        env = {**os.environ, "GOBIN": gobin}
        run_logged(
            ["go", "install", f"{STATSD_EXPORTER_MODULE}@{STATSD_EXPORTER_VERSION}"],
            log,
            hint="go install of statsd_exporter failed: check access to the Go module proxy",
            env=env,
        )
        artifacts.statsd_exporter.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(gobin) / "statsd_exporter"), artifacts.statsd_exporter)
