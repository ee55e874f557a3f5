"""The layers stay visible in the tree, and each cross-package fact lives in exactly one module."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("fraud_runtime", "apps", "consumers", "dags", "spark_jobs", "fraud_platform", "fraud_domain", "bench")

# literal -> the one module allowed to spell it (code, not docstrings or comments: see _code_lines)
ONE_HOME = {
    '"/models/fraud"': "fraud_platform/model_store.py",
    '"/raw"': "fraud_platform/lake.py",
    '"/quarantine"': "fraud_platform/lake.py",
    '"/user/hive/warehouse"': "fraud_platform/lake.py",
    '"_manifest.json"': "fraud_platform/lake.py",
    '"_counts.json"': "fraud_platform/lake.py",
    '"part-00000.jsonl"': "fraud_platform/lake.py",
    '"local[2]"': "fraud_platform/endpoints.py",
    '"spark.hadoop.hive.metastore.uris"': "fraud_platform/spark.py",
    '"spark.sql.session.timeZone"': "fraud_platform/spark.py",
    '"fraud_api"': "fraud_platform/airflow_contract.py",
    '"fraud_webhdfs"': "fraud_platform/airflow_contract.py",
    '"FRAUD_PLATFORM_PYTHON"': "fraud_platform/airflow_contract.py",
    '"transaction_topic"': "fraud_domain/topics.py",
    '"fraud_topic"': "fraud_domain/topics.py",
    '"transaction_dlq"': "fraud_domain/topics.py",
    '"fraud_labels"': "fraud_domain/topics.py",
}
# An endpoint built from the bind host and a port: only fraud_platform/endpoints.py derives one.
ENDPOINT_RULE = re.compile(r"(bootstrap_servers|contact_points|namenode_uri|webhdfs_url|metastore_uri|hiveserver2_host"
                           r"|api\.url|smtp\.host)\s+or\s")


def _code_lines(path: Path) -> list[str]:
    """The file's lines outside docstrings and comments."""
    lines, in_doc = [], False
    for line in path.read_text().splitlines():
        stripped = line.strip()
        quotes = stripped.count('"""')
        if in_doc:
            in_doc = quotes % 2 == 0
            continue
        if stripped.startswith('"""'):
            in_doc = quotes == 1
            continue
        lines.append(line.split("  #")[0])
    return lines


def _sources() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]


def test_import_layers_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, cwd=ROOT,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("literal", sorted(ONE_HOME))
def test_each_contract_literal_has_one_home(literal: str) -> None:
    homes = sorted(str(p.relative_to(ROOT)) for p in _sources() if any(literal in line for line in _code_lines(p)))
    assert homes == [ONE_HOME[literal]], f"{literal} is spelled in {homes}: import it from {ONE_HOME[literal]}"


def test_endpoint_rule_is_stated_once() -> None:
    offenders = sorted(str(p.relative_to(ROOT)) for p in _sources()
                       if p.name != "endpoints.py" and any(ENDPOINT_RULE.search(line) for line in _code_lines(p)))
    assert offenders == [], f"derive endpoints through fraud_platform.endpoints, not in {offenders}"


def test_no_process_package_imports_the_runtime() -> None:
    """A lazy import inside a function does not show in a layer contract that grimp misses: grep for it too."""
    offenders = [f"{p.relative_to(ROOT)}:{n}" for pkg in ("apps", "consumers", "dags", "spark_jobs", "fraud_platform",
                                                         "fraud_domain")
                 for p in sorted((ROOT / pkg).rglob("*.py"))
                 for n, line in enumerate(_code_lines(p), 1) if re.match(r"\s*(from|import) fraud_runtime\b", line)]
    assert offenders == []
