"""The `stream-producer` service of `up --profile full`: a steady simulated stream on the live clock, so the
platform is alive on its own. Real Kafka: its events arrive on transaction_topic, valid, timed now, at the live
bank's pace per customer; its metrics endpoint counts what it published."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import requests

from fraud_domain import topics
from fraud_domain.schema import parse_event
from tests.support.stream import kafka_args


def _published(url: str) -> float:
    lines = requests.get(url, timeout=10).text.splitlines()
    return sum(float(line.split()[-1]) for line in lines
               if line.startswith(f'fraud_stream_published_total{{topic="{topics.TRANSACTIONS}"'))


def test_stream_producer_service_publishes_live_events(start_full, platform, kafka_bootstrap: str) -> None:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, **kafka_args(), enable_auto_commit=False)
    partitions = [TopicPartition(topics.TRANSACTIONS, p) for p in consumer.partitions_for_topic(topics.TRANSACTIONS)]
    consumer.assign(partitions)
    consumer.seek_to_end()
    ends = {tp: consumer.position(tp) for tp in partitions}
    started = datetime.now(UTC)

    service = start_full("stream-producer")["stream-producer"]
    try:
        deadline, first = time.monotonic() + 120, _published(service.url())
        while _published(service.url()) < first + 20 and time.monotonic() < deadline:
            time.sleep(1)
        assert _published(service.url()) >= first + 20, "the stream-producer published nothing for 2 minutes"
    finally:  # the other tests want a quiet transaction_topic; SIGTERM stops it cleanly (flushes, exits)
        platform.supervisor.stop("stream-producer")
    assert not platform.supervisor.is_up("stream-producer")

    records = [r for batch in consumer.poll(timeout_ms=10_000, max_records=500).values() for r in batch]
    consumer.close()
    assert records, f"nothing new on {topics.TRANSACTIONS} after offsets {ends}"
    customers = []
    for record in records:
        event = parse_event(record.value, now=datetime.now(UTC) + timedelta(minutes=1))
        assert record.key == str(event.customer_id).encode()
        assert started - timedelta(seconds=5) <= event.event_time <= datetime.now(UTC)
        customers.append(event.customer_id)
    # The live bank keeps the handbook's pace per customer (~2 a day): within minutes a customer is rarely
    # seen twice (a 5,000-customer week re-timed to 20 tx/s repeated ~a quarter of them in 2 minutes).
    repeated = len(customers) - len(set(customers))
    assert repeated <= max(10, 0.1 * len(customers)), (repeated, len(customers))
