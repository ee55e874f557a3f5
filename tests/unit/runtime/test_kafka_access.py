"""Kafka logins: which settings become which login, each client's mapping of it, and the users' grants."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraud_domain import topics
from fraud_platform.endpoints import Endpoints
from fraud_platform.errors import ConfigError
from fraud_platform.kafka_access import KAFKA_ROLES, PLAINTEXT, KafkaAccess, KafkaLogin
from fraud_platform.settings import load_settings
from fraud_runtime.migrations.kafka_acls import Grant, grants

pytestmark = pytest.mark.unit

LOGIN = KafkaLogin("scorer", "s3cret")


def test_sasl_plaintext_maps_to_both_clients() -> None:
    access = KafkaAccess("SASL_PLAINTEXT", "SCRAM-SHA-512", LOGIN)
    assert access.kafka_python() == {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
                                     "sasl_plain_username": "scorer", "sasl_plain_password": "s3cret"}
    assert access.librdkafka() == {"security.protocol": "sasl_plaintext", "sasl.mechanisms": "SCRAM-SHA-512",
                                   "sasl.username": "scorer", "sasl.password": "s3cret"}
    assert "s3cret" not in repr(access)


def test_sasl_ssl_adds_the_ca_file_and_plaintext_has_no_login() -> None:
    access = KafkaAccess("SASL_SSL", "PLAIN", LOGIN, "/etc/ca.pem")
    assert access.kafka_python()["ssl_cafile"] == "/etc/ca.pem"
    assert access.librdkafka()["ssl.ca.location"] == "/etc/ca.pem"
    assert PLAINTEXT.kafka_python() == {"security_protocol": "PLAINTEXT"}
    assert PLAINTEXT.librdkafka() == {"security.protocol": "plaintext"}
    with pytest.raises(ValueError, match="needs a login"):
        KafkaAccess("SASL_PLAINTEXT", "SCRAM-SHA-512", None)


def _clear(monkeypatch) -> None:
    for role in KAFKA_ROLES:
        for key in ("USERNAME", "PASSWORD"):
            monkeypatch.delenv(f"KAFKA_{role.upper()}_{key}", raising=False)
    for name in ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SSL_CA_FILE"):
        monkeypatch.delenv(name, raising=False)


def test_each_role_logs_in_as_its_own_user_and_a_missing_password_fails(monkeypatch, tmp_path: Path) -> None:
    _clear(monkeypatch)
    env = tmp_path / ".env"
    env.write_text("KAFKA_SCORER_PASSWORD=scorer-secret\nKAFKA_PRODUCER_USERNAME=feed\nKAFKA_PRODUCER_PASSWORD=p\n")
    endpoints = Endpoints(load_settings(env))
    scorer = endpoints.kafka_access("scorer")
    assert (scorer.security_protocol, scorer.mechanism, scorer.login) == ("SASL_PLAINTEXT", "SCRAM-SHA-512",
                                                                          KafkaLogin("scorer", "scorer-secret"))
    assert endpoints.kafka_access("producer").login == KafkaLogin("feed", "p")
    with pytest.raises(ConfigError, match="KAFKA_PERSISTER_PASSWORD"):
        endpoints.kafka_access("persister")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    assert Endpoints(load_settings(env)).kafka_access("persister") == PLAINTEXT


def test_grants_are_exact_topics_and_the_processes_group_prefixes(monkeypatch, tmp_path: Path) -> None:
    _clear(monkeypatch)
    settings = load_settings(tmp_path / "missing.env")
    by_user: dict[str, set[tuple[str, str, str, str]]] = {}
    for g in grants(settings):
        by_user.setdefault(g.user, set()).add((g.resource, g.name, g.pattern, g.operation))
    assert by_user == {
        "scorer": {("TOPIC", topics.TRANSACTIONS, "LITERAL", "READ"), ("TOPIC", topics.LABELS, "LITERAL", "READ"),
                   ("TOPIC", topics.DECISIONS, "LITERAL", "WRITE"), ("TOPIC", topics.DLQ, "LITERAL", "WRITE"),
                   ("GROUP", "fraud-scorer", "PREFIXED", "READ"),
                   ("TRANSACTIONAL_ID", "fraud-scorer", "PREFIXED", "WRITE")},
        "persister": {("TOPIC", t, "LITERAL", "READ") for t in (topics.TRANSACTIONS, topics.DECISIONS, topics.LABELS)}
        | {("GROUP", "fraud-persister", "PREFIXED", "READ")},
        "producer": {("TOPIC", topics.TRANSACTIONS, "LITERAL", "WRITE"), ("TOPIC", topics.LABELS, "LITERAL", "WRITE")},
    }
    assert all(isinstance(g, Grant) and g.principal == f"User:{g.user}" for g in grants(settings))
