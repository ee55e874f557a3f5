"""Where trained models live on HDFS — the contract between ``train_model.py`` and the stream scorer.

Layout (paths on ``fs.defaultFS``; the root is ``/models/fraud`` unless a test passes its own)::

    /models/fraud/<version>/pipeline/        Spark ML PipelineModel (PipelineModel.load(path))
    /models/fraud/<version>/model.onnx       the same pipeline in ONNX (``metadata.onnx``; what the scorer runs
                                             when it equals Spark within ``ONNX_TOLERANCE``)
    /models/fraud/<version>/metadata.json    see ``ModelMetadata``
    /models/fraud/champion                   one line: the champion's <version>

``<version>`` is ``YYYYMMDDTHHMMSSZ-<model_type>`` (UTC training time; sorts by time). The pipeline's
input is a DataFrame with one DOUBLE column per ``metadata.feature_names`` (= ``FEATURE_NAMES`` at
training time: assembler -> standard scaler -> classifier); its output column ``probability`` is a
vector whose element ``metadata.positive_index`` (1) is the fraud probability. The pointer is replaced
by write + rename, after the version directory is complete: a reader never sees a half-written model.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

MODELS_ROOT = "/models/fraud"
ONNX_FILE = "model.onnx"
ONNX_OUTPUT = "probability"  # the graph's [N, 2] output; inputs: one float32 [N, 1] tensor per feature name
# The scorer runs a version's ONNX file only if, on that version's own test set, it gave Spark's probabilities
# within this bound (``ModelMetadata.onnx_max_abs_diff``, measured by train_model); else the exact pipeline.
ONNX_TOLERANCE = 1e-5
METADATA_FORMAT = 1
# Promotion: a run's best model becomes champion only with at least this test-week Average Precision (a
# random ranking scores the fraud rate, ~0.01) and a higher AP than the champion on the same test set.
MIN_PROMOTION_AP = 0.1
PROMOTION_LOCK_STALE_SECONDS = 900  # a promotion lock older than this is a crashed run's: it is broken


def onnx_session(data: bytes) -> Any:
    """An ``onnxruntime.InferenceSession`` of an exported model, configured as the scorer runs it: one thread.
    ``train_model`` measures ``onnx_max_abs_diff`` through the same configuration, because the float32 sums of a
    tree ensemble split over threads round differently (a 50-tree forest on 6,000 rows: up to 3.6e-7 between 2
    threads and 1; the row order changes nothing)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # the scorer is one thread; its batches are small
    options.inter_op_num_threads = 1
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


@dataclass(frozen=True)
class ModelStore:
    root: str = MODELS_ROOT

    @property
    def champion_pointer(self) -> str:
        return f"{self.root}/champion"

    @property
    def promotion_lock(self) -> str:
        return f"{self.root}/.promotion.lock"

    def version_dir(self, version: str) -> str:
        return f"{self.root}/{version}"

    def pipeline_path(self, version: str) -> str:
        return f"{self.version_dir(version)}/pipeline"

    def onnx_path(self, version: str) -> str:
        return f"{self.version_dir(version)}/{ONNX_FILE}"

    def metadata_path(self, version: str) -> str:
        return f"{self.version_dir(version)}/metadata.json"

    def champion(self, hdfs: Any) -> str | None:
        """The version the champion pointer names on ``hdfs`` (a ``WebHdfs``-like client: ``exists``,
        ``read``); None when there is no champion yet. The scorer, ``status`` and ``up`` all ask this."""
        if not hdfs.exists(self.champion_pointer):
            return None
        return parse_pointer(hdfs.read(self.champion_pointer).decode())


@dataclass(frozen=True)
class ModelMetadata:
    version: str
    model_type: str  # lr | rf | gbt
    feature_names: list[str]
    metrics: dict[str, float]  # this model's test metrics
    trained_at: str  # ISO-8601 UTC
    train_window: list[str]  # [first day, last day]
    test_window: list[str]
    n_train: int
    n_test: int
    all_models: dict[str, dict[str, float]] = field(default_factory=dict)  # every candidate of the run
    format: int = METADATA_FORMAT
    flavour: str = "spark-ml-pipeline"
    output_column: str = "probability"
    positive_index: int = 1
    # The pipeline exported to ONNX (file name in the version folder; ``ONNX_OUTPUT``), and the largest
    # |ONNX - Spark| probability difference over the test set. None for models trained before the export.
    onnx: str | None = None
    onnx_max_abs_diff: float | None = None
    # SHA-256 of the ONNX file as written: the scorer refuses a file that does not match (corrupt, partial or
    # replaced after training). None for models trained before the manifest hash.
    onnx_sha256: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelMetadata:
        return cls(**json.loads(text))


def parse_pointer(text: str) -> str | None:
    """The version named by the champion pointer file (``None`` if empty)."""
    version = text.strip()
    return version or None
