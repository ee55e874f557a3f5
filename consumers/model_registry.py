"""``ModelRegistry``: the champion model the batch layer publishes on HDFS, polled for hot reload.

The layout (champion pointer, version folders, metadata) is ``fraud_platform.model_store``'s, written by
``spark_jobs/train_model.py``.

The scorer calls ``poll()`` every ``STREAM_MODEL_POLL_SECONDS``: when the pointer names a new version it
loads it and returns it - the ONNX export in ``onnxruntime`` (``onnx_model``) when the version has one that
matched Spark within ``ONNX_TOLERANCE`` on its test set (``serves_onnx``), else the pure-Python evaluation of
the Spark pipeline with Spark's arithmetic (``model_loader``); until a champion exists (or while
HDFS is unreachable) the scorer keeps what it has - rules alone at first. A champion that cannot be loaded
(a pointer not signed with ``MODEL_SIGNING_KEY`` or promoted before one already served - ``promotion_floor`` -,
a version not signed with it, files that differ from the SHA-256 its signed metadata gives, corrupt,
partial, an unsupported stage) is refused once with a log line and
``fraud_stream_model_refused_total``; the model in use keeps serving. ``test_metrics`` are the loaded
version's test-week figures from its training run (the scorer exports them: ``fraud_stream_model_quality``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Protocol

from consumers.errors import ModelLoadError
from consumers.model_loader import load
from consumers.onnx_model import OnnxModel
from consumers.promotion_floor import PromotionFloor
from fraud_platform.logs import get_logger
from fraud_platform.model_store import MODELS_ROOT, ONNX_TOLERANCE, ModelStore, Pointer, pipeline_sha256

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


def check_manifest(onnx: bytes, metadata: dict[str, Any]) -> None:
    """ModelLoadError unless the ONNX bytes are the ones training wrote (``onnx_sha256`` of the metadata)."""
    expected = metadata.get("onnx_sha256")
    if expected is not None and hashlib.sha256(onnx).hexdigest() != expected:
        raise ModelLoadError(f"{metadata.get('onnx')} does not match the SHA-256 in its metadata (corrupt, partial "
                             "or replaced after training)")


def check_pipeline(hdfs: Any, path: str, metadata: dict[str, Any]) -> None:
    """ModelLoadError unless the pipeline folder's files are the ones training wrote (``pipeline_sha256``)."""
    if pipeline_sha256(hdfs, path) != metadata.get("pipeline_sha256"):
        raise ModelLoadError(f"{path} does not match the SHA-256 in its signed metadata (corrupt, partial or "
                             "replaced after training)")


def serves_onnx(metadata: dict[str, Any]) -> bool:
    """Whether a version's ONNX file is what the scorer runs: it exists and gave Spark's probabilities on the
    version's test set within ``ONNX_TOLERANCE`` (float32 tree thresholds can miss it: then the exact pipeline)."""
    diff = metadata.get("onnx_max_abs_diff")
    return bool(metadata.get("onnx")) and diff is not None and diff <= ONNX_TOLERANCE


class ModelRegistry:
    """``floor``: where the newest promotion served is kept across restarts (``promotion_floor``); without one
    (tests, tools) only this process remembers it."""

    def __init__(self, hdfs: Any, signing_key: str, root: str = MODELS_ROOT, metrics: Any = None,
                 floor: PromotionFloor | None = None) -> None:
        self.hdfs, self.store, self.metrics, self.floor = hdfs, ModelStore(root.rstrip("/")), metrics, floor
        self._key = signing_key
        self.version: str | None = None
        self.test_metrics: dict[str, float] = {}  # the loaded version's test-week figures (metadata ``metrics``)
        self._pointer: Pointer | None = None  # the pointer of the version served
        self._failed: Pointer | None = None  # a pointer that was refused: not retried every poll
        self._floor_at: datetime | None = floor.load() if floor is not None else None
        self._unsaved: Pointer | None = None  # a promotion served whose floor is not written yet

    def poll(self) -> Model | None:
        """A newly promoted champion, loaded; None when nothing changed or it cannot be used."""
        self._save_floor()
        try:
            pointer = self.store.pointer(self.hdfs)
        except Exception as exc:  # HDFS down: keep scoring with what we have
            log.warning("model registry unreachable", error=str(exc)[:200])
            return None
        if pointer is None or pointer in (self._pointer, self._failed):
            return None
        version = pointer.version
        try:
            problem = pointer.problem(self._key) or self._rollback(pointer)
            if problem:
                raise ModelLoadError(problem)
            if version == self.version:  # the served version promoted again (a rollback to it): nothing to load
                self._served(pointer)
                return None
            problem = self.store.signature_problem(self.hdfs, version, self._key)
            if problem:
                raise ModelLoadError(problem)
            metadata = json.loads(self.hdfs.read(self.store.metadata_path(version)))
            check_pipeline(self.hdfs, self.store.pipeline_path(version), metadata)
            pipeline = load(self.hdfs, self.store.version_dir(version), metadata)
            model: Model = pipeline
            if serves_onnx(metadata):  # what runs: the ONNX export; the pipeline explains the flagged decisions
                onnx = self.hdfs.read(f"{self.store.version_dir(version)}/{metadata['onnx']}")
                check_manifest(onnx, metadata)
                model = OnnxModel.from_bytes(onnx, pipeline)
        except (ModelLoadError, ValueError, KeyError, OSError, RuntimeError) as exc:
            self._failed = pointer
            if self.metrics is not None:
                self.metrics.model_refused()
            log.error("champion model cannot be loaded; keeping the current one", version=version,
                      error=str(exc)[:300])
            return None
        self.version, self.test_metrics = version, dict(metadata.get("metrics") or {})
        self._served(pointer)
        log.info("champion model loaded", version=version, promoted_at=str(pointer.promoted_at),
                 runtime="onnxruntime" if isinstance(model, OnnxModel) else "python (exact Spark arithmetic)",
                 onnx_max_abs_diff=metadata.get("onnx_max_abs_diff"))
        return model

    def _rollback(self, pointer: Pointer) -> str | None:
        """Why a signed pointer is not served: it was promoted before the newest promotion served."""
        if self._floor_at is None or pointer.promoted_at is None or pointer.promoted_at >= self._floor_at:
            return None
        return (f"the champion pointer was promoted at {pointer.promoted_at.isoformat()}, before the promotion this "
                f"scorer group already served ({self._floor_at.isoformat()}): an old pointer copied back? A rollback "
                "is a new promotion: `fraudctl model promote VERSION`")

    def _served(self, pointer: Pointer) -> None:
        self._pointer = pointer
        if pointer.promoted_at is not None and (self._floor_at is None or pointer.promoted_at > self._floor_at):
            self._floor_at, self._unsaved = pointer.promoted_at, pointer
        self._save_floor()

    def _save_floor(self) -> None:
        """The newest promotion served, to ``floor`` (retried at the next poll while Cassandra refuses)."""
        if self.floor is None or self._unsaved is None or self._unsaved.promoted_at is None:
            return
        try:
            self.floor.raise_to(self._unsaved.promoted_at, self._unsaved.version)
            self._unsaved = None
        except Exception as exc:  # the served model is fine; only a rollback after a restart is not yet refused
            log.warning("promotion floor not saved; retried at the next poll", error=str(exc)[:200])
