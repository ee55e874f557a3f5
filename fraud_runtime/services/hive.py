"""Hive: the metastore (Thrift, embedded Derby by default) and HiveServer2 (Spark Thrift Server), both
from the jars pyspark ships; the warehouse is on HDFS."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from fraud_platform.errors import ConfigError
from fraud_platform.lake import WAREHOUSE
from fraud_platform.spark import DRIVER_JAVA_OPTIONS_CONF, session_conf, spark_home
from fraud_runtime.hive_credentials import FILE_PROPERTY, write_credentials
from fraud_runtime.probes import HiveMetastoreProbe, HiveServer2Probe
from fraud_runtime.services.base import Program
from fraud_runtime.services.jvm import JvmService


class HiveService(JvmService):
    """Shared Hive config: hive-site.xml + core-site.xml (to find HDFS) + logging, in the service conf dir."""

    depends_on = ("namenode", "datanode")

    @property
    def metastore_uri(self) -> str:
        return self.endpoints.metastore_uri

    def classpath(self) -> list[str]:
        return [str(self.conf_dir), str(spark_home() / "jars" / "*")]

    def _hive_site(self) -> dict[str, object]:
        namenode = self.endpoints.namenode_uri
        return {"derby_dir": self.paths.service_data("hive-metastore") / "metastore_db",
                "warehouse": f"{namenode}{WAREHOUSE}", "hdfs_uri": namenode, "metastore_uri": self.metastore_uri}

    def write_hive_site(self) -> None:
        self.write_template("hive/hive-site.xml.j2", **self._hive_site())

    def render_config(self) -> None:
        namenode = self.endpoints.namenode_uri
        self.write_hive_site()
        self.write_template("hdfs/core-site.xml.j2", hdfs_uri=namenode, tmp_dir=self.data_dir / "tmp")
        self.write_template("hive/hive-log4j2.properties")
        self.write_template("hive/hive-log4j2.properties", "log4j2.properties")

    def env(self) -> dict[str, str]:
        return {"HADOOP_USER_NAME": self.settings.hdfs.user, "HADOOP_CONF_DIR": str(self.conf_dir)}


class HiveMetastore(HiveService):
    name = "hive-metastore"
    main_class = "HmsLoopback"  # jvm/hms-loopback: HiveMetaStore's server bound to the configured host
    process_pattern = r"HmsLoopback"

    @property
    def external(self) -> bool:
        return self.endpoints.metastore_external

    def ports(self) -> dict[str, int]:
        h = self.settings.hive
        return {"thrift": h.metastore_port, "jmx-exporter": h.metastore_jmx_exporter_port}

    def url(self) -> str:
        return self.metastore_uri

    def heap(self) -> str:
        return self.settings.hive.metastore_heap

    def jmx_exporter_port(self) -> int:
        return self.settings.hive.metastore_jmx_exporter_port

    def classpath(self) -> list[str]:
        return [self.artifacts.launcher_classpath("hms-loopback"), *super().classpath()]

    def jvm_options(self) -> list[str]:
        return [f"-Dlog4j.configurationFile={self.conf_dir / 'hive-log4j2.properties'}",
                f"-Dderby.stream.error.file={self.paths.logs / 'derby.log'}"]

    def main_args(self) -> list[str]:
        return ["-h", self.host, "-p", str(self.settings.hive.metastore_port)]

    def probe(self) -> HiveMetastoreProbe:
        parsed = urlparse(self.metastore_uri)
        return HiveMetastoreProbe(parsed.hostname or self.host, parsed.port or self.settings.hive.metastore_port)


class HiveServer2(HiveService):
    """The Spark Thrift Server, authenticating with CUSTOM: jvm/hs2-auth checks every PLAIN SASL login against
    the credentials file (the user name and a salted hash of HIVE_PASSWORD) rendered into the conf dir."""

    name = "hiveserver2"
    process_pattern = r"HiveThriftServer2"
    depends_on = ("hive-metastore",)
    ready_timeout = 180.0
    authenticator = "Hs2FileAuthenticator"  # jvm/hs2-auth

    @property
    def credentials_file(self) -> Path:
        return self.conf_dir / "hiveserver2-credentials.properties"

    @property
    def external(self) -> bool:
        return self.endpoints.hiveserver2_external

    @property
    def server_host(self) -> str:
        return self.endpoints.hiveserver2[0]

    def ports(self) -> dict[str, int]:
        h = self.settings.hive
        return {"thrift": h.hiveserver2_port, "jmx-exporter": h.hiveserver2_jmx_exporter_port}

    def url(self) -> str:
        h = self.settings.hive
        tls = ", TLS" if h.ssl else ""
        return f"hive://{self.server_host}:{h.hiveserver2_port}/default ({h.auth} login as {h.username}{tls})"

    def render_config(self) -> None:
        super().render_config()
        login = self.endpoints.hive_login
        if login.password is None:  # the settings allow no other mode for the local server
            raise ConfigError(f"the local HiveServer2 needs a password (HIVE_AUTH={login.auth})")
        write_credentials(self.credentials_file, login.username, login.password)

    def write_hive_site(self) -> None:
        """With HIVE_SSL, the server's TLS keystore and its password too: then only its owner may read it."""
        if not self.settings.hive.ssl:
            return super().write_hive_site()
        self.write_secret_template("hive/hive-site.xml.j2", hs2_tls=self.local_tls(), **self._hive_site())

    def heap(self) -> str:
        return self.settings.hive.hiveserver2_memory

    def jmx_exporter_port(self) -> int:
        return self.settings.hive.hiveserver2_jmx_exporter_port

    def program(self) -> Program:
        h = self.settings.hive
        agent = f"-javaagent:{self.artifacts.jmx_agent}={self.host}:{h.hiveserver2_jmx_exporter_port}:" + str(
            self.paths.root / "monitoring" / "jmx" / self.jmx_rules
        )
        conf = session_conf(self.endpoints)  # the platform's one Spark configuration, as every job gets it
        java_options = f"{agent} -D{FILE_PROPERTY}={self.credentials_file} {conf.pop(DRIVER_JAVA_OPTIONS_CONF)}"
        # Batch jobs rewrite partitions behind the server's back: re-list files after 30 s at most.
        conf["spark.sql.metadataCacheTTLSeconds"] = "30"
        argv = [
            str(self.artifacts.spark_submit),
            "--class", "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
            "--name", "fraud-hiveserver2",
            "--master", self.endpoints.spark_master,
            "--driver-memory", h.hiveserver2_memory,
            "--driver-class-path", self.artifacts.launcher_classpath("hs2-auth"),
            "--driver-java-options", java_options,
            *(arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")),
            "--hiveconf", f"hive.server2.thrift.port={h.hiveserver2_port}",
            "--hiveconf", f"hive.server2.thrift.bind.host={self.host}",
            "--hiveconf", "hive.server2.authentication=CUSTOM",
            "--hiveconf", f"hive.server2.custom.authentication.class={self.authenticator}",
            "spark-internal",
        ]
        env = {**self.env(), "SPARK_HOME": str(self.artifacts.spark_home), "SPARK_CONF_DIR": str(self.conf_dir),
               "SPARK_LOCAL_IP": self.host}
        return Program(argv=argv, env=env, cwd=self.data_dir)

    def probe(self) -> HiveServer2Probe:
        return HiveServer2Probe(self.server_host, self.settings.hive.hiveserver2_port, self.endpoints.hive_login)
