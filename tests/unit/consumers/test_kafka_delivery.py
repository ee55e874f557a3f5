"""The librdkafka producer with no broker to talk to (a closed local port, no service): a record that is
not acknowledged within the delivery timeout surfaces as ``DeliveryFailed`` on ``flush`` and on ``poll``,
never as silence."""

from __future__ import annotations

import socket
import time

import pytest

from consumers import kafka_io
from fraud_platform.kafka_access import PLAINTEXT

pytestmark = pytest.mark.unit


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def test_an_unacknowledged_record_fails_flush() -> None:
    p = kafka_io.producer(closed_port(), access=PLAINTEXT, client_id="unit", client="confluent-kafka",
                          delivery_timeout_ms=1000)
    p.send("t", key=b"k", value=b"v")
    with pytest.raises(kafka_io.DeliveryFailed, match="not acknowledged by Kafka"):
        p.flush()
    p.flush()  # reported once: nothing left
    p.close()


def test_an_unacknowledged_record_fails_the_next_poll() -> None:
    acked: list[float] = []
    p = kafka_io.producer(closed_port(), access=PLAINTEXT, client_id="unit", client="confluent-kafka",
                          delivery_timeout_ms=1000,
                          on_acknowledged=acked.append)
    p.send("t", value=b"v")
    deadline = time.monotonic() + 20
    with pytest.raises(kafka_io.DeliveryFailed):
        while time.monotonic() < deadline:
            p.poll()
            time.sleep(0.1)
    assert acked == []
    p.close()


def test_offset_queries_wait_for_the_broker_and_raise_what_cannot_heal(monkeypatch) -> None:
    monkeypatch.setattr(kafka_io.time, "sleep", lambda s: None)
    answers = iter([ConnectionError("away"), ConnectionError("away"), 42])

    def call() -> int:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert kafka_io.retrying("end offsets", call, ConnectionError) == 42
    with pytest.raises(kafka_io.KafkaIOError, match="metadata: broken"):
        kafka_io.retrying("metadata", lambda: (_ for _ in ()).throw(ValueError("broken")), ValueError,
                          fatal=lambda exc: True)
