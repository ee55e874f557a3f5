"""The platform's own certificate authority and the local engines' TLS identity.

`up` keeps three files in ``<state>/tls`` (``Paths.tls_*``):

- ``ca.pem``: the authority's certificate. Clients verify the local Kafka TLS listener and Cassandra's CQL port
  against it (``KAFKA_SECURITY_PROTOCOL=SASL_SSL``, ``CASSANDRA_SSL=true``); it is public.
- ``ca.key``: the authority's private key, kept to issue the next server certificate (mode 0600).
- ``server.p12``: the engines' private key and certificate chain, a PKCS#12 keystore encrypted with
  ``FRAUD_TLS_KEYSTORE_PASSWORD`` (mode 0600), read by Kafka and Cassandra.

The server certificate names ``localhost``, 127.0.0.1, ::1 and the bind host (and this machine's names when
the bind host is a wildcard). It is issued again when those names change, when the keystore password changes,
when the authority changes, and within 30 days of its end; the authority is made again within a year of its
own end. Nothing here ever leaves the state dir.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fraud_platform.config import PlatformConfig
from fraud_platform.errors import ConfigError
from fraud_platform.paths import Paths

CA_DAYS = 3650
SERVER_DAYS = 397  # the longest a browser-trusted server certificate may live: a sane ceiling anywhere
RENEW_SERVER_BEFORE = timedelta(days=30)
RENEW_CA_BEFORE = timedelta(days=365)
KEYSTORE_ALIAS = b"fraud-platform"
_WILDCARDS = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class LocalTls:
    """What the engines' configs name: the CA the clients trust and the keystore the engines serve."""

    ca_file: Path
    keystore: Path
    password: str

    def __repr__(self) -> str:
        return f"LocalTls(ca_file={self.ca_file}, keystore={self.keystore})"


def server_names(bind_host: str) -> tuple[frozenset[str], frozenset[str]]:
    """(DNS names, IP addresses) the server certificate must carry for clients of ``bind_host``."""
    dns, ips = {"localhost"}, {"127.0.0.1", "::1"}
    hosts = [bind_host] if bind_host not in _WILDCARDS else [socket.gethostname(), socket.getfqdn()]
    for host in hosts:
        try:
            ips.add(str(ipaddress.ip_address(host)))
        except ValueError:
            dns.add(host.lower())
    return frozenset(dns), frozenset(ips)


def local_tls(config: PlatformConfig) -> LocalTls:
    """``ensure_local_tls`` for a checkout's settings: its state dir, bind host and FRAUD_TLS_KEYSTORE_PASSWORD."""
    password = config.settings.platform.tls_keystore_password
    if password is None:
        raise ConfigError("FRAUD_TLS_KEYSTORE_PASSWORD is not set: run `./fraudctl setup` to generate it into .env")
    secret = password.get_secret_value()
    if any(c in secret for c in '"\\\n'):  # it is written into server.properties and cassandra.yaml
        raise ConfigError("FRAUD_TLS_KEYSTORE_PASSWORD may not hold a quote, a backslash or a line break")
    return ensure_local_tls(config.paths, config.settings.platform.bind_host, secret)


def ensure_local_tls(paths: Paths, bind_host: str, password: str, now: datetime | None = None) -> LocalTls:
    """The local authority and server keystore, made or renewed as the module says; cheap when both are fine."""
    if not password:
        raise ValueError("FRAUD_TLS_KEYSTORE_PASSWORD is empty: run `./fraudctl setup` to generate it")
    now = now or datetime.now(UTC)
    paths.tls.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.tls, 0o700)
    ca_cert, ca_key = _ensure_ca(paths, now)
    tls = LocalTls(paths.tls_ca, paths.tls_keystore, password)
    if not _server_is_current(tls, ca_cert, server_names(bind_host), now):
        _write(paths.tls_keystore, _issue_server(ca_cert, ca_key, server_names(bind_host), password, now), 0o600)
    return tls


def _ensure_ca(paths: Paths, now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    try:
        cert = x509.load_pem_x509_certificate(paths.tls_ca.read_bytes())
        key = serialization.load_pem_private_key(paths.tls_ca_key.read_bytes(), password=None)
        if (isinstance(key, ec.EllipticCurvePrivateKey) and cert.not_valid_after_utc - now > RENEW_CA_BEFORE
                and key.public_key().public_numbers() == cert.public_key().public_numbers()):
            return cert, key
    except (OSError, ValueError):
        pass
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fraud Lambda Platform"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"local CA {now:%Y-%m-%d %H:%M:%S} UTC")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    _write(paths.tls_ca_key, key_pem, 0o600)
    _write(paths.tls_ca, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert, key


def _server_is_current(tls: LocalTls, ca: x509.Certificate, names: tuple[frozenset[str], frozenset[str]],
                       now: datetime) -> bool:
    try:
        _key, cert, _chain = pkcs12.load_key_and_certificates(tls.keystore.read_bytes(), tls.password.encode())
    except (OSError, ValueError):  # missing, damaged, or sealed with another password
        return False
    if cert is None or cert.not_valid_after_utc - now < RENEW_SERVER_BEFORE or cert.issuer != ca.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return _names_of(cert) == names


def _names_of(cert: x509.Certificate) -> tuple[frozenset[str], frozenset[str]]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return (frozenset(san.get_values_for_type(x509.DNSName)),
            frozenset(str(ip) for ip in san.get_values_for_type(x509.IPAddress)))


def _issue_server(ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey,
                  names: tuple[frozenset[str], frozenset[str]], password: str, now: datetime) -> bytes:
    dns, ips = names
    key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName(d) for d in sorted(dns)] + [x509.IPAddress(ipaddress.ip_address(i)) for i in sorted(ips)]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fraud Lambda Platform"),
                                 x509.NameAttribute(NameOID.COMMON_NAME, sorted(dns)[0])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=SERVER_DAYS), ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        # serverAuth for the listeners; clientAuth because the broker also connects to its own TLS listener
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(KEYSTORE_ALIAS, key, cert, [ca],
                                                 serialization.BestAvailableEncryption(password.encode()))


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
                         encipher_only=False, decipher_only=False)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write by renaming over, so a reader never sees half a key or a keystore."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
