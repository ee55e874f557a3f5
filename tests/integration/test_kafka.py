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


def _admin_client(kafka_bootstrap: str, access, **extra):
    from kafka import KafkaAdminClient

    return KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=5000, bootstrap_timeout_ms=8000,
                            **access.kafka_python(), **extra)


def test_a_client_without_credentials_or_with_a_wrong_password_is_refused(kafka_bootstrap: str, ctx) -> None:
    from dataclasses import replace

    from kafka.errors import KafkaError

    from fraud_platform.kafka_access import PLAINTEXT, KafkaLogin
    from fraud_runtime.probes import KafkaProbe

    with pytest.raises(KafkaError):  # no SASL handshake: the broker closes the connection
        _admin_client(kafka_bootstrap, PLAINTEXT).close()
    admin = ctx.endpoints.kafka_access("admin")
    assert not KafkaProbe(kafka_bootstrap, admin).refused()
    for mechanism in ("SCRAM-SHA-512", "PLAIN"):
        wrong = replace(admin, mechanism=mechanism, login=KafkaLogin(admin.login.username, "not-the-password"))
        assert KafkaProbe(kafka_bootstrap, wrong, timeout_s=10).refused(), mechanism


def test_the_platform_users_have_exactly_their_grants(kafka_bootstrap: str, ctx) -> None:
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    from fraud_runtime.migrations.kafka_acls import _grant, grants
    from fraud_runtime.migrations.kafka_users import admin_client

    client = admin_client(kafka_bootstrap, ctx.endpoints.kafka_access("admin"))
    found = client.describe_acls(AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                                                  AclOperation.ANY, AclPermissionType.ANY)).result(timeout=30)
    users = {g.user for g in grants(ctx.settings)}
    assert sorted(g for g in map(_grant, found) if g and g.user in users) == sorted(grants(ctx.settings))


def test_the_scorer_user_cannot_write_fraud_labels(kafka_bootstrap: str, ctx, unique: str) -> None:
    from kafka import KafkaProducer
    from kafka.errors import TopicAuthorizationFailedError

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", max_block_ms=10_000,
                             **ctx.endpoints.kafka_access("scorer").kafka_python())
    try:
        assert producer.send(topics.DLQ, key=unique.encode(), value=b"{}").get(timeout=30)  # its own output: allowed
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send(topics.LABELS, key=unique.encode(), value=b"{}").get(timeout=30)
    finally:
        producer.close(timeout=5)


def test_the_producer_user_cannot_read_fraud_topic(kafka_bootstrap: str, ctx) -> None:
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import TopicAuthorizationFailedError

    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False,
                             **ctx.endpoints.kafka_access("producer").kafka_python())
    decisions = TopicPartition(topics.DECISIONS, 0)
    try:
        with pytest.raises(TopicAuthorizationFailedError):  # ListOffsets needs Describe, which Read implies
            consumer.end_offsets([decisions], timeout_ms=10_000)
        consumer.assign([decisions])
        consumer.seek(decisions, 0)
        assert all(not consumer.poll(timeout_ms=1000) for _ in range(3))  # kafka-python logs the refused fetch
    finally:
        consumer.close()
