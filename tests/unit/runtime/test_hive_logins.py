"""HiveServer2 logins: the credentials file the local server checks (0600, a salted PBKDF2 hash, never the
password), which settings become which login, and how the server is started (CUSTOM with our check)."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest

from fraud_platform.endpoints import Endpoints
from fraud_platform.errors import ConfigError
from fraud_platform.settings import load_settings
from fraud_runtime.context import Context
from fraud_runtime.hive_credentials import ALGORITHM, ITERATIONS, read_credentials, write_credentials
from fraud_runtime.services.hive import HiveServer2

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]
HIVE_VARIABLES = ("HIVE_USERNAME", "HIVE_PASSWORD", "HIVE_AUTH", "HIVE_HIVESERVER2_HOST")


def test_the_file_is_private_and_holds_a_salted_pbkdf2_hash_not_the_password(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "hs2.properties"
    write_credentials(path, "fraud_app", "pa55-word", iterations=1000)
    text = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "pa55-word" not in text and f"algorithm={ALGORITHM}\n" in text
    stored = read_credentials(path)
    assert (stored.username, stored.iterations, len(stored.salt)) == ("fraud_app", 1000, 16)
    # The hash is plain PBKDF2-HMAC-SHA256 (what the JDK's PBKDF2WithHmacSHA256 computes in the server).
    assert stored.hash == hashlib.pbkdf2_hmac("sha256", b"pa55-word", stored.salt, 1000, 32)
    assert base64.b64encode(stored.hash).decode() in text
    assert stored.matches("fraud_app", "pa55-word")
    assert not stored.matches("fraud_app", "pa55-word ") and not stored.matches("fraud_ap", "pa55-word")


def test_each_write_has_a_fresh_salt_and_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "hs2.properties"
    write_credentials(path, "fraud_app", "one", iterations=1000)
    first = read_credentials(path)
    write_credentials(path, "fraud_app", "two", iterations=1000)
    second = read_credentials(path)
    assert first.salt != second.salt and second.matches("fraud_app", "two") and not second.matches("fraud_app", "one")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hs2.properties"]  # no partial file left behind
    assert ITERATIONS >= 100_000  # the server's default cost per login


def _endpoints(monkeypatch, tmp_path: Path, env: str) -> Endpoints:
    for name in HIVE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(env)
    return Endpoints(load_settings(tmp_path / ".env"))


def test_the_local_server_login_is_custom_with_the_env_password(monkeypatch, tmp_path: Path) -> None:
    login = _endpoints(monkeypatch, tmp_path, "HIVE_PASSWORD=hive-secret\n").hive_login
    assert (login.username, login.password, login.auth) == ("fraud_app", "hive-secret", "CUSTOM")
    assert "hive-secret" not in repr(login)


def test_a_missing_password_fails_when_a_login_is_needed(monkeypatch, tmp_path: Path) -> None:
    endpoints = _endpoints(monkeypatch, tmp_path, "HIVE_PASSWORD=\n")
    with pytest.raises(ConfigError, match="HIVE_PASSWORD"):
        _ = endpoints.hive_login


def test_only_an_external_server_may_use_another_mode(monkeypatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="HIVE_AUTH"):
        _endpoints(monkeypatch, tmp_path, "HIVE_AUTH=NOSASL\n")
    external = _endpoints(monkeypatch, tmp_path, "HIVE_HIVESERVER2_HOST=hs2.example\nHIVE_AUTH=NONE\n"
                                                 "HIVE_USERNAME=analyst\nHIVE_PASSWORD=unused\n").hive_login
    assert (external.username, external.password, external.auth) == ("analyst", None, "NONE")
    ldap = _endpoints(monkeypatch, tmp_path, "HIVE_HIVESERVER2_HOST=hs2.example\nHIVE_AUTH=LDAP\n"
                                             "HIVE_USERNAME=first.last@corp\nHIVE_PASSWORD=p\n").hive_login
    assert (ldap.username, ldap.password, ldap.auth) == ("first.last@corp", "p", "LDAP")


@pytest.mark.parametrize("name", ["fraud app", "a=b", "#x", "x:y", ""])
def test_a_user_name_the_properties_file_cannot_hold_plainly_is_refused(monkeypatch, tmp_path: Path,
                                                                        name: str) -> None:
    with pytest.raises(ConfigError, match="HIVE_USERNAME"):
        _endpoints(monkeypatch, tmp_path, f"HIVE_USERNAME={name}\n")


def test_the_server_checks_logins_with_our_class_and_gets_only_the_file_path(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FRAUD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HIVE_PASSWORD", "never-on-a-command-line")
    server = HiveServer2(Context.load(root=ROOT))
    server.render_config()
    argv = server.program().argv
    assert "hive.server2.authentication=CUSTOM" in argv and "hive.server2.authentication=NOSASL" not in argv
    assert f"hive.server2.custom.authentication.class={server.authenticator}" in argv
    assert argv[argv.index("--driver-class-path") + 1] == server.artifacts.launcher_classpath("hs2-auth")
    assert f"-Dfraud.hiveserver2.credentials={server.credentials_file}" in argv[argv.index("--driver-java-options") + 1]
    assert not [arg for arg in argv if "never-on-a-command-line" in arg]
    assert read_credentials(server.credentials_file).matches("fraud_app", "never-on-a-command-line")
    assert (ROOT / "jvm" / "hs2-auth" / f"{server.authenticator}.java").exists()
