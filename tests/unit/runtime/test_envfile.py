"""`.env` is created from `.env.example` with fresh secrets, mode 0600, never rewritten."""

from __future__ import annotations

import stat
from pathlib import Path

from fraud_runtime.envfile import GENERATED, ensure_env_file


def _example(tmp_path: Path, body: str) -> Path:
    path = tmp_path / ".env.example"
    path.write_text(body)
    return path


def test_created_with_generated_secrets_and_0600(tmp_path: Path) -> None:
    example = _example(tmp_path, f"# comment\nKAFKA_PORT=9092\nTOKENISATION_KEY={GENERATED}\nAPI_TOKEN={GENERATED}\n")
    env = tmp_path / ".env"
    assert ensure_env_file(env, example)
    values = dict(line.split("=", 1) for line in env.read_text().splitlines() if "=" in line and line[0] != "#")
    assert values["KAFKA_PORT"] == "9092"
    assert GENERATED not in env.read_text()
    assert len(values["TOKENISATION_KEY"]) >= 40 and values["TOKENISATION_KEY"] != values["API_TOKEN"]
    assert stat.S_IMODE(env.stat().st_mode) == 0o600


def test_existing_file_is_kept_and_new_secrets_appended(tmp_path: Path) -> None:
    example = _example(tmp_path, f"TOKENISATION_KEY={GENERATED}\n")
    env = tmp_path / ".env"
    ensure_env_file(env, example)
    first = env.read_text()
    env.chmod(0o644)
    example.write_text(f"TOKENISATION_KEY={GENERATED}\nAIRFLOW_ADMIN_PASSWORD={GENERATED}\n")
    assert not ensure_env_file(env, example)
    text = env.read_text()
    assert text.startswith(first)  # the existing secret survives
    assert text.count("AIRFLOW_ADMIN_PASSWORD=") == 1 and GENERATED not in text
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    ensure_env_file(env, example)
    assert env.read_text() == text  # idempotent
