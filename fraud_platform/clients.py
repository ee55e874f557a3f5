"""Client constructors for the engines, configured one way for probes, bootstrap steps, consumers and tests."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.settings import HiveAuth


@dataclass(frozen=True)
class CqlLogin:
    """A Cassandra role and its password (PasswordAuthenticator)."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class CqlNodes:
    """Where a Cassandra cluster answers CQL, and whether over TLS (verified against ``ca_file``; None: the
    system's CAs). Each node's certificate must name the address it is reached at."""

    points: tuple[str, ...]
    port: int
    tls: bool = False
    ca_file: str | None = None

    def __str__(self) -> str:
        return f"{','.join(self.points)}:{self.port}{' (TLS)' if self.tls else ''}"

    def ssl_context(self) -> ssl.SSLContext | None:
        """TLS 1.2 or later with the certificate chain and the host name checked (None: plain CQL)."""
        if not self.tls:
            return None
        context = ssl.create_default_context(cafile=self.ca_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context


def cassandra_cluster(nodes: CqlNodes, *, login: CqlLogin | None,
                      connect_timeout: float = 10, max_reconnect_delay: float = 10.0) -> Any:
    """A cassandra-driver Cluster pinned to protocol v5 with a DC-aware token-aware policy (no warnings),
    logging in as ``login`` (None: no credentials, for a cluster that does not authenticate), over TLS when
    ``nodes`` says so (the driver checks each node's certificate against the address it connects to).

    A node marked down is retried 0.2 s, 0.4 s, ... up to every ``max_reconnect_delay`` seconds, for ever:
    the driver's default waits up to 10 minutes between tries and gives up after 64 of them, which leaves
    a long-lived client (a consumer, the alerts page, a test session) blind after a long outage."""
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import DCAwareRoundRobinPolicy, ExponentialReconnectionPolicy, TokenAwarePolicy

    profile = ExecutionProfile(load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()))
    auth = PlainTextAuthProvider(login.username, login.password) if login else None
    return Cluster(
        contact_points=list(nodes.points),
        port=nodes.port,
        ssl_context=nodes.ssl_context(),
        protocol_version=5,
        connect_timeout=connect_timeout,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        auth_provider=auth,
        reconnection_policy=ExponentialReconnectionPolicy(0.2, max(0.2, max_reconnect_delay), max_attempts=None),
    )


@dataclass(frozen=True)
class HiveLogin:
    """A HiveServer2 user, its password (CUSTOM and LDAP; None for NONE and NOSASL) and PyHive's auth mode, and
    whether the Thrift connection is TLS, verified against ``ca_file`` (None: the system's CAs)."""

    username: str
    password: str | None = field(repr=False)
    auth: HiveAuth = "CUSTOM"
    tls: bool = False
    ca_file: str | None = None


@contextlib.contextmanager
def hive_connection(host: str, port: int, *, login: HiveLogin, database: str = "default") -> Iterator[Any]:
    """A PyHive connection to HiveServer2 / the Spark Thrift Server, logged in as ``login`` (PLAIN SASL except
    with NOSASL), over TLS when ``login`` says so (``hive_transport``)."""
    from pyhive import hive

    if login.tls:
        from fraud_platform.hive_transport import tls_transport

        transport = tls_transport(host, port, username=login.username, password=login.password, auth=login.auth,
                                  ca_file=login.ca_file)
        conn = hive.connect(thrift_transport=transport, username=login.username, database=database)
    else:
        conn = hive.connect(host=host, port=port, username=login.username, password=login.password, auth=login.auth,
                            database=database)
    try:
        yield conn
    finally:
        conn.close()


def hive_login_refused(exc: BaseException) -> bool:
    """HiveServer2 answered the SASL handshake and refused the login (as opposed to not answering).

    thrift_sasl has no error type or code for it: the server's SASL status (BAD or ERROR) is only in the message
    of its TTransportException, in this one format (pinned by tests/integration/test_hive.py)."""
    from thrift.transport.TTransport import TTransportException
    from thrift_sasl import TSaslClientTransport

    refusals = tuple(f"Bad status: {status} " for status in (TSaslClientTransport.BAD, TSaslClientTransport.ERROR))
    return isinstance(exc, TTransportException) and str(exc.message or "").startswith(refusals)


def metastore_databases(host: str, port: int, *, timeout: float = 5.0) -> list[str]:
    """Database names from a Hive metastore via a hand-built Thrift call to `get_all_databases`."""
    from thrift.protocol import TBinaryProtocol
    from thrift.Thrift import TApplicationException, TMessageType, TType
    from thrift.transport import TSocket, TTransport

    sock = TSocket.TSocket(host, port)
    sock.setTimeout(int(timeout * 1000))
    transport = TTransport.TBufferedTransport(sock)
    proto = TBinaryProtocol.TBinaryProtocol(transport)
    transport.open()
    try:
        proto.writeMessageBegin("get_all_databases", TMessageType.CALL, 1)
        proto.writeStructBegin("get_all_databases_args")
        proto.writeFieldStop()
        proto.writeStructEnd()
        proto.writeMessageEnd()
        transport.flush()
        _name, mtype, _seq = proto.readMessageBegin()
        if mtype == TMessageType.EXCEPTION:
            error = TApplicationException()
            error.read(proto)
            raise RuntimeError(f"metastore raised {error.message}")
        names: list[str] = []
        proto.readStructBegin()
        while True:
            _fname, ftype, fid = proto.readFieldBegin()
            if ftype == TType.STOP:
                break
            if fid == 0 and ftype == TType.LIST:
                _etype, size = proto.readListBegin()
                names = [proto.readString() for _ in range(size)]
                proto.readListEnd()
            else:
                proto.skip(ftype)
            proto.readFieldEnd()
        proto.readStructEnd()
        proto.readMessageEnd()
        return names
    finally:
        transport.close()
