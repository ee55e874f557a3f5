"""Where trained models live on HDFS — the contract between ``train_model.py`` and the stream scorer.

Layout (paths on ``fs.defaultFS``; the root is ``/models/fraud`` unless a test passes its own)::

    /models/fraud/<version>/pipeline/        Spark ML PipelineModel (PipelineModel.load(path))
    /models/fraud/<version>/model.onnx       the same pipeline in ONNX (``metadata.onnx``; what the scorer runs
                                             when it equals Spark within ``ONNX_TOLERANCE``)
    /models/fraud/<version>/metadata.json    see ``ModelMetadata`` (with the SHA-256 of the pipeline and ONNX files)
    /models/fraud/<version>/metadata.sig     ``sign(metadata.json bytes, MODEL_SIGNING_KEY)``: the scorer serves
                                             only a version whose signature matches (HDFS' simple auth lets
                                             anyone who reaches the NameNode write here; nobody else has the key)
    /models/fraud/champion                   the champion pointer (``Pointer``): one JSON object naming the
                                             champion's <version>, when it was promoted and by what, signed
                                             with MODEL_SIGNING_KEY (a file anyone else writes is refused)

``<version>`` is ``YYYYMMDDTHHMMSSZ-<model_type>`` (UTC training time; sorts by time). The pipeline's
input is a DataFrame with one DOUBLE column per ``metadata.feature_names`` (= ``FEATURE_NAMES`` at
training time: assembler -> standard scaler -> classifier); its output column ``probability`` is a
vector whose element ``metadata.positive_index`` (1) is the fraud probability. The pointer is replaced
by write + rename, after the version directory is complete: a reader never sees a half-written model.

A signed pointer keeps the champion from being repointed by anyone without the key; its ``promoted_at`` keeps
an old signed pointer, copied back, from rolling the scorer back: the scorer never serves a promotion older
than one it has served (``consumers.model_registry``, the floor kept in Cassandra). A deliberate rollback is a
new promotion of the older version: ``fraudctl model promote VERSION``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

MODELS_ROOT = "/models/fraud"
ONNX_FILE = "model.onnx"
SIGNATURE_FILE = "metadata.sig"  # sign(metadata.json bytes, MODEL_SIGNING_KEY), hex
SIGNATURE_CONTEXT = b"fraud-platform model metadata v1\n"
POINTER_CONTEXT = b"fraud-platform champion pointer v1\n"
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

    def signature_path(self, version: str) -> str:
        return f"{self.version_dir(version)}/{SIGNATURE_FILE}"

    def signature_problem(self, hdfs: Any, version: str, key: str) -> str | None:
        """Why ``version`` is not a model this platform trained (None: it is one): its ``metadata.sig`` is missing or
        is not ``sign(metadata.json, key)``, or its signed metadata names another version (a copy). ``hdfs``: a
        ``WebHdfs``-like client (``exists``, ``read``)."""
        if not hdfs.exists(self.metadata_path(version)):
            return f"there is no model version {version!r} in {self.root} (deleted, or never trained here)"
        metadata = hdfs.read(self.metadata_path(version))
        signature = hdfs.read(self.signature_path(version)) if hdfs.exists(self.signature_path(version)) else b""
        if not signed_by(metadata, signature, key):
            return ("its metadata is not signed with this platform's MODEL_SIGNING_KEY (written by something other "
                    "than train_model, altered since, or trained before models were signed: train again)")
        named = json.loads(metadata).get("version")
        if named != version:
            return f"its signed metadata is version {named!r}'s (a copy, or a pointer to the wrong folder)"
        return None

    def pointer(self, hdfs: Any) -> Pointer | None:
        """The champion pointer on ``hdfs`` (a ``WebHdfs``-like client: ``exists``, ``read``), signed or not (see
        ``Pointer.problem``); None when there is no champion yet."""
        if not hdfs.exists(self.champion_pointer):
            return None
        return Pointer.parse(hdfs.read(self.champion_pointer).decode())

    def champion(self, hdfs: Any) -> str | None:
        """The version the champion pointer names (None when there is none yet), whoever wrote it: check
        ``pointer_problem`` before trusting it."""
        pointer = self.pointer(hdfs)
        return pointer.version if pointer else None

    def pointer_problem(self, hdfs: Any, pointer: Pointer, key: str) -> str | None:
        """Why the scorer would refuse the champion ``pointer`` names (the pointer, or the version it names);
        None when it would serve it. ``train_model``, ``status``, ``up`` and ``fraudctl model`` all ask this."""
        return pointer.problem(key) or self.signature_problem(hdfs, pointer.version, key)


@dataclass(frozen=True)
class Pointer:
    """The champion pointer's content: ``version``, promoted at ``promoted_at`` (UTC) by ``promoted_by``
    (``train_model <run>`` or ``fraudctl model promote``), replacing ``previous``; ``signature`` =
    HMAC-SHA256 under ``MODEL_SIGNING_KEY`` over the other fields (``POINTER_CONTEXT``). A pointer from before
    pointers were signed (one line: the version) parses with no signature and no time."""

    version: str
    promoted_at: datetime | None = None
    promoted_by: str = ""
    previous: str | None = None
    signature: str = ""

    @classmethod
    def promote(cls, version: str, key: str, *, by: str, previous: str | None,
                now: datetime | None = None) -> Pointer:
        """A new signed pointer to ``version``, promoted now (microseconds: later than any pointer before it)."""
        unsigned = cls(version, (now or datetime.now(UTC)).astimezone(UTC), by, previous)
        return replace(unsigned, signature=unsigned._sign(key))

    def _body(self) -> dict[str, Any]:
        return {"version": self.version, "previous": self.previous, "promoted_by": self.promoted_by,
                "promoted_at": self.promoted_at.isoformat(timespec="microseconds") if self.promoted_at else None}

    def _sign(self, key: str) -> str:
        canonical = json.dumps(self._body(), sort_keys=True, separators=(",", ":")).encode()
        return hmac.new(key.encode(), POINTER_CONTEXT + canonical, hashlib.sha256).hexdigest()

    def problem(self, key: str) -> str | None:
        """Why this pointer is not one this platform wrote (None: it is), compared in constant time."""
        if self.promoted_at is None or not hmac.compare_digest(self.signature, self._sign(key)):
            return ("the champion pointer is not signed with this platform's MODEL_SIGNING_KEY (written by something "
                    "other than train_model or `fraudctl model promote`, or before pointers were signed)")
        return None

    def to_text(self) -> str:
        return json.dumps({**self._body(), "signature": self.signature}, sort_keys=True) + "\n"

    @classmethod
    def parse(cls, text: str) -> Pointer | None:
        """The pointer a file holds (None if empty); an unreadable one names no version and is never trusted."""
        text = text.strip()
        if not text:
            return None
        if not text.startswith("{"):  # the first format: the version alone
            return cls(text)
        try:
            data = json.loads(text)
            at = datetime.fromisoformat(data["promoted_at"]) if data.get("promoted_at") else None
            return cls(str(data["version"]), at.astimezone(UTC) if at else None, str(data.get("promoted_by", "")),
                       data.get("previous"), str(data.get("signature", "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls("", signature="")  # named nothing readable: refused as unsigned


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
    # SHA-256 over the pipeline folder's files (``pipeline_sha256``): the scorer refuses a pipeline that differs.
    pipeline_sha256: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelMetadata:
        return cls(**json.loads(text))


def pipeline_sha256(hdfs: Any, path: str) -> str:
    """One SHA-256 over every file under ``path`` on ``hdfs`` (a ``WebHdfs``-like client: ``list``, ``read``): each
    file's name relative to ``path`` and the SHA-256 of its bytes, in name order. Training records it in the
    metadata; the scorer computes it again before it loads the pipeline."""
    entries: list[tuple[str, str]] = []

    def walk(folder: str, prefix: str) -> None:
        for status in hdfs.list(folder):
            name = f"{prefix}{status['pathSuffix']}"
            if status["type"] == "DIRECTORY":
                walk(f"{folder}/{status['pathSuffix']}", f"{name}/")
            else:
                entries.append((name, hashlib.sha256(hdfs.read(f"{folder}/{status['pathSuffix']}")).hexdigest()))

    walk(path.rstrip("/"), "")
    digest = hashlib.sha256()
    for name, file_digest in sorted(entries):
        digest.update(f"{name}\0{file_digest}\n".encode())
    return digest.hexdigest()


def sign(metadata: bytes, key: str) -> str:
    """The signature of a version's ``metadata.json`` bytes as written: HMAC-SHA256 under ``MODEL_SIGNING_KEY``
    (hex). The metadata holds the SHA-256 of the ONNX file and of the pipeline, so it vouches for the whole
    version; only a process that can read the platform's ``.env`` (mode 0600) can make one."""
    return hmac.new(key.encode(), SIGNATURE_CONTEXT + metadata, hashlib.sha256).hexdigest()


def signed_by(metadata: bytes, signature: bytes, key: str) -> bool:
    """Whether ``signature`` (the ``metadata.sig`` file) is ``sign(metadata, key)``, compared in constant time."""
    return hmac.compare_digest(signature.decode("ascii", "replace").strip(), sign(metadata, key))
