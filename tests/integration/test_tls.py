"""TLS to the real engines, verified against the platform's own CA: Cassandra's CQL port (as CASSANDRA_SSL
reaches it) and Kafka's SASL_SSL listener reached the way an external TLS cluster is configured
(KAFKA_BOOTSTRAP_SERVERS + KAFKA_SECURITY_PROTOCOL=SASL_SSL + KAFKA_SSL_CA_FILE), through both Kafka clients.
A certificate from another CA is refused by every client."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from fraud_platform.clients import cassandra_cluster
from fraud_platform.paths import Paths
from fraud_runtime.tls import ensure_local_tls

pytestmark = pytest.mark.integration


def _foreign_ca(tmp_path: Path) -> str:
    """A CA of another platform: a valid chain that this platform's engines do not belong to."""
    tls = ensure_local_tls(Paths(root=tmp_path, cache=tmp_path, state=tmp_path / "other"), "127.0.0.1", "other-pw")
    return str(tls.ca_file)


def test_cassandra_over_tls_reads_and_writes_and_the_node_sees_tls(services, ctx) -> None:
    nodes = ctx.endpoints.cassandra_tls
    assert nodes.tls and nodes.ca_file == str(ctx.paths.tls_ca)
    cluster = cassandra_cluster(nodes, login=ctx.endpoints.cassandra_admin_login, connect_timeout=10)
    try:
        session = cluster.connect("fraud")
        tx = uuid.uuid4()
        session.execute("INSERT INTO decisions (transaction_id, decision) VALUES (%s, 'approve')", (tx,))
        row = session.execute("SELECT decision FROM decisions WHERE transaction_id = %s", (tx,)).one()
        assert row.decision == "approve"
        ours = [r for r in session.execute("SELECT username, ssl_enabled, ssl_protocol FROM system_views.clients")
                if r.username == ctx.endpoints.cassandra_admin_login.username and r.ssl_enabled]
        assert ours and all(r.ssl_protocol in ("TLSv1.3", "TLSv1.2") for r in ours), ours
    finally:
        cluster.shutdown()


def test_cassandra_refuses_a_client_that_trusts_another_ca(services, ctx, tmp_path: Path) -> None:
    from cassandra.cluster import NoHostAvailable

    nodes = replace(ctx.endpoints.cassandra_tls, ca_file=_foreign_ca(tmp_path))
    cluster = cassandra_cluster(nodes, login=ctx.endpoints.cassandra_login, connect_timeout=10)
    try:
        with pytest.raises(NoHostAvailable, match="CERTIFICATE_VERIFY_FAILED"):
            cluster.connect()
    finally:
        cluster.shutdown()


def _external_tls(monkeypatch, ctx, ca_file: str):
    """The settings a user of an external TLS cluster writes, pointed at the local broker's TLS listener."""
    from fraud_platform.config import load_config

    bootstrap, _ = ctx.endpoints.kafka_tls_listener("admin")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SSL_CA_FILE", ca_file)
    endpoints = load_config().endpoints
    assert endpoints.kafka_external and endpoints.kafka == bootstrap
    return endpoints


@pytest.mark.parametrize("client", ["confluent-kafka", "kafka-python"])
def test_kafka_round_trip_over_tls_as_an_external_cluster(client, services, ctx, monkeypatch, unique) -> None:
    from consumers import kafka_io
    from fraud_platform.kafka_topics import ensure_topics

    endpoints = _external_tls(monkeypatch, ctx, str(ctx.paths.tls_ca))
    access = endpoints.kafka_access("admin")
    assert (access.security_protocol, access.ca_file) == ("SASL_SSL", str(ctx.paths.tls_ca))
    topic = f"it_tls_{unique}"
    ensure_topics(endpoints.kafka, [topic], access=access, partitions=1, replication_factor=1, retention_ms=3_600_000)
    assert topic in kafka_io.topic_ids(endpoints.kafka, [topic], access=access, client=client)

    producer = kafka_io.producer(endpoints.kafka, access=access, client_id=f"it-tls-{unique}", client=client)
    try:
        producer.send(topic, key=unique.encode(), value=b'{"over": "tls"}')
        producer.flush()
    finally:
        producer.close()
    consumer = kafka_io.consumer(endpoints.kafka, None, access=access, batch_size=10, client_id=f"it-tls-{unique}",
                                 client=client)
    try:
        tp = kafka_io.TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        records: list = []
        deadline = time.monotonic() + 30
        while not records and time.monotonic() < deadline:
            records = consumer.poll(1.0, 10)
    finally:
        consumer.close()
    assert [(r.key, r.value) for r in records] == [(unique.encode(), b'{"over": "tls"}')]


def test_kafka_refuses_a_client_that_trusts_another_ca(services, ctx, monkeypatch, tmp_path: Path) -> None:
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    def admin(ca_file: str):
        access = _external_tls(monkeypatch, ctx, ca_file).kafka_access("admin")
        return KafkaAdminClient(bootstrap_servers=ctx.endpoints.kafka_tls_listener("admin")[0],
                                request_timeout_ms=5000, bootstrap_timeout_ms=8000, **access.kafka_python())

    admin(str(ctx.paths.tls_ca)).close()  # the listener answers the platform's CA, with the same client settings
    with pytest.raises(KafkaError):
        admin(_foreign_ca(tmp_path)).close()
