"""The service registry: profiles, dependency order, unique ports, clear errors for unknown names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fraud_platform.errors import ConfigError
from fraud_runtime.probes import Probe
from fraud_runtime.services.base import PROFILES
from fraud_runtime.services.registry import SERVICES, check_profile, resolve, service_class

ROOT = Path(__file__).resolve().parents[3]


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


def test_up_of_named_services_selects_them_and_what_they_need_only(ctx) -> None:
    from fraud_runtime.lifecycle import Platform

    platform = Platform(ctx)
    chosen = [s.name for s in platform.selection("full", {"hiveserver2"})]
    assert chosen[-1] == "hiveserver2" and {"namenode", "datanode", "hive-metastore"} <= set(chosen)
    assert not {"kafka", "scorer", "superset", "airflow-scheduler"} & set(chosen)
    assert [s.name for s in platform.selection("full")] == [s.name for s in resolve(ctx, "full")]


def test_core_is_part_of_full(ctx) -> None:
    assert {s.name for s in resolve(ctx, "core")} <= {s.name for s in resolve(ctx, "full")}


def test_every_service_has_a_probe_a_url_and_a_pattern_matching_its_own_process(ctx) -> None:
    for service in resolve(ctx, "full"):
        assert isinstance(service.probe(), Probe), service.name
        assert re.match(r"[a-z]+://127\.0\.0\.1:\d+", service.url()), (service.name, service.url())
        argv = service.program().argv
        # process-exporter groups processes by this pattern: it must find the command line we start
        assert service.process_pattern and re.search(service.process_pattern, " ".join(argv)), service.name


def test_every_file_a_service_runs_exists(ctx) -> None:
    """A checkout path in a program's argv (a script, a jar) that is not there fails only when started."""
    missing = [(service.name, arg) for service in resolve(ctx, "full") for arg in service.program().argv
               if arg.startswith(str(ROOT)) and not arg.startswith(str(ctx.paths.state)) and not Path(arg).exists()]
    assert not missing, missing


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
    readme = (ROOT / "README.md").read_text()
    undocumented = [s.name for s in resolve(ctx, "full") if f"| `{s.name}` |" not in readme]
    assert not undocumented, f"add a row to README's services table for: {undocumented}"


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    return {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


def _strings(node: ast.expr, constants: dict[str, ast.expr]) -> set[str]:
    """The string literals of an argument: a literal, a tuple of them, or a module constant holding either."""
    if isinstance(node, ast.Starred):
        node = node.value
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Tuple | ast.List):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def _started_through_the_runtime() -> set[str]:
    """Names passed to the ``start_full`` fixture (``platform.up`` on those services) by any test."""
    started: set[str] = set()
    for path in [*(ROOT / "tests" / "integration").glob("test_*.py"), *(ROOT / "tests" / "e2e").glob("test_*.py")]:
        tree = ast.parse(path.read_text())
        constants = _module_constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "start_full":
                for arg in node.args:
                    started |= _strings(arg, constants)
    return started


def _status_test_core_names() -> set[str]:
    tree = ast.parse((ROOT / "tests" / "integration" / "test_status.py").read_text())
    return _strings(_module_constants(tree)["CORE"], {})


def test_every_service_has_a_smoke_test_that_starts_it() -> None:
    """Core services: the session's ``core`` fixture brings them all up and test_status asserts each one
    healthy by name. Full-profile services: some test starts each one through ``start_full``."""
    core = {cls.name for cls in SERVICES if "core" in cls.profiles}
    assert core <= _status_test_core_names(), f"add to CORE in tests/integration/test_status.py: " \
                                             f"{sorted(core - _status_test_core_names())}"
    full_only = {cls.name for cls in SERVICES} - core
    untested = sorted(full_only - _started_through_the_runtime())
    assert not untested, f"no integration or e2e test starts these services with start_full: {untested}"
