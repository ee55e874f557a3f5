"""Kafka's SCRAM users, made idempotently at every `up` by the admin (``KAFKA_MANAGE_ACCESS``).

Each user's credential is upserted from its `.env` password, so rotating a password in `.env` and running
`up` rotates it on the broker. The local broker's admin reaches the broker before any SCRAM user exists
through its static PLAIN login (server.properties), so a new log dir and one formatted before logins are
made the same way, once the broker is up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog

from fraud_platform.kafka_access import KafkaAccess, KafkaLogin, SaslMechanism
from fraud_runtime.errors import ServiceNotReady

log = structlog.get_logger("fraud.kafka.users")

SCRAM_ITERATIONS = 8192  # the broker accepts 4096..16384
TIMEOUT_S = 30.0


def admin_client(bootstrap: str, access: KafkaAccess) -> Any:
    """A confluent-kafka AdminClient logged in as ``access``."""
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": bootstrap, "log_level": 2} | access.librdkafka())


def ensure_users(bootstrap: str, admin: KafkaAccess, users: Sequence[KafkaLogin], mechanism: SaslMechanism) -> None:
    """Every user in ``users`` has a ``mechanism`` credential with its password (created or replaced)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

    if not mechanism.startswith("SCRAM-"):
        return  # PLAIN users live in the cluster's own configuration
    scram = ScramMechanism[mechanism.replace("-", "_")]
    upserts = [UserScramCredentialUpsertion(user.username, ScramCredentialInfo(scram, SCRAM_ITERATIONS),
                                            user.password.encode()) for user in users]
    client = admin_client(bootstrap, admin)
    for name, future in client.alter_user_scram_credentials(upserts, request_timeout=TIMEOUT_S).items():
        try:
            future.result()
        except KafkaException as exc:
            raise ServiceNotReady("kafka", f"cannot set the SCRAM credential of user {name!r}: {exc}") from exc
    log.info("kafka users set", users=[user.username for user in users], mechanism=mechanism)
