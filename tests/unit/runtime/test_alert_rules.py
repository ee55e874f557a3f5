"""Alert rules are code: the committed rules file is what build_rules.py renders, promtool accepts it and passes
its hand-written test cases, every rule fires in at least one of them, and every alert says who is affected
and what to do."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from fraud_runtime.services.jvm import JvmService
from fraud_runtime.services.prometheus import RULE_FILES
from fraud_runtime.services.registry import SERVICES, service_names
from monitoring.prometheus.build_rules import (
    COMPONENT_GROUPS,
    ENGINE_JOBS,
    OUT,
    RULES,
    SEVERITIES,
    render,
    signals,
)

RULES_DIR = OUT.parent
CASES = RULES_DIR / "fraud.rules.test.yml"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        pytest.fail("promtool not found: `./fraudctl setup` installs it (Debian package prometheus)")
    return found


def test_committed_rules_match_their_code() -> None:
    assert OUT.read_text() == render(), "run: python -m monitoring.prometheus.build_rules"


def test_prometheus_loads_the_rules_and_not_their_tests() -> None:
    assert sorted(RULES_DIR.glob(RULE_FILES)) == [OUT]


def test_promtool_accepts_the_rules(promtool: str) -> None:
    result = subprocess.run([promtool, "check", "rules", str(OUT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(RULES)} rules found" in result.stdout + result.stderr


def test_promtool_rule_tests_pass(promtool: str) -> None:
    result = subprocess.run([promtool, "test", "rules", CASES.name], cwd=RULES_DIR, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]


def test_every_rule_fires_in_a_test_case() -> None:
    cases = [case for test in yaml.safe_load(CASES.read_text())["tests"] for case in test["alert_rule_test"]]
    fired = {case["alertname"] for case in cases if case.get("exp_alerts")}
    silent = {case["alertname"] for case in cases if not case.get("exp_alerts")}
    assert fired == {rule.name for rule in RULES}
    assert len(silent) >= len(RULES) // 2, "and many also have a case where they stay silent"


def test_every_alert_is_labelled_and_says_what_to_do() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names)) >= 10
    for rule in (r.rendered() for r in RULES):
        labels, notes = rule["labels"], rule["annotations"]
        assert labels["severity"] in SEVERITIES and labels["component"] in COMPONENT_GROUPS, rule["alert"]
        assert notes["summary"] and "\n" not in notes["runbook"], rule["alert"]
        assert "./fraudctl" in notes["runbook"], f"{rule['alert']}: the runbook names the command to run"


def test_jobs_and_services_named_by_the_rules_are_registry_services() -> None:
    known = set(service_names())
    for rule in RULES:
        for jobs in re.findall(r'job=~?"([^"]+)"', rule.signal + (rule.expr or "")):
            assert set(jobs.split("|")) <= known, rule.name
        assert rule.service is None or "{{" in rule.service or rule.service in known, rule.name
    assert set(ENGINE_JOBS) == {cls.name for cls in SERVICES if issubclass(cls, JvmService)}


def test_signals_are_the_rules_signals() -> None:
    assert signals() == [(rule.name, rule.signal) for rule in RULES]
    assert all(rule.signal in rule.rendered()["expr"] for rule in RULES)
