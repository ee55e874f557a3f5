"""Where installed artifacts live. Everything is keyed by the hash of the file that defines it (a pom, a
lock file, a version), so a fresh clone finds its jars and venvs in the shared cache in seconds."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from fraud_platform.spark import spark_home

JVM_ENGINES = ("kafka", "cassandra", "hadoop", "spark-extras", "agents")
VENVS = ("airflow", "superset")
# binary -> (module path of its main package, pinned release), built with `go install`. Alertmanager stays on
# v0.31: from v0.32 its web UI is a build output the module does not contain, so `go install` cannot build it.
GO_TOOLS = {
    "statsd_exporter": ("github.com/prometheus/statsd_exporter", "v0.31.0"),
    "alertmanager": ("github.com/prometheus/alertmanager/cmd/alertmanager", "v0.31.1"),
}
JMX_EXPORTER_JAR = "jmx_prometheus_javaagent-1.0.1.jar"


def file_key(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class Artifacts:
    root: Path
    cache: Path

    def pom(self, engine: str) -> Path:
        return self.root / "jvm" / engine / "pom.xml"

    def jvm_dir(self, engine: str) -> Path:
        return self.cache / "jvm" / f"{engine}-{file_key(self.pom(engine))}"

    def jvm_classpath(self, engine: str) -> str:
        return str(self.jvm_dir(engine) / "lib" / "*")

    def jvm_jars(self, engine: str) -> list[Path]:
        return sorted((self.jvm_dir(engine) / "lib").glob("*.jar"))

    def launcher_sources(self, name: str) -> list[Path]:
        return sorted((self.root / "jvm" / name).glob("*.java"))

    def launcher_dir(self, name: str) -> Path:
        digest = hashlib.sha256(b"".join(path.read_bytes() for path in self.launcher_sources(name)))
        return self.cache / "jvm" / f"{name}-{digest.hexdigest()[:16]}"

    def launcher_classpath(self, name: str) -> str:
        return str(self.launcher_dir(name) / "classes")

    @property
    def jmx_agent(self) -> Path:
        return self.jvm_dir("agents") / "lib" / JMX_EXPORTER_JAR

    def lock(self, venv: str) -> Path:
        return self.root / "requirements" / f"{venv}.lock"

    def venv(self, name: str) -> Path:
        return self.cache / "venvs" / f"{name}-{file_key(self.lock(name))}"

    def venv_bin(self, name: str, program: str) -> Path:
        return self.venv(name) / "bin" / program

    @property
    def spark_home(self) -> Path:
        return spark_home()

    @property
    def spark_submit(self) -> Path:
        return self.spark_home / "bin" / "spark-submit"

    def go_tool(self, name: str) -> Path:
        return self.cache / "bin" / f"{name}-{GO_TOOLS[name][1]}"

    @property
    def statsd_exporter(self) -> Path:
        return self.go_tool("statsd_exporter")

    @property
    def alertmanager(self) -> Path:
        return self.go_tool("alertmanager")

    @staticmethod
    def system_binary(name: str) -> Path | None:
        found = shutil.which(name)
        return Path(found) if found else None

    @property
    def java(self) -> Path:
        return self.system_binary("java") or Path("/usr/bin/java")
