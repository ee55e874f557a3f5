"""HDFS 3.4: one NameNode and one DataNode from the Maven jars, WebHDFS on the NameNode's HTTP port."""

from __future__ import annotations

import subprocess

from fraud_platform.lake import DIRECTORIES  # the fixed layout, created once a DataNode is live
from fraud_runtime.probes import AllOf, HttpProbe, Probe
from fraud_runtime.services.jvm import JvmService


class HdfsService(JvmService):
    engine = "hadoop"
    jmx_rules = "hadoop.yaml"

    @property
    def external(self) -> bool:
        return self.endpoints.hdfs_external

    @property
    def namenode_uri(self) -> str:
        return self.endpoints.namenode_uri

    @property
    def webhdfs_url(self) -> str:
        return self.endpoints.webhdfs_url

    def render_config(self) -> None:
        values = {
            "hdfs_uri": self.namenode_uri,
            "host": self.host,
            "name_dir": self.paths.service_data("namenode") / "name",
            "data_dir": self.paths.service_data("datanode") / "data",
            "tmp_dir": self.data_dir / "tmp",
        }
        self.write_template("hdfs/core-site.xml.j2", **values)
        self.write_template("hdfs/hdfs-site.xml.j2", **values)
        self.write_template("hdfs/log4j.properties")
        # The NameNode/DataNode HTTP servers look up `webapps/<name>` on the classpath; the Maven jars carry
        # no web UI, so an empty web app per server is enough for WebHDFS and /jmx.
        for webapp in ("hdfs", "datanode", "static"):
            self.write_template("hdfs/web.xml", f"webapps-cp/webapps/{webapp}/WEB-INF/web.xml")

    def classpath(self) -> list[str]:
        return [str(self.conf_dir / "webapps-cp"), *super().classpath()]

    def jvm_options(self) -> list[str]:
        return [f"-Dhadoop.log.dir={self.paths.logs}", "-Dhadoop.root.logger=INFO,console",
                f"-Dlog4j.configuration=file:{self.conf_dir / 'log4j.properties'}"]

    def env(self) -> dict[str, str]:
        return {"HADOOP_USER_NAME": self.settings.hdfs.user}


class NameNode(HdfsService):
    name = "namenode"
    main_class = "org.apache.hadoop.hdfs.server.namenode.NameNode"
    process_pattern = r"namenode\.NameNode"

    def ports(self) -> dict[str, int]:
        h = self.settings.hdfs
        return {"rpc": h.rpc_port, "http": h.http_port, "jmx-exporter": h.namenode_jmx_exporter_port}

    def url(self) -> str:
        return f"{self.webhdfs_url}/webhdfs/v1/"

    def heap(self) -> str:
        return self.settings.hdfs.namenode_heap

    def jmx_exporter_port(self) -> int:
        return self.settings.hdfs.namenode_jmx_exporter_port

    def initialise(self) -> None:
        if (self.data_dir / "name" / "current" / "VERSION").exists():
            return
        argv = self.java_command(self.main_class, ["-format", "-nonInteractive", "-force"], agent=False)
        subprocess.run(argv, check=True, capture_output=True, cwd=self.data_dir, env=self.env(), timeout=180)

    def probe(self) -> Probe:
        return HttpProbe(f"{self.webhdfs_url}/webhdfs/v1/?op=GETFILESTATUS&user.name={self.settings.hdfs.user}")


class DataNode(HdfsService):
    name = "datanode"
    main_class = "org.apache.hadoop.hdfs.server.datanode.DataNode"
    process_pattern = r"datanode\.DataNode"
    depends_on = ("namenode",)

    def ports(self) -> dict[str, int]:
        h = self.settings.hdfs
        return {"data": h.datanode_port, "http": h.datanode_http_port, "ipc": h.datanode_ipc_port,
                "jmx-exporter": h.datanode_jmx_exporter_port}

    def url(self) -> str:
        return f"http://{self.host}:{self.settings.hdfs.datanode_http_port}"

    def heap(self) -> str:
        return self.settings.hdfs.datanode_heap

    def jmx_exporter_port(self) -> int:
        return self.settings.hdfs.datanode_jmx_exporter_port

    def probe(self) -> Probe:
        """Ready when the NameNode counts a live DataNode and has left safe mode (writes succeed)."""
        jmx = f"{self.webhdfs_url}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState"
        return AllOf((HttpProbe(jmx, check_json=_live_and_writable),))

    def bootstrap(self) -> None:
        from fraud_platform.webhdfs import WebHdfs

        client = WebHdfs(self.webhdfs_url, self.settings.hdfs.user)
        for directory in DIRECTORIES:
            client.mkdirs(directory)
        client.chmod("/tmp", "1777")


def _live_and_writable(payload: dict) -> str | None:
    beans = payload.get("beans") or [{}]
    state = beans[0]
    if state.get("NumLiveDataNodes", 0) < 1:
        return "no live DataNode yet"
    if state.get("FSState") != "Operational":
        return f"NameNode is in {state.get('FSState')}"
    return None
