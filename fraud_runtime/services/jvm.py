"""Base of the JVM engines: java command line with heap, JDK 17 module openings, the Prometheus JMX
exporter agent, a classpath from the engine's Maven lib dir, and a main class."""

from __future__ import annotations

from typing import ClassVar

from fraud_runtime.services.base import Program, Service

# The packages the Hadoop/Cassandra/Kafka/Spark code reaches into reflectively on JDK 17.
JDK17_OPENS = (
    "java.base/java.lang",
    "java.base/java.lang.invoke",
    "java.base/java.lang.reflect",
    "java.base/java.io",
    "java.base/java.net",
    "java.base/java.nio",
    "java.base/java.util",
    "java.base/java.util.concurrent",
    "java.base/java.util.concurrent.atomic",
    "java.base/sun.nio.ch",
    "java.base/sun.nio.cs",
    "java.base/sun.security.action",
    "java.base/sun.util.calendar",
    "java.security.jgss/sun.security.krb5",
)


class JvmService(Service):
    engine: ClassVar[str]  # Maven lib dir under jvm/<engine>
    main_class: ClassVar[str]
    jmx_rules: ClassVar[str] = "default.yaml"  # file under monitoring/jmx/

    def heap(self) -> str:
        raise NotImplementedError

    def jmx_exporter_port(self) -> int | None:
        return None

    def jvm_options(self) -> list[str]:
        return []

    def classpath(self) -> list[str]:
        return [str(self.conf_dir), self.artifacts.jvm_classpath(self.engine)]

    def main_args(self) -> list[str]:
        return []

    def env(self) -> dict[str, str]:
        return {}

    def java_command(self, main_class: str, args: list[str], *, agent: bool = True) -> list[str]:
        argv = [str(self.artifacts.java), f"-Xms{self.heap()}", f"-Xmx{self.heap()}", "-XX:+UseG1GC"]
        argv += ["-XX:+ExitOnOutOfMemoryError", "-Djava.net.preferIPv4Stack=true", "-Duser.timezone=UTC"]
        argv += [f"--add-opens={opened}=ALL-UNNAMED" for opened in JDK17_OPENS]
        argv += self.jvm_options()
        port = self.jmx_exporter_port()
        if agent and port:
            rules = self.paths.root / "monitoring" / "jmx" / self.jmx_rules
            argv.append(f"-javaagent:{self.artifacts.jmx_agent}={self.host}:{port}:{rules}")
        return [*argv, "-cp", ":".join(self.classpath()), main_class, *args]

    def program(self) -> Program:
        return Program(argv=self.java_command(self.main_class, self.main_args()), env=self.env(), cwd=self.data_dir)

    def metrics_targets(self) -> list[str]:
        port = self.jmx_exporter_port()
        return [f"{self.host}:{port}"] if port and not self.external else []
