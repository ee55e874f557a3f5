"""Kafka ACLs: each platform user may do exactly what its process does, nothing else (``KAFKA_MANAGE_ACCESS``).

- scorer: reads ``transaction_topic`` and ``fraud_labels``, writes ``fraud_topic`` and ``transaction_dlq`` in
  its transactions (transactional ids and consumer groups named after ``STREAM_SCORER_GROUP``: the group, its
  ``-offsets`` and ``-labels-standalone`` handles, its ``<group>-<instance>`` transactional ids);
- persister: reads ``transaction_topic``, ``fraud_topic`` and ``fraud_labels`` in groups named after
  ``STREAM_PERSISTER_GROUP``;
- producer: writes ``transaction_topic`` and ``fraud_labels`` (idempotently: Write is all that takes).

Topics are exact names (``fraud_domain.topics``); groups and transactional ids are prefixes, since each
process derives several from its group. The admin is a super user and needs none. ACLs a platform user has
beyond these are removed, so a narrowed grant narrows on the broker at the next `up`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import structlog

from fraud_domain import topics
from fraud_platform.kafka_access import KafkaAccess
from fraud_platform.settings import Settings
from fraud_runtime.errors import ServiceNotReady
from fraud_runtime.migrations.kafka_users import TIMEOUT_S, admin_client

log = structlog.get_logger("fraud.kafka.acls")


@dataclass(frozen=True, order=True)
class Grant:
    """One ALLOW ACL: ``user`` may ``operation`` the ``resource`` named ``name`` (LITERAL or PREFIXED)."""

    user: str
    resource: str  # TOPIC, GROUP, TRANSACTIONAL_ID
    name: str
    pattern: str  # LITERAL, PREFIXED
    operation: str  # READ, WRITE

    @property
    def principal(self) -> str:
        return f"User:{self.user}"


def _topics(user: str, operation: str, names: Iterable[str]) -> list[Grant]:
    return [Grant(user, "TOPIC", name, "LITERAL", operation) for name in names]


def grants(settings: Settings) -> tuple[Grant, ...]:
    """Every ACL the platform's users need, from the settings (user names, group names)."""
    k, s = settings.kafka, settings.stream
    scorer, persister, producer = k.scorer_username, k.persister_username, k.producer_username
    return tuple(sorted({
        *_topics(scorer, "READ", (topics.TRANSACTIONS, topics.LABELS)),
        *_topics(scorer, "WRITE", (topics.DECISIONS, topics.DLQ)),
        Grant(scorer, "GROUP", s.scorer_group, "PREFIXED", "READ"),
        Grant(scorer, "TRANSACTIONAL_ID", s.scorer_group, "PREFIXED", "WRITE"),
        *_topics(persister, "READ", (topics.TRANSACTIONS, topics.DECISIONS, topics.LABELS)),
        Grant(persister, "GROUP", s.persister_group, "PREFIXED", "READ"),
        *_topics(producer, "WRITE", (topics.TRANSACTIONS, topics.LABELS)),
    }))


def _binding(grant: Grant) -> Any:
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    return AclBinding(ResourceType[grant.resource], grant.name, ResourcePatternType[grant.pattern], grant.principal,
                      "*", AclOperation[grant.operation], AclPermissionType.ALLOW)


def _grant(binding: Any) -> Grant | None:
    """The Grant an existing ACL is, None if it is not an ALLOW from any host."""
    if binding.permission_type.name != "ALLOW" or binding.host != "*":
        return None
    return Grant(binding.principal.removeprefix("User:"), binding.restype.name, binding.name,
                 binding.resource_pattern_type.name, binding.operation.name)


def ensure_acls(bootstrap: str, admin: KafkaAccess, settings: Settings) -> None:
    """Create the missing grants and delete every other ACL of the platform's users (idempotent)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    wanted = grants(settings)
    users = sorted({g.user for g in wanted})
    client = admin_client(bootstrap, admin)
    try:
        existing = []
        for user in users:
            found = client.describe_acls(AclBindingFilter(
                ResourceType.ANY, None, ResourcePatternType.ANY, f"User:{user}", None, AclOperation.ANY,
                AclPermissionType.ANY), request_timeout=TIMEOUT_S).result()
            existing += found
        stale = [b for b in existing if _grant(b) not in wanted]
        have = {_grant(b) for b in existing}
        missing = [_binding(g) for g in wanted if g not in have]
        if missing:
            for future in client.create_acls(missing, request_timeout=TIMEOUT_S).values():
                future.result()
        if stale:
            filters = [AclBindingFilter(b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation,
                                        b.permission_type) for b in stale]
            for future in client.delete_acls(filters, request_timeout=TIMEOUT_S).values():
                future.result()
    except KafkaException as exc:
        raise ServiceNotReady("kafka", f"cannot set the platform users' ACLs: {exc}") from exc
    log.info("kafka acls set", created=len(missing), removed=len(stale), users=users)
