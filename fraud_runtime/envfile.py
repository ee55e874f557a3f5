"""The `.env` file: created once from `.env.example`, secrets generated, mode 0600."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

GENERATED = "<generated>"


def ensure_env_file(env_file: Path, example: Path) -> bool:
    """Create `env_file` from `example` with every `<generated>` value replaced by a fresh secret.

    Returns True when the file was created. An existing file is never rewritten, but its mode is
    tightened to 0600 and secrets added to the example since are appended.
    """
    template = example.read_text()
    if env_file.exists():
        _append_new_secrets(env_file, template)
        os.chmod(env_file, 0o600)
        return False
    lines = [_fill(line) for line in template.splitlines()]
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(lines) + "\n")
    return True


def _fill(line: str) -> str:
    key, sep, value = line.partition("=")
    if sep and not key.lstrip().startswith("#") and value.strip() == GENERATED:
        return f"{key}={secrets.token_urlsafe(32)}"
    return line


def _append_new_secrets(env_file: Path, template: str) -> None:
    present = {line.partition("=")[0].strip() for line in env_file.read_text().splitlines() if "=" in line}
    missing = [
        _fill(line)
        for line in template.splitlines()
        if line.partition("=")[2].strip() == GENERATED and line.partition("=")[0].strip() not in present
    ]
    if missing:
        with env_file.open("a") as out:
            out.write("\n".join(missing) + "\n")
