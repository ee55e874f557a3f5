"""The domain, the shared platform layer and the consumers type-check with the mypy configuration in
pyproject.toml ([tool.mypy]: the packages, check_untyped_defs, stub-less libraries listed by name)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_passes() -> None:
    mypy = Path(sys.executable).with_name("mypy")
    result = subprocess.run([str(mypy)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
