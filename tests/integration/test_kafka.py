"""Kafka :9092 with kafka-python: every platform topic exists with the configured layout and round-trips."""

from __future__ import annotations

import pytest

from fraud_domain import topics
from tests.support.stream import kafka_args


def test_topics_exist_with_configured_partitions_and_retention(kafka_bootstrap: str, ctx) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, **kafka_args())
    try:
        described = {t["name"]: t for t in admin.describe_topics(list(topics.ALL_TOPICS))}
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t) for t in topics.ALL_TOPICS])
    finally:
        admin.close()
    kafka = ctx.settings.kafka
    for name in topics.ALL_TOPICS:
        assert len(described[name]["partitions"]) == kafka.partitions, name
    retention = {name: entries["retention.ms"]["value"] for name, entries in configs["topic"].items()}
    assert retention == {name: str(int(kafka.retention_days * 86_400_000)) for name in topics.ALL_TOPICS}
    assert kafka.retention_days >= 1  # days, not minutes


@pytest.mark.parametrize("topic", topics.ALL_TOPICS)
def test_produce_consume_round_trip(topic: str, kafka_bootstrap: str, unique: str) -> None:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, **kafka_args(), acks="all")
    payload = f'{{"probe": "{unique}"}}'.encode()
    metadata = producer.send(topic, key=unique.encode(), value=payload).get(timeout=30)
    producer.close()

    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, **kafka_args(),
                             enable_auto_commit=False, consumer_timeout_ms=10_000)
    partition = TopicPartition(topic, metadata.partition)
    consumer.assign([partition])
    consumer.seek(partition, metadata.offset)
    record = next(iter(consumer))
    consumer.close()
    assert (record.key, record.value, record.offset) == (unique.encode(), payload, metadata.offset)
