"""The runtime's Context: the shared `PlatformConfig` plus where installed artifacts live.

Built once at the CLI's entry point and passed down. Loading it reads; it writes nothing (`.env` is
created by `fraudctl setup` — `fraud_runtime.envfile.ensure_env_file` — before settings are read).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fraud_platform.config import PlatformConfig, load_config
from fraud_runtime.install.artifacts import Artifacts


@dataclass(frozen=True)
class Context(PlatformConfig):
    artifacts: Artifacts

    @classmethod
    def load(cls, root: Path | None = None, cache: Path | None = None) -> Context:
        config = load_config(root, cache)
        return cls(settings=config.settings, paths=config.paths,
                   artifacts=Artifacts(root=config.paths.root, cache=config.paths.cache))
