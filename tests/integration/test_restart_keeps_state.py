"""`down` then `up` keeps a Kafka message, a Cassandra row, an HDFS file and a Hive table."""

from __future__ import annotations

import uuid

from fraud_domain import topics
from fraud_platform.clients import cassandra_cluster, hive_connection
from tests.support.stream import kafka_args


def test_down_then_up_keeps_every_kind_of_state(platform, services, hdfs, kafka_bootstrap, unique) -> None:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    cassandra, hs2 = services["cassandra"], services["hiveserver2"]
    hs2_port = hs2.settings.hive.hiveserver2_port
    tx = uuid.uuid4()
    table = f"it_restart_{unique}"
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, **kafka_args(), acks="all")
    sent = producer.send(topics.TRANSACTIONS, key=unique.encode(), value=unique.encode()).get(timeout=30)
    producer.close()
    cluster = cassandra_cluster(cassandra.nodes, login=cassandra.endpoints.cassandra_login)
    cluster.connect("fraud").execute("INSERT INTO decisions (transaction_id, decision) VALUES (%s, 'approve')", (tx,))
    cluster.shutdown()
    hdfs.create(f"/tmp/restart-{unique}.txt", unique.encode())
    with hive_connection(hs2.server_host, hs2_port, login=hs2.endpoints.hive_login) as conn:
        conn.cursor().execute(f"CREATE TABLE {table} USING PARQUET AS SELECT 1 AS id, '{unique}' AS tag")

    platform.down(lambda name, event: None)
    assert not platform.supervisor.is_running()
    rows = platform.up("core", lambda name, event: None)
    assert all(row.healthy for row in rows), [(r.name, r.detail) for r in rows if not r.healthy]

    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, **kafka_args(),
                             enable_auto_commit=False, consumer_timeout_ms=10_000)
    partition = TopicPartition(topics.TRANSACTIONS, sent.partition)
    consumer.assign([partition])
    consumer.seek(partition, sent.offset)
    assert next(iter(consumer)).value == unique.encode()
    consumer.close()

    cluster = cassandra_cluster(cassandra.nodes, login=cassandra.endpoints.cassandra_login)
    row = cluster.connect("fraud").execute("SELECT decision FROM decisions WHERE transaction_id = %s", (tx,)).one()
    cluster.shutdown()
    assert row.decision == "approve"

    assert hdfs.read(f"/tmp/restart-{unique}.txt") == unique.encode()
    hdfs.delete(f"/tmp/restart-{unique}.txt")

    with hive_connection(hs2.server_host, hs2_port, login=hs2.endpoints.hive_login) as conn:
        cursor = conn.cursor()
        cursor.execute(f"SELECT id, tag FROM {table}")
        assert cursor.fetchall() == [(1, unique)]
        cursor.execute(f"DROP TABLE {table}")
