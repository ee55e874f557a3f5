"""Fault-suite fixtures: the same real services as the integration tier (started through the runtime)."""

from tests.integration.conftest import core, cql, ctx, kafka_bootstrap, platform, services, start_full  # noqa: F401
