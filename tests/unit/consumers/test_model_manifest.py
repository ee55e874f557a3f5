"""The scorer serves only the ONNX bytes training wrote: a file that does not match the SHA-256 in its
metadata is refused (issue #15)."""

from __future__ import annotations

import hashlib

import pytest

from consumers.errors import ModelLoadError
from consumers.model_registry import check_manifest

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
