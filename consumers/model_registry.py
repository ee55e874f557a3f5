"""``ModelRegistry``: the champion model the batch layer publishes on HDFS, polled for hot reload.

The layout (champion pointer, version folders, metadata) is ``fraud_platform.model_store``'s, written by
``spark_jobs/train_model.py``.

The scorer calls ``poll()`` every ``STREAM_MODEL_POLL_SECONDS``: when the pointer names a new version it
loads it (``model_loader.load``) and returns it; until a champion exists (or while HDFS is unreachable)
the scorer keeps what it has - rules alone at first.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from consumers.errors import ModelLoadError
from consumers.model_loader import load
from fraud_platform.logs import get_logger
from fraud_platform.model_store import MODELS_ROOT, ModelStore

log = get_logger("consumers.model_registry")


class Model(Protocol):
    version: str
    feature_names: list[str]  # what each input vector holds, in order

    def predict(self, vectors: list[list[float]]) -> list[float]:
        """Fraud probability per vector (``feature_names`` order)."""
        ...

    def explain(self, vector: list[float], top: int = 3) -> list[str]:
        """The names of the features that pushed this vector's score up most, largest first."""
        ...


class ModelRegistry:
    def __init__(self, hdfs: Any, root: str = MODELS_ROOT) -> None:
        self.hdfs, self.store = hdfs, ModelStore(root.rstrip("/"))
        self.version: str | None = None
        self._failed: str | None = None  # a version that failed to load: not retried every poll

    def champion_version(self) -> str | None:
        """The version the pointer names, or None when there is no champion yet."""
        return self.store.champion(self.hdfs)

    def poll(self) -> Model | None:
        """A newly promoted champion, loaded; None when nothing changed or it cannot be used."""
        try:
            version = self.champion_version()
        except Exception as exc:  # HDFS down: keep scoring with what we have
            log.warning("model registry unreachable", error=str(exc)[:200])
            return None
        if version is None or version in (self.version, self._failed):
            return None
        try:
            metadata = json.loads(self.hdfs.read(self.store.metadata_path(version)))
            model = load(self.hdfs, self.store.version_dir(version), metadata)
        except (ModelLoadError, ValueError, KeyError, OSError, RuntimeError) as exc:
            self._failed = version
            log.error("champion model cannot be loaded; keeping the current one", version=version,
                      error=str(exc)[:300])
            return None
        self.version = version
        log.info("champion model loaded", version=version)
        return model
