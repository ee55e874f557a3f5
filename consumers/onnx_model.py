"""The champion as the scorer runs it: the ONNX export of the Spark pipeline in ``onnxruntime``.

``train_model`` writes ``<version>/model.onnx`` beside the Spark pipeline (``spark_jobs.onnx_export``):
one float32 ``[N, 1]`` input per feature name, output ``probability`` ``[N, 2]``. A batch is scored in one
``run`` call. The runtime computes in float32: ``model_registry.serves_onnx`` picks this runtime only for a
version whose file matched Spark within ``ONNX_TOLERANCE`` on its test set (the parity test in
``tests/integration/test_spark_jobs.py`` checks it on every model type).

Reason codes need the model's internals (coefficients, tree paths), which ONNX does not expose: ``explain``
asks the pure-Python evaluation of the same saved pipeline (``model_loader.PipelineEvaluator``), for the
few decisions the model flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from consumers.errors import ModelLoadError
from consumers.model_loader import PipelineEvaluator
from fraud_platform.model_store import ONNX_OUTPUT as OUTPUT
from fraud_platform.model_store import onnx_session


@dataclass
class OnnxModel:
    version: str
    feature_names: list[str]
    session: Any  # onnxruntime.InferenceSession
    explainer: PipelineEvaluator

    @classmethod
    def from_bytes(cls, data: bytes, explainer: PipelineEvaluator) -> OnnxModel:
        try:
            session = onnx_session(data)
        except Exception as exc:  # onnxruntime raises its own exception types for a corrupt graph
            raise ModelLoadError(f"the ONNX model cannot be loaded: {str(exc)[:300]}") from exc
        inputs = [i.name for i in session.get_inputs()]
        if sorted(inputs) != sorted(explainer.feature_names):
            raise ModelLoadError(f"the ONNX model's inputs {inputs} are not the model's features")
        if OUTPUT not in {o.name for o in session.get_outputs()}:
            raise ModelLoadError(f"the ONNX model has no {OUTPUT!r} output")
        return cls(explainer.version, explainer.feature_names, session, explainer)

    def predict(self, vectors: list[list[float]]) -> list[float]:
        if not vectors:
            return []
        x = np.asarray(vectors, dtype=np.float32)
        feeds = {name: x[:, i:i + 1] for i, name in enumerate(self.feature_names)}
        (probability,) = self.session.run([OUTPUT], feeds)
        return np.asarray(probability, dtype=np.float64)[:, 1].tolist()

    def explain(self, vector: list[float], top: int = 3) -> list[str]:
        return self.explainer.explain(vector, top)
