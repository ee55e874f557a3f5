"""kafka-python clients configured one way for the consumers and the simulated producer.

Consumers never auto-commit (offsets are committed by ``loop.ConsumerLoop`` after the batch's outputs are
flushed). Producers are idempotent with ``acks=all``: a retried send is not duplicated by the broker.
Record-batch CRC32C comes from the ``crc32c`` C package, which kafka-python picks up by itself when it is
installed (pure Python capped a producer near 1,500 records/s); ``tests/unit/consumers/test_crc32c.py`` pins it.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def consumer(bootstrap: str, group: str | None, *, batch_size: int, client_id: str,
             partition_fetch_bytes: int = 4 * 1024 * 1024) -> KafkaConsumer:
    """A group member (or, with ``group=None``, a standalone reader for ``assign``). A small
    ``partition_fetch_bytes`` makes the partitions of a backlog advance in step (see ``scorer.py``)."""
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=batch_size,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=3_000,
        max_poll_interval_ms=600_000,  # a batch may wait for Cassandra to come back (retry with backoff)
        fetch_max_bytes=16 * 1024 * 1024,
        max_partition_fetch_bytes=partition_fetch_bytes,
        check_crcs=False,  # the broker validated them on produce
    )


def producer(bootstrap: str, *, client_id: str, linger_ms: int = 5) -> KafkaProducer:
    """Idempotent, ``acks=all``, batched producer."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
        batch_size=256 * 1024,
        max_request_size=8 * 1024 * 1024,
    )


def partitions(client: KafkaConsumer, topic: str) -> list[TopicPartition]:
    """Every partition of ``topic`` (waits for metadata)."""
    found = client.partitions_for_topic(topic)
    if not found:
        raise RuntimeError(f"topic {topic} does not exist (run ./fraudctl up)")
    return [TopicPartition(topic, p) for p in sorted(found)]


def lag(client: KafkaConsumer, assigned: set[Any]) -> dict[Any, int]:
    """Records between each assigned partition's position and its end."""
    if not assigned:
        return {}
    ends = client.end_offsets(list(assigned))
    return {tp: max(0, ends[tp] - client.position(tp)) for tp in assigned}
