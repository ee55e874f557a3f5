"""Cassandra's logins (PasswordAuthenticator + CassandraAuthorizer), made idempotently at every `up`.

- The admin role (`CASSANDRA_ADMIN_USERNAME`) is a superuser. On a new node it is created by logging in
  once as the built-in `cassandra`/`cassandra` superuser, which is then dropped: no default password is
  left on the node.
- The application role (`CASSANDRA_USERNAME`) may log in and read and write the rows of the `fraud`
  keyspace (SELECT, MODIFY) — no schema change, no other keyspace, no role management. When the `.env`
  password no longer logs in (rotated in `.env`), `up` sets it on the node.
"""

from __future__ import annotations

import time
from typing import Any

from fraud_platform.clients import CqlLogin, CqlNodes, cassandra_cluster
from fraud_platform.logs import get_logger
from fraud_runtime.errors import ServiceNotReady

log = get_logger("fraud_runtime.cassandra_roles")

BUILT_IN_SUPERUSER = CqlLogin("cassandra", "cassandra")  # what every new Cassandra node accepts
KEYSPACE = "fraud"
APP_PERMISSIONS = ("SELECT", "MODIFY")


def login_refused(exc: BaseException) -> bool:
    """Whether a failed connect means "the node answered and refused these credentials"."""
    from cassandra import AuthenticationFailed
    from cassandra.cluster import NoHostAvailable

    if isinstance(exc, AuthenticationFailed):
        return True
    return isinstance(exc, NoHostAvailable) and any(isinstance(e, AuthenticationFailed) for e in exc.errors.values())


def admin_session(nodes: CqlNodes, admin: CqlLogin | None, *, wait_seconds: float = 60) -> tuple:
    """(cluster, session) logged in as the admin role, creating that role first on a new node."""
    if admin is None:  # a cluster without authentication (external, configured so)
        cluster = cassandra_cluster(nodes, login=None)
        return cluster, cluster.connect()
    cluster = cassandra_cluster(nodes, login=admin)
    try:
        session = cluster.connect()
    except Exception as exc:
        cluster.shutdown()
        if not login_refused(exc):
            raise
        _create_admin(nodes, admin, wait_seconds)
        cluster = cassandra_cluster(nodes, login=admin)
        session = cluster.connect()
    if _role_exists(session, BUILT_IN_SUPERUSER.username):
        session.execute(f"DROP ROLE {BUILT_IN_SUPERUSER.username}")
        log.info("cassandra built-in superuser dropped", admin=admin.username)
    return cluster, session


def _create_admin(nodes: CqlNodes, admin: CqlLogin, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:
        cluster = cassandra_cluster(nodes, login=BUILT_IN_SUPERUSER)
        try:
            session = cluster.connect()
            if _role_exists(session, admin.username):  # its password is not the one in .env
                session.execute(f"ALTER ROLE {admin.username} WITH PASSWORD = %s", (admin.password,))
                log.info("cassandra admin role's password set from .env", admin=admin.username)
            else:
                session.execute(f"CREATE ROLE {admin.username} WITH SUPERUSER = true AND LOGIN = true "
                                "AND PASSWORD = %s", (admin.password,))
                log.info("cassandra admin role created", admin=admin.username)
            return
        except Exception as exc:
            # A new node creates its built-in superuser moments after it starts serving CQL.
            if not login_refused(exc):
                raise
            if time.monotonic() > deadline:
                raise ServiceNotReady(
                    "cassandra", f"it refuses the admin login {admin.username!r} and the built-in superuser: the node "
                    "was set up with another CASSANDRA_ADMIN_PASSWORD (restore it in .env, or wipe the state "
                    "with `fraudctl reset --yes`)") from exc
            time.sleep(1.0)
        finally:
            cluster.shutdown()


def ensure_app_role(session: Any, app: CqlLogin | None, nodes: CqlNodes) -> None:
    """The application role with its `.env` password and exactly the grants it needs (idempotent)."""
    if app is None:
        return
    if not _role_exists(session, app.username):
        session.execute(f"CREATE ROLE {app.username} WITH LOGIN = true AND PASSWORD = %s", (app.password,))
    elif not _can_log_in(nodes, app):  # rotated in .env (Cassandra refuses two changes within seconds)
        session.execute(f"ALTER ROLE {app.username} WITH LOGIN = true AND PASSWORD = %s", (app.password,))
    for permission in APP_PERMISSIONS:
        session.execute(f"GRANT {permission} ON KEYSPACE {KEYSPACE} TO {app.username}")


def _role_exists(session: Any, name: str) -> bool:
    return session.execute("SELECT role FROM system_auth.roles WHERE role = %s", (name,)).one() is not None


def _can_log_in(nodes: CqlNodes, login: CqlLogin) -> bool:
    cluster = cassandra_cluster(nodes, login=login, connect_timeout=5)
    try:
        cluster.connect()
        return True
    except Exception as exc:
        if login_refused(exc):
            return False
        raise
    finally:
        cluster.shutdown()
