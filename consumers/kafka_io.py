"""The one narrow Kafka interface of the stream processes, with two clients behind it (``KAFKA_CLIENT``).

* ``confluent-kafka`` (default): librdkafka, the C client the field uses for throughput
  (``consumers/kafka_clients/librdkafka.py``).
* ``kafka-python``: pure Python, for hosts without librdkafka wheels (``consumers/kafka_clients/pure.py``).

Both are configured one way: consumers never auto-commit (``loop.ConsumerLoop`` commits after the outputs
are acknowledged) and read with ``isolation.level=read_committed`` (``ISOLATION``: a record of an aborted or
still open transaction is never seen); producers are idempotent with ``acks=all`` (a retried send is never
duplicated by the broker) and report every failed delivery: ``Producer.poll``/``flush`` raise
``DeliveryFailed`` naming it, so an unacknowledged record can never have its input offset committed.

A producer made with a ``transactional_id`` is transactional (both clients; kafka-python supports KIP-98/447
since 2.1): ``begin``, ``send``…, then ``commit(offsets, group_metadata)`` sends the consumer's offsets in
the same transaction and commits it - the outputs and the input position become visible together or not at
all. ``init_transactions`` (in the constructor) fences every older producer of the same id: a zombie instance
can no longer publish or commit. An abortable failure is aborted and raised as ``TransactionAborted`` (the
caller rewinds to the committed offsets); a fatal one (fenced, unauthorised) as ``KafkaIOError`` (the
process exits and its supervisor restarts it). The records, partitions and errors below are the clients'
common vocabulary; nothing outside ``kafka_clients`` imports a client library.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeVar, get_args

from fraud_platform.kafka_access import KafkaAccess
from fraud_platform.settings import KafkaClient as ClientName
from fraud_platform.settings import KafkaSettings

CLIENTS: tuple[ClientName, ...] = get_args(ClientName)
DEFAULT_CLIENT: ClientName = CLIENTS[0]
Headers = list[tuple[str, bytes]]

# Producer settings, chosen for latency without giving up batching (documented in consumers/README.md):
LINGER_MS = 1  # a record waits at most 1 ms for others to share its request (a backlog still fills batches)
BATCH_BYTES = 256 * 1024
MAX_REQUEST_BYTES = 8 * 1024 * 1024
# A record not acknowledged by then is a DeliveryFailed (never dropped silently): KAFKA_DELIVERY_TIMEOUT_MS.
DELIVERY_TIMEOUT_MS: int = KafkaSettings.model_fields["delivery_timeout_ms"].default
# A transaction the producer neither commits nor aborts in this time is aborted by the broker (a killed
# instance that is not restarted holds read_committed readers back at most this long); librdkafka wants it
# at least the delivery timeout.
TRANSACTION_TIMEOUT_MS = 60_000
# Consumer settings
ISOLATION = "read_committed"  # every reader: outputs of aborted transactions never count
SESSION_TIMEOUT_MS, HEARTBEAT_MS = 10_000, 3_000
MAX_POLL_INTERVAL_MS = 600_000  # a batch may wait for Cassandra to come back (retry with backoff)
FETCH_MAX_BYTES = 16 * 1024 * 1024


class TopicPartition(NamedTuple):
    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class Record:
    """One consumed record; ``value`` is ``b""`` for a tombstone; ``timestamp`` in epoch milliseconds (-1
    when the record has none)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Headers | None = None
    timestamp: int = -1


class KafkaIOError(RuntimeError):
    """A Kafka failure the caller must not paper over."""


class CommitFailed(KafkaIOError):
    """The commit was refused because a rebalance took the partitions; their new owner replays."""


class DeliveryFailed(KafkaIOError):
    """A produced record was not acknowledged (broker error or ``DELIVERY_TIMEOUT_MS`` passed)."""


class TransactionAborted(KafkaIOError):
    """The transaction was aborted (a failed delivery, a rebalance that fenced the group generation, a
    timeout): none of its records is visible, its offsets are not committed. Rewind to the committed offsets."""


class Consumer(Protocol):
    def partitions(self, topic: str) -> list[TopicPartition]: ...  # every partition; KafkaIOError if no topic
    def subscribe(self, topics: list[str], on_assigned: Callable[[list[TopicPartition]], None],
                  on_revoked: Callable[[list[TopicPartition]], None]) -> None: ...
    def assign(self, tps: list[TopicPartition]) -> None: ...
    def poll(self, timeout_s: float, max_records: int) -> list[Record]: ...  # waits only for the first record
    def seek(self, tp: TopicPartition, offset: int) -> None: ...
    def seek_to_beginning(self, tp: TopicPartition) -> None: ...
    def position(self, tp: TopicPartition) -> int: ...
    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]: ...
    def assignment(self) -> set[TopicPartition]: ...
    def commit(self, offsets: dict[TopicPartition, int] | None = None) -> None: ...  # None: all polled
    def committed(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]: ...  # the group's; none: absent
    def group_metadata(self) -> object: ...  # for ``Producer.commit`` (KIP-447 fencing by group generation)
    def close(self) -> None: ...  # never commits


class Producer(Protocol):
    def send(self, topic: str, *, key: bytes | None = None, value: bytes, headers: Headers | None = None,
             timestamp_ms: int | None = None) -> None: ...
    def poll(self) -> None: ...  # serve delivery reports without waiting; DeliveryFailed if one failed
    def flush(self) -> None: ...  # wait until every record sent is acknowledged; DeliveryFailed if one failed
    def close(self) -> None: ...
    # Transactional producers only (``transactional_id``); see the module docstring.
    def begin(self) -> None: ...
    def commit(self, offsets: dict[TopicPartition, int], group_metadata: object) -> None: ...


def _module(client: ClientName):
    if client == "confluent-kafka":
        from consumers.kafka_clients import librdkafka

        return librdkafka
    if client == "kafka-python":
        from consumers.kafka_clients import pure

        return pure
    raise ValueError(f"unknown Kafka client {client!r} (one of {', '.join(CLIENTS)})")


def consumer(bootstrap: str, group: str | None, *, access: KafkaAccess, batch_size: int, client_id: str,
             partition_fetch_bytes: int = 4 * 1024 * 1024, client: ClientName = DEFAULT_CLIENT) -> Consumer:
    """A group member (or, with ``group=None``, a standalone reader for ``assign``), logged in as ``access``.
    A small ``partition_fetch_bytes`` makes the partitions of a backlog advance in step (see ``scorer.py``)."""
    return _module(client).consumer(bootstrap, group, access=access, batch_size=batch_size, client_id=client_id,
                                    partition_fetch_bytes=partition_fetch_bytes)


def producer(bootstrap: str, *, access: KafkaAccess, client_id: str, linger_ms: int = LINGER_MS,
             client: ClientName = DEFAULT_CLIENT, delivery_timeout_ms: int = DELIVERY_TIMEOUT_MS,
             on_acknowledged: Callable[[float], None] | None = None, transactional_id: str | None = None) -> Producer:
    """Idempotent, ``acks=all``, batched producer, logged in as ``access``. ``on_acknowledged(seconds)`` is
    told how long each acknowledged record took from ``send`` (the produce-ack stage of the latency metrics). With
    ``transactional_id``: transactional, its older instances fenced before this returns."""
    return _module(client).producer(bootstrap, access=access, client_id=client_id, linger_ms=linger_ms,
                                    delivery_timeout_ms=delivery_timeout_ms, on_acknowledged=on_acknowledged,
                                    transactional_id=transactional_id)


def topic_ids(bootstrap: str, names: list[str], *, access: KafkaAccess, client: ClientName = DEFAULT_CLIENT,
              timeout_s: float = 30.0) -> dict[str, str]:
    """Each topic's id (a UUID, KIP-516): a topic deleted and created again under the same name gets a new
    one, so a checkpoint that names it can tell its offsets belong to another topic. KafkaIOError if a topic
    does not exist."""
    return _module(client).topic_ids(bootstrap, names, access=access, timeout_s=timeout_s)


T = TypeVar("T")
log = logging.getLogger("consumers.kafka")
RETRY_MAX_S = 5.0


def retrying(what: str, call: Callable[[], T], errors: type[Exception] | tuple[type[Exception], ...],
             fatal: Callable[[Exception], bool] = lambda exc: False) -> T:
    """``call()`` until the cluster answers: a broker away is waited for (backoff 0.2 s doubling up to
    ``RETRY_MAX_S``; the consumers' watchdog ends a wait longer than ``STREAM_STALL_SECONDS``); an error
    ``fatal`` says cannot heal is raised as ``KafkaIOError``. Both clients' offset and metadata queries use it."""
    delay = 0.2
    while True:
        try:
            return call()
        except errors as exc:
            if fatal(exc):
                raise KafkaIOError(f"{what}: {exc}") from None
            log.warning("kafka %s failed, retrying in %.1f s: %s", what, delay, exc)
            time.sleep(delay)
            delay = min(RETRY_MAX_S, delay * 2)


def lag(client: Consumer, assigned: set[TopicPartition]) -> dict[TopicPartition, int]:
    """Records between each assigned partition's position and its end."""
    if not assigned:
        return {}
    ends = client.end_offsets(sorted(assigned))
    return {tp: max(0, ends[tp] - client.position(tp)) for tp in assigned}
