"""Missing system tools: setup says exactly what to install when it cannot install it itself."""

from __future__ import annotations

import pytest

from fraud_runtime.errors import InstallError
from fraud_runtime.install import system


def test_missing_tools_are_named_with_their_packages(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: nothing is installed
    monkeypatch.setattr(system.os, "geteuid", lambda: 1000)  # not root: setup must not try apt-get
    assert {req.command for req in system.missing()} >= {"java", "mvn", "go", "prometheus"}
    with pytest.raises(InstallError) as raised:
        system.install(tmp_path / "system.log")
    message = str(raised.value)
    assert "java (for the JVM engines" in message and "openjdk-17-jdk-headless" in message
    assert "maven" in message and "golang-go" in message and "run setup again" in message
