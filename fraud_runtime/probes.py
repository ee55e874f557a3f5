"""Protocol-level readiness probes: small reusable objects, composed per service.

`check()` returns None when ready and raises ProbeFailed(reason) otherwise. Client libraries are imported
inside `check()` so that importing the runtime stays cheap.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fraud_platform.clients import CqlLogin, CqlNodes, HiveLogin
from fraud_platform.kafka_access import KafkaAccess
from fraud_runtime.errors import ProbeFailed


class Probe:
    def check(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class AllOf(Probe):
    probes: tuple[Probe, ...]

    def check(self) -> None:
        for probe in self.probes:
            probe.check()


@dataclass(frozen=True)
class TcpProbe(Probe):
    host: str
    port: int
    timeout: float = 2.0

    def check(self) -> None:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout):
                return
        except OSError as exc:
            raise ProbeFailed(f"nothing accepts TCP connections on {self.host}:{self.port} ({exc})") from exc


@dataclass(frozen=True)
class HttpProbe(Probe):
    url: str
    expect_status: int = 200
    check_json: Callable[[Any], str | None] | None = None  # returns a reason when not ready
    timeout: float = 3.0

    def check(self) -> None:
        import requests

        try:
            response = requests.get(self.url, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ProbeFailed(f"GET {self.url} failed: {exc.__class__.__name__}") from exc
        if response.status_code != self.expect_status:
            raise ProbeFailed(f"GET {self.url} answered {response.status_code}")
        if self.check_json is not None:
            reason = self.check_json(response.json())
            if reason:
                raise ProbeFailed(reason)


@dataclass(frozen=True)
class KafkaProbe(Probe):
    """Cluster metadata as ``access`` lists a live broker. A broker that answers and refuses the login is up
    too: on a new broker the SCRAM users do not exist until the bootstrap creates them (which then fails
    loudly if the admin's password is wrong)."""

    bootstrap_servers: str
    access: KafkaAccess
    timeout_s: float = 3.0

    def check(self) -> None:
        self._metadata()

    def refused(self) -> bool:
        """Whether the broker answers and refuses ``access``'s login (ProbeFailed if no broker answers)."""
        return self._metadata()

    def _metadata(self) -> bool:
        """False: metadata listing a live broker; True: the login was refused; else ProbeFailed."""
        from confluent_kafka import KafkaError, KafkaException
        from confluent_kafka.admin import AdminClient

        errors: list[KafkaError] = []
        admin = AdminClient({"bootstrap.servers": self.bootstrap_servers, "log_level": 2, "error_cb": errors.append,
                             **self.access.librdkafka()})
        try:
            brokers = admin.list_topics(timeout=self.timeout_s).brokers
        except KafkaException as exc:
            admin.poll(0)  # serves error_cb: librdkafka reports a refused login there
            if any(e.code() == KafkaError._AUTHENTICATION for e in errors):
                return True
            raise ProbeFailed(f"no Kafka broker answers at {self.bootstrap_servers} ({exc})") from exc
        if not brokers:
            raise ProbeFailed("the Kafka cluster reports no live broker")
        return False


@dataclass(frozen=True)
class CqlProbe(Probe):
    """A CQL query as ``login``. A node that answers and refuses the login serves CQL too: on a new node the
    role does not exist until the bootstrap creates it (which then fails loudly if the password is wrong)."""

    nodes: CqlNodes
    login: CqlLogin | None

    def check(self) -> None:
        from fraud_platform.clients import cassandra_cluster
        from fraud_runtime.migrations.cassandra_roles import login_refused

        cluster = cassandra_cluster(self.nodes, login=self.login, connect_timeout=3)
        try:
            session = cluster.connect()
            session.execute("SELECT release_version FROM system.local", timeout=3)
        except Exception as exc:  # the driver raises many unrelated types while a node boots
            if login_refused(exc):
                return
            raise ProbeFailed(f"CQL query on {self.nodes} failed: {exc}") from exc
        finally:
            cluster.shutdown()


@dataclass(frozen=True)
class HiveMetastoreProbe(Probe):
    """Calls ThriftHiveMetastore.get_all_databases with the bare Thrift protocol (no generated client)."""

    host: str
    port: int

    def check(self) -> None:
        from fraud_platform.clients import metastore_databases

        try:
            metastore_databases(self.host, self.port, timeout=3.0)
        except Exception as exc:
            raise ProbeFailed(f"metastore call get_all_databases on {self.host}:{self.port} failed: {exc}") from exc


@dataclass(frozen=True)
class HiveServer2Probe(Probe):
    """``SELECT 1`` as ``login``. A server that answers the handshake and refuses the login serves too (like
    CqlProbe): an external server's wrong credentials then fail loudly in the client that uses them."""

    host: str
    port: int
    login: HiveLogin

    def check(self) -> None:
        from fraud_platform.clients import hive_connection, hive_login_refused

        try:
            with hive_connection(self.host, self.port, login=self.login) as conn:
                cursor = conn.cursor()
                cursor.execute("SELECT 1")
                cursor.fetchall()
        except Exception as exc:
            if hive_login_refused(exc):
                return
            raise ProbeFailed(f"HiveServer2 'SELECT 1' on {self.host}:{self.port} failed: {exc}") from exc


@dataclass(frozen=True)
class SmtpProbe(Probe):
    """EHLO then NOOP, both answered 250."""

    host: str
    port: int
    timeout: float = 3.0

    def check(self) -> None:
        import smtplib

        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                code, _ = smtp.ehlo("fraud-platform-probe")
                noop, _ = smtp.noop()
        except (OSError, smtplib.SMTPException) as exc:
            raise ProbeFailed(f"SMTP EHLO on {self.host}:{self.port} failed: {exc}") from exc
        if code != 250 or noop != 250:
            raise ProbeFailed(f"SMTP server on {self.host}:{self.port} answered EHLO {code}, NOOP {noop}")
