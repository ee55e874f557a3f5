"""The scorer serves only what training wrote: metadata signed with the platform's key, and ONNX and pipeline
files that match the SHA-256 the signed metadata gives (issue #15)."""

from __future__ import annotations

import hashlib

import pytest

from consumers.errors import ModelLoadError
from consumers.model_registry import check_manifest, check_pipeline
from fraud_platform.model_store import ModelStore, pipeline_sha256, sign, signed_by

pytestmark = pytest.mark.unit

ONNX = b"\x08\x07onnx graph bytes"


def test_the_file_training_wrote_is_accepted() -> None:
    check_manifest(ONNX, {"onnx": "model.onnx", "onnx_sha256": hashlib.sha256(ONNX).hexdigest()})


@pytest.mark.parametrize("served", [ONNX[:-1], ONNX + b"\x00", b"another model"])
def test_a_partial_corrupt_or_replaced_file_is_refused(served: bytes) -> None:
    with pytest.raises(ModelLoadError, match="does not match the SHA-256"):
        check_manifest(served, {"onnx": "model.onnx", "onnx_sha256": hashlib.sha256(ONNX).hexdigest()})


def test_a_model_from_before_the_manifest_hash_still_loads() -> None:
    check_manifest(ONNX, {"onnx": "model.onnx"})


KEY = "the-platform-key"
METADATA = b'{"version": "20261207T000000Z-gbt", "metrics": {"average_precision": 0.72}}\n'


class Files:
    """A version's files in memory (``WebHdfs``'s ``exists`` / ``read``)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def exists(self, path: str) -> bool:
        return path in self.files

    def read(self, path: str) -> bytes:
        return self.files[path]


def test_metadata_signed_with_the_key_is_accepted_and_anything_else_refused() -> None:
    store, version = ModelStore("/m"), "20261207T000000Z-gbt"
    signature = sign(METADATA, KEY).encode() + b"\n"
    assert signed_by(METADATA, signature, KEY)

    def problem(metadata: bytes, sig: bytes | None, key: str = KEY, name: str = version) -> str | None:
        files = {store.metadata_path(name): metadata} | ({store.signature_path(name): sig} if sig is not None else {})
        return store.signature_problem(Files(files), name, key)

    assert problem(METADATA, signature) is None
    forged = METADATA.replace(b"0.72", b"0.99")
    for metadata, sig, key in [(forged, signature, KEY), (METADATA, signature, "another-key"), (METADATA, b"", KEY),
                               (METADATA, sign(forged, KEY).encode(), KEY), (METADATA, None, KEY)]:
        assert "not signed with this platform's MODEL_SIGNING_KEY" in (problem(metadata, sig, key) or "")
    assert "is version '20261207T000000Z-gbt'" in (problem(METADATA, signature, name="99990101T000000Z-copy") or "")


class Tree:
    """A folder tree in memory, listed as WebHDFS does (``pathSuffix``, ``type``), in the order given."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def list(self, path: str) -> list[dict[str, str]]:
        prefix = path.rstrip("/") + "/"
        names = {p[len(prefix):].split("/")[0]: "/" in p[len(prefix):] for p in self.files if p.startswith(prefix)}
        return [{"pathSuffix": n, "type": "DIRECTORY" if d else "FILE"} for n, d in names.items()]

    def read(self, path: str) -> bytes:
        return self.files[path]


PIPELINE = {"/m/v/pipeline/metadata/part-00000": b'{"class": "PipelineModel"}',
            "/m/v/pipeline/stages/0_VectorAssembler/metadata/part-00000": b'{"class": "VectorAssembler"}',
            "/m/v/pipeline/stages/2_GBT/data/part-00000.parquet": b"PAR1 trees PAR1"}


def test_the_pipeline_digest_covers_every_file_its_name_and_nothing_else() -> None:
    digest = pipeline_sha256(Tree(PIPELINE), "/m/v/pipeline")
    assert digest == pipeline_sha256(Tree(dict(reversed(PIPELINE.items()))), "/m/v/pipeline/")  # any order
    check_pipeline(Tree(PIPELINE), "/m/v/pipeline", {"pipeline_sha256": digest})
    changed = {**PIPELINE, "/m/v/pipeline/stages/2_GBT/data/part-00000.parquet": b"PAR1 other trees PAR1"}
    added = {**PIPELINE, "/m/v/pipeline/stages/2_GBT/data/part-00001.parquet": b""}
    renamed = {k.replace("2_GBT", "2_RF"): v for k, v in PIPELINE.items()}
    for tree in (changed, added, renamed):
        with pytest.raises(ModelLoadError, match="does not match the SHA-256 in its signed metadata"):
            check_pipeline(Tree(tree), "/m/v/pipeline", {"pipeline_sha256": digest})
    with pytest.raises(ModelLoadError):  # metadata without the digest (a model from before it)
        check_pipeline(Tree(PIPELINE), "/m/v/pipeline", {})
