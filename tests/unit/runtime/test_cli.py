"""The CLI as users meet it: `--help` everywhere, and bad input is one clear line with a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
COMMANDS = ("setup", "up", "down", "status", "logs", "reset", "test", "benchmark", "model")
SUBCOMMANDS = ("model list", "model promote")


def fraudctl(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FRAUD_ROOT": str(ROOT), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "fraud_runtime", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60)


def test_top_level_help_lists_commands() -> None:
    result = fraudctl("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS + SUBCOMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = fraudctl(*command.split(), "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("up", "--profile", "huge"), "unknown profile 'huge'"),
        (("up", "--service", "mysql"), "unknown service 'mysql'"),
        (("logs", "mysql"), "unknown service 'mysql'"),
        (("reset",), "pass --yes to confirm"),
        (("benchmark", "nope"), "unknown benchmark suite 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(args: tuple[str, ...], message: str) -> None:
    result = fraudctl(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_setting_is_one_line(monkeypatch) -> None:
    monkeypatch.setenv("CASSANDRA_PORT", "not-a-port")
    result = fraudctl("status")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "CASSANDRA_PORT='not-a-port' is invalid" in result.stderr


def test_benchmark_lists_the_suites_and_passes_arguments_through() -> None:
    listed = fraudctl("benchmark")
    assert listed.returncode == 2 and "stream" in listed.stdout and "batch" in listed.stdout
    suite_help = fraudctl("benchmark", "batch", "--help")
    assert suite_help.returncode == 0 and "backfill" in suite_help.stdout


def test_the_suite_leaves_out_the_long_fault_variants_unless_markers_are_given() -> None:
    from fraud_runtime.cli.test_command import marker_args

    assert marker_args(None, []) == ["-m", "not faults"]
    assert marker_args("integration", ["-x"]) == ["-m", "integration and not faults"]
    assert marker_args("integration", ["-m", "faults"]) == []
    assert marker_args(None, ["-mfaults"]) == []
