"""A blocking librdkafka call that ignores its own timeout ends the process instead of hanging it."""

from __future__ import annotations

import threading
import time

import pytest

from consumers.kafka_clients.librdkafka import _Ceiling
from consumers.kafka_io import KafkaIOError

pytestmark = pytest.mark.unit


def test_a_call_that_never_returns_is_given_up_after_the_ceiling() -> None:
    never = threading.Event()
    started = time.monotonic()
    with pytest.raises(KafkaIOError, match="send offsets did not return within 0 s"):
        _Ceiling().run("send offsets", never.wait, 0.2)
    assert time.monotonic() - started < 2
    never.set()


def test_a_result_or_an_error_reaches_the_caller_unchanged() -> None:
    ceiling = _Ceiling()
    assert ceiling.run("commit", lambda: 42, 5) == 42
    with pytest.raises(ValueError, match="refused"):
        ceiling.run("commit", lambda: (_ for _ in ()).throw(ValueError("refused")), 5)
    assert ceiling.run("commit", lambda: 43, 5) == 43  # the same worker serves the next call
