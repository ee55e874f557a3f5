"""One Spark configuration: a job run by the CLI/tests/benchmarks, a DAG task and HiveServer2 get the same
master, endpoints and fixed semantics from `fraud_platform.spark` (DAG runs once hard-coded 1 GB and missed
the `local[2]` cap)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraud_platform.config import load_config
from fraud_platform.spark import FIXED_CONF, job_command, session_conf
from fraud_runtime.airflow_config import connections
from fraud_runtime.context import Context
from fraud_runtime.services.hive import HiveServer2

ROOT = Path(__file__).resolve().parents[3]


def _conf(argv: list[str]) -> dict[str, str]:
    return dict(argv[i + 1].split("=", 1) for i, arg in enumerate(argv) if arg == "--conf")


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


@pytest.fixture
def ctx(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Context:
    monkeypatch.setenv("SPARK_DRIVER_MEMORY", "1536m")
    monkeypatch.setenv("FRAUD_STATE_DIR", str(tmp_path))
    return Context.load(root=ROOT)


def test_a_job_gets_the_settings_master_memory_and_conf(ctx: Context) -> None:
    argv = job_command(ctx, "build_features", ["--dt", "2018-08-15"])
    assert _flag(argv, "--master") == "local[2]"  # local[*] capped on a shared box
    assert _flag(argv, "--driver-memory") == "1536m"
    assert _conf(argv) == session_conf(ctx.endpoints)
    assert argv[-3:] == [str(ROOT / "spark_jobs" / "build_features.py"), "--dt", "2018-08-15"]


def test_hiveserver2_runs_with_the_same_configuration(ctx: Context) -> None:
    argv = HiveServer2(ctx).program().argv
    conf = _conf(argv)
    expected = session_conf(ctx.endpoints)
    java_options = expected.pop("spark.driver.extraJavaOptions")
    assert {k: conf[k] for k in expected} == expected
    assert _flag(argv, "--master") == ctx.endpoints.spark_master
    assert _flag(argv, "--driver-java-options").endswith(java_options)


def test_dag_tasks_get_the_same_master(ctx: Context) -> None:
    assert connections(ctx)["spark_default"]["host"] == ctx.endpoints.spark_master
    assert FIXED_CONF.items() <= session_conf(load_config(ROOT).endpoints).items()
