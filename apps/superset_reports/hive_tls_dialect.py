"""SQLAlchemy dialect ``hive+tls``: PyHive's Hive dialect over TLS on the binary Thrift transport (PyHive's own
``hive+https`` is the HTTP transport). Superset's configuration registers it (HIVE_SSL=true); the reports'
database URI is then ``hive+tls://user@host:port/fraud?auth=CUSTOM[&ssl_ca_file=/path/ca.pem]``
(``bundle.hive_uri``). Each connection gets its own transport (``fraud_platform.hive_transport``)."""

from __future__ import annotations

from typing import Any

from pyhive.sqlalchemy_hive import HiveDialect

NAME = "hive.tls"  # SQLAlchemy's registry name of ``hive+tls://``


def register() -> None:
    """Make ``hive+tls://`` URLs use ``HiveTlsDialect`` (Superset's rendered configuration calls this)."""
    from sqlalchemy.dialects import registry

    registry.register(NAME, __name__, "HiveTlsDialect")


class HiveTlsDialect(HiveDialect):
    driver = "tls"
    supports_statement_cache = False

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        from pyhive import hive

        from fraud_platform.hive_transport import tls_transport

        host, port = cparams.pop("host"), int(cparams.pop("port", 10000))
        username, password = cparams.pop("username", None), cparams.pop("password", None)
        transport = tls_transport(host, port, username=username, password=password, auth=cparams.pop("auth", "NONE"),
                                  ca_file=cparams.pop("ssl_ca_file", None) or None)
        return hive.connect(thrift_transport=transport, username=username, **cparams)
