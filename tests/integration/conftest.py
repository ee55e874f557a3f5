"""Integration fixtures: the real core engines, started once per test session through the runtime's own
lifecycle (the same code path as `./fraudctl up --profile core`) and left to `fraudctl test` to stop."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from fraud_runtime.context import Context
from fraud_runtime.lifecycle import Platform, ServiceStatus
from fraud_runtime.services.registry import resolve


@pytest.fixture(scope="session")
def ctx() -> Context:
    return Context.load()


@pytest.fixture(scope="session")
def platform(ctx: Context) -> Platform:
    return Platform(ctx)


@pytest.fixture(scope="session")
def core(platform: Platform) -> list[ServiceStatus]:
    """Every core service up and healthy (already running ones are only probed)."""
    rows = platform.up("core", lambda name, event: None)
    unhealthy = [f"{row.name}: {row.detail}" for row in rows if not row.healthy]
    assert not unhealthy, f"core services unhealthy after up: {unhealthy}"
    return rows


@pytest.fixture(scope="session")
def services(ctx: Context, core: list[ServiceStatus]) -> dict[str, object]:
    return {service.name: service for service in resolve(ctx, "core")}


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="session")
def cql(services: dict[str, object]) -> Iterator[object]:
    from fraud_platform.clients import cassandra_cluster

    cassandra = services["cassandra"]
    cluster = cassandra_cluster(cassandra.nodes, login=cassandra.endpoints.cassandra_login)
    session = cluster.connect("fraud")
    yield session
    cluster.shutdown()


@pytest.fixture(scope="session")
def hdfs(services: dict[str, object]):
    from fraud_platform.webhdfs import WebHdfs

    namenode = services["namenode"]
    return WebHdfs(namenode.webhdfs_url, namenode.settings.hdfs.user)


@pytest.fixture(scope="session")
def kafka_bootstrap(services: dict[str, object]) -> str:
    return services["kafka"].bootstrap_servers


@pytest.fixture(scope="session")
def start_full(platform: Platform, core: list[ServiceStatus]):
    """Bring up named `full`-profile services (and what they depend on) through the runtime; returns them."""

    def start(*names: str) -> dict[str, object]:
        rows = platform.up("full", lambda name, event: None, only=set(names))
        unhealthy = [f"{row.name}: {row.detail}" for row in rows if row.name in names and not row.healthy]
        assert not unhealthy, f"services unhealthy after up: {unhealthy}"
        return {s.name: s for s in resolve(platform.ctx, "full") if s.name in names}

    return start
