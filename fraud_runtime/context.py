"""The Context: settings + paths + artifacts, built once at the CLI's entry point and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fraud_runtime.envfile import ensure_env_file
from fraud_runtime.install.artifacts import Artifacts
from fraud_runtime.paths import Paths
from fraud_runtime.settings import Settings, load_settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    paths: Paths
    artifacts: Artifacts

    @classmethod
    def load(cls, root: Path | None = None, cache: Path | None = None) -> Context:
        """Create `.env` if needed, read settings and derive every path. The only place reading the env."""
        root = (root or Path(os.environ.get("FRAUD_ROOT") or Path(__file__).resolve().parents[1])).resolve()
        cache = cache or Path(
            os.environ.get("FRAUD_CACHE_DIR") or Path.home() / ".cache" / "fraud-platform"
        )
        paths = Paths(root=root, cache=cache, state=root / ".state")
        ensure_env_file(paths.env_file, paths.env_example)
        settings = load_settings(paths.env_file)
        if settings.platform.state_dir:
            paths = Paths(root=root, cache=cache, state=settings.platform.state_dir.resolve())
        return cls(settings=settings, paths=paths, artifacts=Artifacts(root=root, cache=cache))
