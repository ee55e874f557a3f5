"""HiveServer2's binary Thrift transport over TLS, which PyHive does not build itself (its ``https`` scheme is
the HTTP transport): a certificate-checking TLS socket with the PLAIN SASL login inside it, as PyHive does over a
plain socket. Only the standard library, thrift, thrift_sasl and PyHive: Superset's venv imports it too
(``apps/superset_reports/hive_tls_dialect.py``)."""

from __future__ import annotations

import ssl
from typing import Any


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """TLS 1.2 or later; the chain checked against ``ca_file`` (None: the system's CAs) and the host name."""
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def tls_transport(host: str, port: int, *, username: str, password: str | None, auth: str,
                  ca_file: str | None) -> Any:
    """An unopened Thrift transport to HiveServer2 at ``host:port`` over TLS: PLAIN SASL with ``username`` and
    ``password`` (PyHive's rule: a placeholder for NONE), or none for NOSASL. Hand it to
    ``pyhive.hive.connect(thrift_transport=...)``."""
    from thrift.transport import TSSLSocket, TTransport

    class Socket(TSSLSocket.TSSLSocket):
        def close(self) -> None:  # thrift's close after a failed open (a refused certificate) raises AttributeError
            if self.handle is not None:
                super().close()

    socket = Socket(host, port, ssl_context=tls_context(ca_file), server_hostname=host)
    if auth == "NOSASL":
        return TTransport.TBufferedTransport(socket)
    if auth not in ("CUSTOM", "LDAP", "NONE"):
        raise ValueError(f"HiveServer2 over TLS supports CUSTOM, LDAP, NONE and NOSASL logins, not {auth}")
    import thrift_sasl
    from pyhive.hive import get_installed_sasl

    secret = password if password is not None else "x"  # NONE: any non-empty password, as PyHive sends

    def sasl() -> Any:
        return get_installed_sasl(host=host, sasl_auth="PLAIN", username=username, password=secret)

    return thrift_sasl.TSaslClientTransport(sasl, "PLAIN", socket)
