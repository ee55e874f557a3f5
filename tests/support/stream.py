"""Helpers for the stream-layer tests and benchmarks: real subprocesses, real topics, a real TCP proxy."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from consumers.kafka_io import ISOLATION
from fraud_platform.kafka_access import KAFKA_ROLES, KafkaAccess

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.cache
def admin_access() -> KafkaAccess:
    """The Kafka admin's login (a super user): the tests' and benchmarks' own reads, writes and topics."""
    from fraud_platform.config import load_config

    return load_config().endpoints.kafka_access("admin")


def as_admin() -> dict[str, str]:
    """Environment that logs a scorer, persister or producer in as the admin: tests and benchmarks name their
    own topics and groups, which the platform users' ACLs (exact names, fraud_runtime/migrations/kafka_acls.py)
    do not cover. The platform's own processes (``fraudctl up``) log in as their users."""
    login = admin_access().login
    if login is None:
        return {}
    return {f"KAFKA_{role.upper()}_{key}": value for role in KAFKA_ROLES
            for key, value in (("USERNAME", login.username), ("PASSWORD", login.password))}


def kafka_args() -> dict[str, str]:
    """kafka-python keyword arguments: log in as the admin."""
    return admin_access().kafka_python()


def spawn(module: str, args: list[str], log: Path, **env: str) -> subprocess.Popen:
    """``python -m module args`` as a real process (so kill -9 is real), output to ``log``, logged in to Kafka
    as the admin (``as_admin``) unless ``env`` says otherwise."""
    environ = os.environ | {"PYTHONPATH": str(ROOT), "FRAUD_ROOT": str(ROOT)} | as_admin() | env
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, env=environ, stdout=out,
                                stderr=subprocess.STDOUT)
    proc.log_path = log  # type: ignore[attr-defined]  # wait_for quotes its tail when a wait fails
    return proc


def _tails(procs: list[subprocess.Popen], lines: int = 25) -> str:
    out = []
    for p in procs:
        log = getattr(p, "log_path", None)
        if log is not None and log.exists():
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"\n--- last {len(tail)} lines of {log} ---\n" + "\n".join(line[:400] for line in tail))
    return "".join(out)


def stop(proc: subprocess.Popen, timeout: float = 60) -> int:
    """SIGTERM and wait: the consumers must stop cleanly (exit 0)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout)


def wait_for(check: Callable[[], bool], timeout: float, what: str, procs: list[subprocess.Popen] = (),
             every: float = 1.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        for p in procs:
            if p.poll() is not None:
                raise AssertionError(f"{p.args} exited with {p.returncode} while waiting for {what}{_tails(procs)}")
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}{_tails(procs)}")


def metric(port: int, name: str, **labels: str) -> float:
    """Sum of a Prometheus sample on ``127.0.0.1:port`` matching ``labels`` (0 if absent/unreachable)."""
    import requests

    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=3).text
    except requests.RequestException:
        return 0.0
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def end_total(bootstrap: str, topic: str) -> int:
    """The sum of the partitions' end offsets: the number of records of a topic no transaction writes to (on
    ``fraud_topic`` and ``transaction_dlq`` it counts transaction markers and aborted records too: count what
    ``read_all`` returns, or ``committed_total`` for the scorer's progress)."""
    from kafka import KafkaConsumer, TopicPartition

    c = KafkaConsumer(bootstrap_servers=bootstrap, **kafka_args())
    try:
        tps = [TopicPartition(topic, p) for p in c.partitions_for_topic(topic) or ()]
        return sum(c.end_offsets(tps).values()) if tps else 0
    finally:
        c.close()


def committed_total(bootstrap: str, group: str, topic: str) -> int:
    """The sum of ``group``'s committed offsets on ``topic``: for the scorer, the input records whose outputs
    are committed (in the same transactions as those offsets)."""
    from kafka import KafkaConsumer, TopicPartition

    # never joins: reads the group's committed offsets only
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, **kafka_args())
    try:
        return sum(c.committed(TopicPartition(topic, p)) or 0 for p in c.partitions_for_topic(topic) or ())
    finally:
        c.close(autocommit=False)


def read_all(bootstrap: str, topic: str) -> list:
    """Every record of ``topic`` up to its current end, as every reader of the platform reads: committed
    records only (aborted transactions and their markers are skipped)."""
    from kafka import KafkaConsumer, TopicPartition

    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, check_crcs=False,
                      max_poll_records=20000, fetch_max_bytes=32 * 1024 * 1024, isolation_level=ISOLATION,
                      **kafka_args())
    try:
        tps = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic) or ())]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        ends = c.end_offsets(tps)
        out = []
        while any(c.position(tp) < ends[tp] for tp in tps):
            for recs in c.poll(timeout_ms=1000).values():
                out += recs
        return out
    finally:
        c.close()


def ends(bootstrap: str, topic: str) -> dict[int, int]:
    from kafka import KafkaConsumer, TopicPartition

    c = KafkaConsumer(bootstrap_servers=bootstrap, **kafka_args())
    try:
        tps = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic) or ())]
        return {tp.partition: offset for tp, offset in c.end_offsets(tps).items()}
    finally:
        c.close()


def records_since(bootstrap: str, topic: str, since: dict[int, int]) -> list:
    """Every record of ``topic`` from the offsets ``since`` to the topic's current end."""
    from kafka import KafkaConsumer, TopicPartition

    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, check_crcs=False,
                      max_poll_records=20000, fetch_max_bytes=32 * 1024 * 1024, isolation_level=ISOLATION,
                      **kafka_args())
    try:
        tps = [TopicPartition(topic, p) for p in sorted(since)]
        c.assign(tps)
        for tp in tps:
            c.seek(tp, since[tp.partition])
        stop_at = c.end_offsets(tps)
        out = []
        while any(c.position(tp) < stop_at[tp] for tp in tps):
            for recs in c.poll(timeout_ms=1000).values():
                out += [r for r in recs if r.offset < stop_at[TopicPartition(r.topic, r.partition)]]
        return out
    finally:
        c.close()


def decisions_by_tx(bootstrap: str, topic: str) -> dict[str, dict]:
    return {d["transaction_id"]: d for d in (json.loads(r.value) for r in read_all(bootstrap, topic))}


def decision_counts(bootstrap: str, topic: str) -> Counter[str]:
    """How many committed decisions each transaction_id has on ``topic`` (exactly once: all 1)."""
    return Counter(json.loads(r.value)["transaction_id"] for r in read_all(bootstrap, topic))


def count_rows(cql, table: str, ids: list[str]) -> int:
    """Rows of ``table`` (keyed by transaction_id) among ``ids``."""
    import uuid

    from cassandra.concurrent import execute_concurrent_with_args

    stmt = cql.prepare(f"SELECT transaction_id FROM {table} WHERE transaction_id IN ?")
    chunks = [([uuid.UUID(i) for i in ids[k:k + 100]],) for k in range(0, len(ids), 100)]
    results = execute_concurrent_with_args(cql, stmt, chunks, concurrency=32, raise_on_first_error=True)
    return sum(len(list(rows)) for _ok, rows in results)  # a failed read raises: never counted as 0 rows


class TcpProxy:
    """A TCP forwarder to ``target``: ``close()`` refuses and cuts every connection (Cassandra "down" for
    the client behind it), ``open()`` serves again on the same port."""

    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.target_port, self.port = target_port, port or free_port()
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                with contextlib.suppress(OSError):
                    self._server.shutdown(socket.SHUT_RDWR)
                self._server.close()
                self._server = None
            for c in self._conns:
                with contextlib.suppress(OSError):
                    c.shutdown(socket.SHUT_RDWR)
                c.close()
            self._conns.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


def malformed_payloads(good: dict) -> list[bytes]:
    """50 invalid payloads for the DLQ (every kind the scorer names), built around one valid event."""
    kinds = [
        b"not json at all", b"\xff\xfe\xfd invalid utf-8", b"[1,2,3]", b"",
        json.dumps({k: v for k, v in good.items() if k != "amount"}).encode(),
        json.dumps(good | {"is_fraud": 1}).encode(),
        json.dumps(good | {"customer_id": "12"}).encode(),
        json.dumps(good | {"amount": "12.5"}).encode(),
        json.dumps(good | {"amount": -5.0}).encode(),
        json.dumps(good | {"amount": 9e15}).encode(),
        json.dumps(good | {"event_time": "2999-01-01T00:00:00Z"}).encode(),
        json.dumps(good | {"device_id": "x" * 20000}).encode(),
        json.dumps(good | {"transaction_id": "not-a-uuid"}).encode(),
    ]
    return [kinds[i % len(kinds)] for i in range(50)]
