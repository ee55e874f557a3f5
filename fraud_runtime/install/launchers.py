"""Small Java classes of the platform's own (jvm/<name>/*.java), compiled with javac against the jars pyspark
ships, into the cache keyed by the source: the metastore's launcher and HiveServer2's password check."""

from __future__ import annotations

import shutil
from pathlib import Path

from fraud_runtime.install.artifacts import Artifacts
from fraud_runtime.install.commands import run_logged

LAUNCHERS = ("hms-loopback", "hs2-auth")


def is_installed(artifacts: Artifacts, name: str) -> bool:
    return (artifacts.launcher_dir(name) / ".complete").exists()


def install(artifacts: Artifacts, name: str, log: Path) -> None:
    target = artifacts.launcher_dir(name)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    sources = [str(path) for path in artifacts.launcher_sources(name)]
    classpath = str(artifacts.spark_home / "jars" / "*")
    run_logged(
        ["javac", "-nowarn", "-cp", classpath, "-d", str(staging / "classes"), *sources],
        log,
        hint=f"javac could not compile the {name} launcher: a JDK 17+ (not only a JRE) is required",
    )
    (staging / ".complete").touch()
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
