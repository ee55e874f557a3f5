"""HiveServer2 over TLS (HIVE_SSL=true): a second, TLS-only HiveServer2 of the platform's own (its own state dir,
so its own CA; the running HDFS and metastore as its "external" engines) serves the platform's clients - PyHive
through ``fraud_platform.clients.hive_connection`` and Superset's ``hive+tls`` dialect in Superset's own venv -
and refuses a plain client and a client that trusts another CA."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from thrift.transport.TTransport import TTransportException

from fraud_platform.clients import HiveLogin, hive_connection

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def tls_server(core, ctx, tmp_path_factory) -> tuple[str, int, HiveLogin]:
    s, state = ctx.settings, tmp_path_factory.mktemp("hs2-tls")
    host, port = s.platform.bind_host, _free_port()
    env = {**os.environ, "FRAUD_ROOT": str(ROOT), "PYTHONPATH": str(ROOT), "FRAUD_STATE_DIR": str(state),
           "HDFS_NAMENODE_URI": f"hdfs://{host}:{s.hdfs.rpc_port}",
           "HDFS_WEBHDFS_URL": f"http://{host}:{s.hdfs.http_port}",
           "HIVE_METASTORE_URI": f"thrift://{host}:{s.hive.metastore_port}", "HIVE_SSL": "true",
           "HIVE_HIVESERVER2_PORT": str(port), "HIVE_HIVESERVER2_JMX_EXPORTER_PORT": str(_free_port())}

    def fraudctl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "fraud_runtime", *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=400)

    try:
        up = fraudctl("up", "--profile", "core", "--skip-setup", "--service", "hiveserver2")
        assert up.returncode == 0, up.stderr[-2000:]
        site = state / "conf" / "hiveserver2" / "hive-site.xml"
        assert "hive.server2.use.SSL" in site.read_text() and site.stat().st_mode & 0o777 == 0o600
        login = replace(ctx.endpoints.hive_login, tls=True, ca_file=str(state / "tls" / "ca.pem"))
        yield host, port, login
    finally:
        fraudctl("down")


def test_the_platform_client_queries_over_tls(tls_server) -> None:
    host, port, login = tls_server
    with hive_connection(host, port, login=login) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT 1")
        assert cursor.fetchall() == [(1,)]
        cursor.execute("SHOW DATABASES")
        assert ("default",) in cursor.fetchall()  # the platform's metastore, reached through the TLS server


def _connect(host: str, port: int, login: HiveLogin) -> None:
    with hive_connection(host, port, login=login):
        pass


def test_a_plain_client_and_a_client_trusting_another_ca_are_refused(tls_server, ctx) -> None:
    from fraud_platform.clients import hive_login_refused

    host, port, login = tls_server
    with pytest.raises(Exception) as plain:  # Thrift raises transport errors of several kinds
        _connect(host, port, replace(login, tls=False))
    assert not hive_login_refused(plain.value)  # never reached a login: the server speaks only TLS
    other_ca = str(ctx.paths.tls_ca)  # the running platform's CA, not the one this server's certificate is from
    with pytest.raises(TTransportException) as untrusted:
        _connect(host, port, replace(login, ca_file=other_ca))
    assert isinstance(untrusted.value.inner, ssl.SSLCertVerificationError), untrusted.value.inner
    with pytest.raises(Exception) as refused:
        _connect(host, port, replace(login, password="not-the-password"))
    assert hive_login_refused(refused.value), refused.value  # TLS does not replace the login


def test_superset_dialect_queries_over_tls(tls_server, ctx) -> None:
    from apps.superset_reports.bundle import PASSWORD_MASK, hive_uri

    host, port, login = tls_server
    uri = hive_uri(host, port, login).replace("/fraud?", "/default?")  # a database every metastore has
    assert uri.startswith("hive+tls://") and f"ssl_ca_file={login.ca_file}" in uri
    script = ("import json, os, sys; from sqlalchemy import create_engine, text; "
              "from sqlalchemy.engine import make_url; "
              f"sys.path.append({str(ROOT)!r}); "
              "from apps.superset_reports.hive_tls_dialect import register; register(); "
              "url = make_url(os.environ['URI']).set(password=os.environ['HIVE_TLS_PASSWORD']); "
              "engine = create_engine(url); "
              "conn = engine.connect(); print(json.dumps(conn.execute(text('SELECT 1')).fetchall()[0][0])); "
              "conn.close()")
    python = ctx.artifacts.venv_bin("superset", "python")  # Superset's own venv, where the dialect runs
    done = subprocess.run([str(python), "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"PATH": os.environ["PATH"], "URI": uri.replace(PASSWORD_MASK, "x"),
                               "HIVE_TLS_PASSWORD": login.password or ""})
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == 1
