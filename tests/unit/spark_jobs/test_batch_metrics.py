"""The batch row counters reach a real UDP listener as the StatsD lines statsd_exporter maps to
``fraud_batch_rows_total{kind, outcome}``; no listener, or a host that does not resolve, fails nothing."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from structlog.testing import capture_logs

from spark_jobs.batch_metrics import report_rows

pytestmark = pytest.mark.unit


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


def _lines(sock: socket.socket) -> list[str]:
    return sock.recv(65536).decode("ascii").splitlines()


def test_a_days_rows_arrive_as_two_statsd_counters(listener: socket.socket) -> None:
    address = listener.getsockname()
    report_rows("transactions", 123, 4, address=address)
    assert _lines(listener) == ["fraud.batch.rows.transactions.loaded:123|c",
                                "fraud.batch.rows.transactions.quarantined:4|c"]
    report_rows("labels", 7, 0, address=address)  # zero is sent: the series exists from the first load
    assert _lines(listener) == ["fraud.batch.rows.labels.loaded:7|c", "fraud.batch.rows.labels.quarantined:0|c"]


def test_an_absent_or_unresolvable_statsd_does_not_fail_the_load(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there any more
    with capture_logs() as logs:
        report_rows("transactions", 1, 0, address=("127.0.0.1", port))
        report_rows("transactions", 1, 0, address=("no such host", port))
    assert [(e["log_level"], e["event"]) for e in logs] == [("warning", "batch row counters not sent")]


def test_an_unknown_kind_is_refused(listener: socket.socket) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        report_rows("features", 1, 0, address=listener.getsockname())
