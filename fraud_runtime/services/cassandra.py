"""Cassandra 5.0, single node, from the Maven jars; keyspace `fraud` by idempotent migrations."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace

from fraud_platform.clients import CqlNodes
from fraud_runtime.probes import CqlProbe
from fraud_runtime.services.base import Program
from fraud_runtime.services.jvm import JvmService


class Cassandra(JvmService):
    name = "cassandra"
    engine = "cassandra"
    main_class = "org.apache.cassandra.service.CassandraDaemon"
    process_pattern = r"CassandraDaemon"
    jmx_rules = "cassandra.yaml"
    ready_timeout = 180.0

    @property
    def external(self) -> bool:
        return self.endpoints.cassandra_external

    @property
    def nodes(self) -> CqlNodes:
        return self.endpoints.cassandra

    def ports(self) -> dict[str, int]:
        c = self.settings.cassandra
        return {"cql": c.port, "storage": c.storage_port, "jmx": c.jmx_port, "jmx-exporter": c.jmx_exporter_port}

    def url(self) -> str:
        return f"cql://{self.nodes.points[0]}:{self.nodes.port}/fraud"

    def heap(self) -> str:
        return self.settings.cassandra.heap

    def jmx_exporter_port(self) -> int:
        return self.settings.cassandra.jmx_exporter_port

    def jvm_options(self) -> list[str]:
        c = self.settings.cassandra
        return [
            f"@{self.conf_dir / 'jvm17.options'}",
            f"-Dcassandra.config=file://{self.conf_dir / 'cassandra.yaml'}",
            "-Dcassandra-foreground=yes",
            f"-Dcassandra.storagedir={self.data_dir}",
            f"-Dcassandra.logdir={self.paths.logs}",
            f"-Dcassandra.triggers_dir={self.conf_dir / 'triggers'}",
            f"-Dlogback.configurationFile={self.conf_dir / 'logback.xml'}",
            f"-Dcassandra.jmx.local.port={c.jmx_port}",
            f"-Dcom.sun.management.jmxremote.rmi.port={c.jmx_port}",
            # A single node has no ring to wait for: skip the multi-node start-up and shutdown delays.
            "-Dcassandra.skip_wait_for_gossip_to_settle=0",
            "-Dcassandra.ring_delay_ms=0",
            "-Dcassandra.superuser_setup_delay_ms=0",
            "-Dcassandra.shutdown_announce_in_ms=0",
            "-Dcassandra.libjemalloc=-",
        ]

    def program(self) -> Program:
        program = super().program()
        if os.geteuid() == 0 and shutil.which("setpriv"):
            # As root Cassandra would mlockall() its whole address space (hundreds of MiB resident for an
            # idle node); without CAP_IPC_LOCK it runs as it does for an ordinary user.
            drop = ["setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock", "--"]
            return replace(program, argv=[*drop, *program.argv])
        return program

    def classpath(self) -> list[str]:
        return [self.artifacts.jvm_classpath(self.engine)]

    def render_config(self) -> None:
        (self.conf_dir / "triggers").mkdir(parents=True, exist_ok=True)
        self.write_secret_template("cassandra/cassandra.yaml.j2", tls=self.local_tls())
        self.write_template("cassandra/jvm17.options")
        self.write_template("cassandra/logback.xml")

    def probe(self) -> CqlProbe:
        return CqlProbe(self.nodes, self.endpoints.cassandra_admin_login)

    def bootstrap(self) -> None:
        """As the admin role (created on a new node): the schema migrations, then the application role."""
        from fraud_runtime.migrations.cassandra_migrate import migrate
        from fraud_runtime.migrations.cassandra_roles import admin_session, ensure_app_role

        cluster, session = admin_session(self.nodes, self.endpoints.cassandra_admin_login)
        try:
            migrate(session, self.settings.cassandra.replication_factor)
            ensure_app_role(session, self.endpoints.cassandra_login, self.nodes)
        finally:
            cluster.shutdown()
