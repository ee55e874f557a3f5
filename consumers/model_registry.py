"""``ModelRegistry``: the champion model the batch layer publishes on HDFS, polled for hot reload.

The layout (champion pointer, version folders, metadata) is ``fraud_platform.model_store``'s, written by
``spark_jobs/train_model.py``.

The scorer calls ``poll()`` every ``STREAM_MODEL_POLL_SECONDS``: when the pointer names a new version it
loads it and returns it - the ONNX export in ``onnxruntime`` (``onnx_model``) when the version has one that
matched Spark within ``ONNX_TOLERANCE`` on its test set (``serves_onnx``), else the pure-Python evaluation of
the Spark pipeline with Spark's arithmetic (``model_loader``); until a champion exists (or while
HDFS is unreachable) the scorer keeps what it has - rules alone at first. A champion that cannot be loaded
(not signed with ``MODEL_SIGNING_KEY``, files that differ from the SHA-256 its signed metadata gives, corrupt,
partial, an unsupported stage) is refused once with a log line and
``fraud_stream_model_refused_total``; the model in use keeps serving. ``test_metrics`` are the loaded
version's test-week figures from its training run (the scorer exports them: ``fraud_stream_model_quality``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from consumers.errors import ModelLoadError
from consumers.model_loader import load
from consumers.onnx_model import OnnxModel
from fraud_platform.logs import get_logger
from fraud_platform.model_store import MODELS_ROOT, ONNX_TOLERANCE, ModelStore, pipeline_sha256

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
    def __init__(self, hdfs: Any, signing_key: str, root: str = MODELS_ROOT, metrics: Any = None) -> None:
        self.hdfs, self.store, self.metrics = hdfs, ModelStore(root.rstrip("/")), metrics
        self._key = signing_key
        self.version: str | None = None
        self.test_metrics: dict[str, float] = {}  # the loaded version's test-week figures (metadata ``metrics``)
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
            self._failed = version
            if self.metrics is not None:
                self.metrics.model_refused()
            log.error("champion model cannot be loaded; keeping the current one", version=version,
                      error=str(exc)[:300])
            return None
        self.version, self.test_metrics = version, dict(metadata.get("metrics") or {})
        log.info("champion model loaded", version=version,
                 runtime="onnxruntime" if isinstance(model, OnnxModel) else "python (exact Spark arithmetic)",
                 onnx_max_abs_diff=metadata.get("onnx_max_abs_diff"))
        return model
