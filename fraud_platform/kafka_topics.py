"""Idempotent creation of the platform's Kafka topics (partitions and retention from settings)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from fraud_platform.kafka_access import KafkaAccess


def ensure_topics(
    bootstrap_servers: str,
    names: Iterable[str],
    *,
    access: KafkaAccess,
    partitions: int,
    replication_factor: int,
    retention_ms: int,
) -> list[str]:
    """Create the topics that do not exist yet (as ``access``, which may create topics); return the names
    created. Existing ones are left alone."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=15000, **access.kafka_python())
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(
                name=name,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs={"retention.ms": str(retention_ms), "min.insync.replicas": "1"},
            )
            for name in names
            if name not in existing
        ]
        if wanted:
            # A concurrent `up` may create one first: that is the idempotent outcome.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(wanted)
        return [topic.name for topic in wanted]
    finally:
        admin.close()
