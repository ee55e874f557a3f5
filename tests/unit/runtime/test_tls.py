"""The platform's own CA and the engines' keystore: what is made, when it is made again, and that a client
checking the chain and the host name accepts it (a real TLS handshake, in process)."""

from __future__ import annotations

import socket
import ssl
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from fraud_platform.paths import Paths
from fraud_runtime.tls import RENEW_SERVER_BEFORE, SERVER_DAYS, ensure_local_tls, server_names

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _paths(tmp_path: Path) -> Paths:
    return Paths(root=tmp_path, cache=tmp_path / "cache", state=tmp_path / "state")


def _server(tls) -> tuple[object, x509.Certificate, list[x509.Certificate]]:
    key, cert, chain = pkcs12.load_key_and_certificates(tls.keystore.read_bytes(), tls.password.encode())
    assert key is not None and cert is not None
    return key, cert, chain


def test_the_ca_and_keystore_are_made_private_and_name_this_host(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    tls = ensure_local_tls(paths, "127.0.0.1", "pw-1", NOW)
    assert stat.S_IMODE(paths.tls.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.tls_ca_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.tls_keystore.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.tls_ca.stat().st_mode) == 0o644
    ca = x509.load_pem_x509_certificate(paths.tls_ca.read_bytes())
    _, cert, chain = _server(tls)
    cert.verify_directly_issued_by(ca)
    assert chain == [ca]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"localhost"}
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    assert cert.not_valid_after_utc - NOW <= timedelta(days=SERVER_DAYS)
    assert "pw-1" not in repr(tls)


def test_a_second_call_keeps_both_and_a_change_issues_a_new_server_certificate(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    ensure_local_tls(paths, "127.0.0.1", "pw-1", NOW)
    ca, keystore = paths.tls_ca.read_bytes(), paths.tls_keystore.read_bytes()
    ensure_local_tls(paths, "127.0.0.1", "pw-1", NOW + timedelta(days=1))
    assert (paths.tls_ca.read_bytes(), paths.tls_keystore.read_bytes()) == (ca, keystore)

    tls = ensure_local_tls(paths, "10.1.2.3", "pw-1", NOW)  # another bind host
    assert "10.1.2.3" in {str(ip) for ip in _server(tls)[1].extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value.get_values_for_type(x509.IPAddress)}
    keystore = paths.tls_keystore.read_bytes()
    ensure_local_tls(paths, "10.1.2.3", "pw-2", NOW)  # another password: the old keystore does not open
    assert paths.tls_keystore.read_bytes() != keystore
    keystore = paths.tls_keystore.read_bytes()
    near_end = _server(ensure_local_tls(paths, "10.1.2.3", "pw-2", NOW))[1].not_valid_after_utc - RENEW_SERVER_BEFORE
    ensure_local_tls(paths, "10.1.2.3", "pw-2", near_end + timedelta(hours=1))
    assert paths.tls_keystore.read_bytes() != keystore
    assert paths.tls_ca.read_bytes() == ca  # the authority stays: clients keep trusting it


def test_a_damaged_ca_is_made_again_with_a_server_certificate_it_signed(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    ensure_local_tls(paths, "127.0.0.1", "pw", NOW)
    paths.tls_ca_key.write_text("not a key")
    tls = ensure_local_tls(paths, "127.0.0.1", "pw", NOW)
    _server(tls)[1].verify_directly_issued_by(x509.load_pem_x509_certificate(paths.tls_ca.read_bytes()))


def test_a_wildcard_bind_host_names_this_machine() -> None:
    dns, ips = server_names("0.0.0.0")
    assert socket.gethostname().lower() in dns and "127.0.0.1" in ips
    assert server_names("db.example.org") == (frozenset({"localhost", "db.example.org"}),
                                              frozenset({"127.0.0.1", "::1"}))


def test_a_client_verifying_against_the_ca_completes_a_handshake_and_another_ca_is_refused(tmp_path: Path) -> None:
    tls = ensure_local_tls(_paths(tmp_path / "a"), "127.0.0.1", "pw", datetime.now(UTC))
    other = ensure_local_tls(_paths(tmp_path / "b"), "127.0.0.1", "pw", datetime.now(UTC))
    key, cert, _ = _server(tls)
    pem = tmp_path / "server.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,  # type: ignore[union-attr]
                                      serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(pem)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve(n: int) -> None:
        for _ in range(n):
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True) as tls_conn:
                    tls_conn.sendall(b"ok")
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, args=(2,), daemon=True)
    thread.start()
    try:
        good = ssl.create_default_context(cafile=str(tls.ca_file))
        with socket.create_connection(("127.0.0.1", port)) as raw, \
                good.wrap_socket(raw, server_hostname="127.0.0.1") as client:
            assert client.recv(2) == b"ok"
        bad = ssl.create_default_context(cafile=str(other.ca_file))
        with pytest.raises(ssl.SSLCertVerificationError), socket.create_connection(("127.0.0.1", port)) as raw:
            bad.wrap_socket(raw, server_hostname="127.0.0.1")
    finally:
        thread.join(5)
        listener.close()
