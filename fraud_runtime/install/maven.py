"""JVM engines: `mvn dependency:copy-dependencies` of jvm/<engine>/pom.xml into the cache, keyed by the pom."""

from __future__ import annotations

import shutil
from pathlib import Path

from fraud_runtime.install.artifacts import Artifacts
from fraud_runtime.install.commands import run_logged


def is_installed(artifacts: Artifacts, engine: str) -> bool:
    return (artifacts.jvm_dir(engine) / ".complete").exists()


def install(artifacts: Artifacts, engine: str, log: Path) -> None:
    target = artifacts.jvm_dir(engine)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    run_logged(
        [
            "mvn", "-B", "-q", "-f", str(artifacts.pom(engine)),
            "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={staging / 'lib'}",
        ],
        log,
        hint=f"Maven could not resolve the {engine} jars: check access to Maven Central",
    )
    (staging / ".complete").touch()
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
