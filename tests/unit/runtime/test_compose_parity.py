"""docker-compose.yml mirrors the native registry: every native service has a compose service of the same
name, publishing the same default host ports through the same setting names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from fraud_platform.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
HOST_PORT = re.compile(r"^\$\{FRAUD_BIND_HOST:-127\.0\.0\.1\}:\$\{(?P<setting>\w+):-(?P<default>\d+)\}:\d+(/udp)?$")
COMPOSE_ONLY = {"grafana", "cadvisor"}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def _setting_default(name: str) -> object:
    """The default of the typed setting an environment variable name refers to (KeyError if none)."""
    for field in Settings.model_fields.values():
        cls = field.annotation
        prefix = cls.model_config["env_prefix"]
        if name.startswith(prefix) and name[len(prefix):].lower() in cls.model_fields:
            return cls.model_fields[name[len(prefix):].lower()].default
    raise KeyError(f"{name} is not a platform setting")


def _published(service: dict) -> dict[str, int]:
    published = {}
    for entry in service.get("ports", []):
        match = HOST_PORT.match(entry)
        assert match, f"port mapping {entry!r} must be bound via FRAUD_BIND_HOST and a setting"
        published[match["setting"]] = int(match["default"])
    return published


def test_every_native_service_has_a_compose_service(ctx) -> None:
    from fraud_runtime.services.registry import resolve

    missing = {s.name for s in resolve(ctx, "full")} - set(_compose())
    assert not missing, f"native services without a docker-compose counterpart: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(set(_compose()) - COMPOSE_ONLY))
def test_same_ports_through_the_same_settings(ctx, name: str) -> None:
    from fraud_runtime.services.registry import service_class

    native = service_class(name)(ctx)
    published = _published(_compose()[name])
    for setting, default in published.items():
        assert _setting_default(setting) == default, f"{name}: {setting} defaults differ"
    assert set(native.ports().values()) == set(published.values()), name


def test_every_variable_is_a_setting() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    names = set(re.findall(r"\$\{(\w+)", text)) - {"CADVISOR_IMAGE", "GRAFANA_ADMIN_USERNAME", "GRAFANA_ADMIN_PASSWORD"}
    for name in sorted(names):
        _setting_default(name)
    example = (ROOT / ".env.example").read_text()
    for name in ("GRAFANA_ADMIN_USERNAME", "GRAFANA_ADMIN_PASSWORD"):
        assert f"\n{name}=" in example
