"""Cassandra logins: which settings become which login, and which failures mean "credentials refused"."""

from __future__ import annotations

from pathlib import Path

import pytest
from cassandra import AuthenticationFailed, OperationTimedOut
from cassandra.cluster import NoHostAvailable

from fraud_platform.endpoints import Endpoints
from fraud_platform.errors import ConfigError
from fraud_platform.settings import load_settings
from fraud_runtime.migrations.cassandra_roles import login_refused

pytestmark = pytest.mark.unit


def test_each_role_logs_in_with_its_own_env_password_and_none_without_one(monkeypatch, tmp_path: Path) -> None:
    for name in ("CASSANDRA_USERNAME", "CASSANDRA_PASSWORD", "CASSANDRA_ADMIN_USERNAME", "CASSANDRA_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    env = tmp_path / ".env"
    env.write_text("CASSANDRA_PASSWORD=app-secret\nCASSANDRA_ADMIN_PASSWORD=\n")
    endpoints = Endpoints(load_settings(env))
    assert (endpoints.cassandra_login.username, endpoints.cassandra_login.password) == ("fraud_app", "app-secret")
    assert endpoints.cassandra_admin_login is None  # blank: a cluster that does not authenticate
    assert "app-secret" not in repr(endpoints.cassandra_login)


@pytest.mark.parametrize("name", ["fraud_app; DROP ROLE x", "Fraud", "1app", "app-role", ""])
def test_a_role_name_that_is_not_a_plain_identifier_is_refused(monkeypatch, tmp_path: Path, name: str) -> None:
    monkeypatch.setenv("CASSANDRA_USERNAME", name)
    with pytest.raises(ConfigError, match="CASSANDRA_USERNAME"):
        load_settings(tmp_path / "missing.env")


def test_only_an_authentication_failure_counts_as_refused() -> None:
    refused = NoHostAvailable("Unable to connect", {"127.0.0.1:9042": AuthenticationFailed("bad credentials")})
    down = NoHostAvailable("Unable to connect", {"127.0.0.1:9042": ConnectionRefusedError(111, "refused")})
    assert login_refused(refused) and login_refused(AuthenticationFailed("bad"))
    assert not login_refused(down) and not login_refused(OperationTimedOut("slow"))
