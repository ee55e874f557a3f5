"""`load_config`: the settings and the paths of one checkout, read once at a process's entry point.

Reading has no side effect: it never creates or rewrites `.env` (that is `fraudctl setup`'s job, in the
runtime). A process that needs a secret the file lacks fails at start with a `ConfigError` naming it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fraud_platform.endpoints import Endpoints
from fraud_platform.paths import Paths
from fraud_platform.settings import Settings, load_settings

ROOT_ENV, CACHE_ENV = "FRAUD_ROOT", "FRAUD_CACHE_DIR"


@dataclass(frozen=True)
class PlatformConfig:
    settings: Settings
    paths: Paths

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints(self.settings, self.paths.tls_ca)


def default_root() -> Path:
    """The checkout: `FRAUD_ROOT` when the runtime set it, else the folder above this package."""
    return Path(os.environ.get(ROOT_ENV) or Path(__file__).resolve().parents[1]).resolve()


def load_config(root: Path | None = None, cache: Path | None = None) -> PlatformConfig:
    """Read `.env` (the environment wins) and derive every path; writes nothing."""
    root = (root or default_root()).resolve()
    cache = cache or Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "fraud-platform")
    paths = Paths(root=root, cache=cache, state=root / ".state")
    settings = load_settings(paths.env_file)
    if settings.platform.state_dir:
        paths = Paths(root=root, cache=cache, state=settings.platform.state_dir.resolve())
    return PlatformConfig(settings=settings, paths=paths)
