"""A fitted Spark ML pipeline -> ONNX bytes, for the scorer's runtime (``onnxruntime``).

``onnxmltools``' Spark ML converter handles every stage ``train_model`` builds: ``VectorAssembler``,
``StandardScaler``, ``LogisticRegressionModel``, ``RandomForestClassificationModel`` and
``GBTClassificationModel``. The graph takes one float32 ``[N, 1]`` tensor per feature (named as the feature)
and returns ``probability`` ``[N, 2]`` (``fraud_platform.model_store``'s ONNX contract). ``max_abs_diff``
measures it against Spark's probabilities: the runtime computes in float32, and ONNX-ML tree ensembles hold
their split thresholds as float32, so a value within float32 rounding of a split can take the other branch
(measured: logistic regression within 1e-6 of Spark; a 50-tree forest off by up to 1.5e-3 on a few rows). The
scorer serves the file only below ``ONNX_TOLERANCE``. The tree converters save the model to a temporary folder
and read its data back through the given Spark session: on a cluster, set the Spark conf ``ONNX_DFS_PATH`` to
a shared folder (the converter's own setting); ``local[*]`` needs nothing.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

ONNX_OPSET = 15  # the ai.onnx opset the converter targets; onnxruntime runs it (tested in test_spark_jobs)


def to_onnx(model: Any, feature_names: list[str], spark: Any, name: str = "fraud") -> bytes:
    """The serialised ONNX model of ``model`` (a ``PipelineModel`` fitted on ``feature_names``)."""
    from onnxmltools import convert_sparkml
    from onnxmltools.convert.common.data_types import FloatTensorType

    inputs = [(feature, FloatTensorType([None, 1])) for feature in feature_names]
    # The LR converter pprints its attributes. spark-submit merges the driver's stderr into its stdout, which
    # carries the job's result lines: the chatter is dropped.
    with contextlib.redirect_stdout(io.StringIO()):
        onnx = convert_sparkml(model, name, inputs, target_opset=ONNX_OPSET, spark_session=spark)
    return onnx.SerializeToString()


def max_abs_diff(data: bytes, features: Any, feature_names: list[str], expected: Any) -> float:
    """The largest |ONNX - expected| fraud probability over the rows of ``features`` (``feature_names`` order)."""
    import numpy as np

    from fraud_platform.model_store import ONNX_OUTPUT, onnx_session

    x = np.asarray(features, dtype=np.float32)
    if not len(x):
        return 0.0
    session = onnx_session(data)  # as the scorer runs it: its rounding is what the scorer serves
    (probability,) = session.run([ONNX_OUTPUT], {name: x[:, i:i + 1] for i, name in enumerate(feature_names)})
    return float(np.max(np.abs(np.asarray(probability, dtype=np.float64)[:, 1] - np.asarray(expected))))
