"""How a Kafka client logs in: one frozen object per user, mapped once to each client library's settings.

The platform's broker serves SASL_PLAINTEXT with SCRAM-SHA-512 (``KAFKA_SECURITY_PROTOCOL``,
``KAFKA_SASL_MECHANISM``); an external cluster may be PLAINTEXT or SASL_SSL (with ``KAFKA_SSL_CA_FILE``).
Each process logs in as its own user (``KAFKA_ROLES``), whose ACLs allow exactly what it does
(``fraud_runtime/migrations/kafka_acls.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, get_args

SecurityProtocol = Literal["SASL_PLAINTEXT", "PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]
KafkaRole = Literal["admin", "scorer", "persister", "producer"]
KAFKA_ROLES: tuple[KafkaRole, ...] = get_args(KafkaRole)


@dataclass(frozen=True)
class KafkaLogin:
    """A Kafka user and its password (SASL)."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class KafkaAccess:
    """Security protocol, SASL mechanism, login and CA file of one client."""

    security_protocol: SecurityProtocol = "PLAINTEXT"
    mechanism: SaslMechanism = "SCRAM-SHA-512"
    login: KafkaLogin | None = None
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.sasl and self.login is None:
            raise ValueError(f"{self.security_protocol} needs a login")

    @property
    def sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def tls(self) -> bool:
        return self.security_protocol.endswith("SSL")

    def with_mechanism(self, mechanism: SaslMechanism) -> KafkaAccess:
        return replace(self, mechanism=mechanism)

    def with_login(self, login: KafkaLogin) -> KafkaAccess:
        return replace(self, login=login)

    def kafka_python(self) -> dict[str, str]:
        """Keyword arguments for kafka-python's clients (KafkaConsumer, KafkaProducer, KafkaAdminClient)."""
        out: dict[str, str] = {"security_protocol": self.security_protocol}
        if self.sasl and self.login is not None:
            out |= {"sasl_mechanism": self.mechanism, "sasl_plain_username": self.login.username,
                    "sasl_plain_password": self.login.password}
        if self.tls and self.ca_file:
            out["ssl_cafile"] = self.ca_file
        return out

    def librdkafka(self) -> dict[str, str]:
        """Configuration properties for confluent-kafka (librdkafka)."""
        out: dict[str, str] = {"security.protocol": self.security_protocol.lower()}
        if self.sasl and self.login is not None:
            out |= {"sasl.mechanisms": self.mechanism, "sasl.username": self.login.username,
                    "sasl.password": self.login.password}
        if self.tls and self.ca_file:
            out["ssl.ca.location"] = self.ca_file
        return out


PLAINTEXT = KafkaAccess()  # no login: a cluster that does not authenticate
