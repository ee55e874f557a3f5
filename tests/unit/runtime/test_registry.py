"""The service registry: profiles, dependency order, unique ports, clear errors for unknown names."""

from __future__ import annotations

import pytest

from fraud_platform.errors import ConfigError
from fraud_runtime.services.base import PROFILES
from fraud_runtime.services.registry import SERVICES, check_profile, resolve, service_class


def test_unknown_profile_and_service_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown profile 'huge': choose one of core, full"):
        check_profile("huge")
    with pytest.raises(ConfigError, match="unknown service 'mysql'"):
        service_class("mysql")


@pytest.mark.parametrize("profile", PROFILES)
def test_dependencies_come_first(ctx, profile: str) -> None:
    services = resolve(ctx, profile)
    position = {service.name: index for index, service in enumerate(services)}
    for service in services:
        for dependency in service.depends_on:
            assert position[dependency] < position[service.name], (dependency, service.name)


def test_core_is_part_of_full(ctx) -> None:
    assert {s.name for s in resolve(ctx, "core")} <= {s.name for s in resolve(ctx, "full")}


def test_every_service_declares_ports_probe_and_url(ctx) -> None:
    for service in resolve(ctx, "full"):
        assert service.probe() is not None, service.name
        assert service.url(), service.name
        assert service.process_pattern, service.name


def test_no_two_services_share_a_port(ctx) -> None:
    owners: dict[int, str] = {}
    for service in resolve(ctx, "full"):
        for port in service.ports().values():
            assert port not in owners, f"{service.name} and {owners[port]} both use {port}"
            owners[port] = service.name


def test_names_are_unique() -> None:
    names = [cls.name for cls in SERVICES]
    assert len(names) == len(set(names))


def test_every_service_is_documented_in_the_readme(ctx) -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    undocumented = [s.name for s in resolve(ctx, "full") if f"| `{s.name}` |" not in readme]
    assert not undocumented, f"add a row to README's services table for: {undocumented}"


def test_every_core_service_has_an_integration_smoke_test() -> None:
    from pathlib import Path

    tests = Path(__file__).resolve().parents[2] / "integration"
    text = "\n".join(path.read_text() for path in tests.glob("test_*.py"))
    untested = [cls.name for cls in SERVICES if "core" in cls.profiles and f'"{cls.name}"' not in text]
    assert not untested, f"no integration test names these services: {untested}"
