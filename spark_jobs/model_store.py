"""Where trained models live on HDFS — the contract between ``train_model.py`` and the stream scorer.

Layout (paths on ``fs.defaultFS``)::

    /models/fraud/<version>/pipeline/        Spark ML PipelineModel (PipelineModel.load(path))
    /models/fraud/<version>/metadata.json    see ``ModelMetadata``
    /models/fraud/champion                   one line: the champion's <version>

``<version>`` is ``YYYYMMDDTHHMMSSZ-<model_type>`` (UTC training time; sorts by time). The pipeline's
input is a DataFrame with one DOUBLE column per ``metadata.feature_names`` (= ``FEATURE_NAMES`` at
training time, in that order: assembler -> scaler -> classifier); its output column ``probability`` is a
vector whose element ``metadata.positive_index`` (1) is the fraud probability. The pointer is replaced
atomically (write + rename): a reader sees the old or the new version, and a version directory is
complete before the pointer names it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

MODELS_ROOT = "/models/fraud"
CHAMPION_POINTER = f"{MODELS_ROOT}/champion"
METADATA_FORMAT = 1


def version_dir(version: str) -> str:
    return f"{MODELS_ROOT}/{version}"


def pipeline_path(version: str) -> str:
    return f"{version_dir(version)}/pipeline"


def metadata_path(version: str) -> str:
    return f"{version_dir(version)}/metadata.json"


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

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelMetadata:
        return cls(**json.loads(text))


def parse_pointer(text: str) -> str | None:
    """The version named by the champion pointer file (``None`` if empty)."""
    version = text.strip()
    return version or None
