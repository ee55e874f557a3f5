"""System prerequisites: a JDK ≥ 17, Maven, Go, Prometheus, process-exporter and Chromium from Debian's
packages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fraud_runtime.errors import InstallError
from fraud_runtime.install.commands import run_logged


@dataclass(frozen=True)
class Requirement:
    command: str
    package: str  # Debian package providing it
    why: str


REQUIREMENTS = (
    Requirement("java", "openjdk-17-jdk-headless", "the JVM engines (Kafka, Cassandra, HDFS, Hive, Spark)"),
    Requirement("javac", "openjdk-17-jdk-headless", "compiling the platform's own Java classes (jvm/)"),
    Requirement("mvn", "maven", "resolving the JVM engines' jars"),
    Requirement("go", "golang-go", "building statsd_exporter and Alertmanager"),
    Requirement("prometheus", "prometheus", "metrics"),
    Requirement("prometheus-process-exporter", "prometheus-process-exporter", "per-process metrics"),
    Requirement("chromium", "chromium", "headless browser checks and screenshots of the web pages"),
    Requirement("chromedriver", "chromium-driver", "driving that browser (Selenium)"),
)


def missing() -> list[Requirement]:
    return [req for req in REQUIREMENTS if shutil.which(req.command) is None]


def java_major() -> int:
    out = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', out)
    return int(match.group(1)) if match else 0


def install(log: Path) -> None:
    """apt-get the missing packages when we can (root + apt); otherwise say exactly what to install."""
    needed = missing()
    if needed:
        packages = " ".join(req.package for req in needed)
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            what = ", ".join(f"{req.command} (for {req.why})" for req in needed)
            raise InstallError(f"missing {what}: install the packages {packages} and run setup again")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        hint = f"apt-get could not install {packages}: check the network or install them by hand"
        run_logged(["apt-get", "update", "-q"], log, hint=hint, env=env)
        argv = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages.split()]
        run_logged(argv, log, hint=hint, env=env)
    if java_major() < 17:
        raise InstallError("Java 17 or newer is required (Spark 4, Kafka 4): install openjdk-17-jdk-headless")
