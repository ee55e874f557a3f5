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


def test_compose_prometheus_scrapes_the_native_jobs_on_the_same_ports(ctx) -> None:
    from fraud_runtime.services.prometheus import Prometheus
    from fraud_runtime.services.registry import resolve

    native = next(s for s in resolve(ctx, "full") if isinstance(s, Prometheus))
    native_jobs = {job: {t.rsplit(":", 1)[1] for t in targets} for job, targets in native.scrape_jobs().items()}
    compose = yaml.safe_load((ROOT / "monitoring" / "prometheus" / "prometheus.compose.yml").read_text())
    compose_jobs = {job["job_name"]: {t.rsplit(":", 1)[1] for c in job["static_configs"] for t in c["targets"]}
                    for job in compose["scrape_configs"]}
    assert set(compose_jobs) - COMPOSE_ONLY == set(native_jobs)
    assert {job: compose_jobs[job] for job in native_jobs} == native_jobs
    assert compose["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [
        f"alertmanager:{native.settings.monitoring.alertmanager_port}"]
    assert compose["rule_files"] == ["/etc/prometheus/rules/*.rules.yml"]


def test_compose_alertmanager_routes_like_the_native_one(ctx, tmp_path) -> None:
    from fraud_platform.settings import MonitoringSettings
    from fraud_runtime.services.alertmanager import Alertmanager

    service = Alertmanager(ctx)
    service.paths = type(ctx.paths)(root=ctx.paths.root, cache=ctx.paths.cache, state=tmp_path)
    service.render_config()
    native = yaml.safe_load((service.conf_dir / "alertmanager.yml").read_text())
    compose = yaml.safe_load((ROOT / "monitoring" / "alertmanager" / "alertmanager.compose.yml").read_text())
    # compose ships the settings' defaults; the native config renders whatever the environment says
    # (the test suite shortens the grouping waits)
    shipped = {k: MonitoringSettings.model_fields[f"alert_{k}"].default
               for k in ("group_wait", "group_interval", "repeat_interval")}
    assert compose["route"] == native["route"] | shipped
    assert compose["inhibit_rules"] == native["inhibit_rules"]
    assert [r["name"] for r in compose["receivers"]] == [r["name"] for r in native["receivers"]]
