"""The scorer's evaluation of a saved Spark pipeline follows Spark's arithmetic (the serving-parity test in
tests/integration/test_spark_jobs.py checks it against Spark's transform on real models)."""

from __future__ import annotations

import math

import pytest

from consumers.model_loader import PipelineEvaluator, _leaf, _tree_weight

pytestmark = pytest.mark.unit


def test_a_zero_variance_feature_scales_to_zero_as_in_spark() -> None:
    # StandardScalerModel multiplies by 1/std, and by 0 where std is 0 (it does not divide by 1).
    model = PipelineEvaluator("v", ["a", "b"], [("scaler", ([1.0, 5.0], [0.5, 0.0], True, True)),
                                                ("lr", ([2.0, 3.0], -1.0))])
    z = -1.0 + 2.0 * ((3.0 - 1.0) * 0.5) + 3.0 * 0.0
    assert model.predict([[3.0, 123.0]]) == [pytest.approx(1.0 / (1.0 + math.exp(-z)), abs=0)]


def test_a_split_sends_equal_values_left() -> None:
    tree = {0: {"leftChild": 1, "rightChild": 2, "split": {"numCategories": -1, "featureIndex": 0,
                                                           "leftCategoriesOrThreshold": [0.25]}},
            1: {"leftChild": -1, "id": 1}, 2: {"leftChild": -1, "id": 2}}
    assert _leaf(tree, [0.25])["id"] == 1 and _leaf(tree, [0.2500001])["id"] == 2


def _stump(threshold: float, left: dict, right: dict, node: dict) -> dict:
    return {0: {**node, "leftChild": 1, "rightChild": 2,
                "split": {"numCategories": -1, "featureIndex": 1, "leftCategoriesOrThreshold": [threshold]}},
            1: {**left, "leftChild": -1, "rightChild": -1}, 2: {**right, "leftChild": -1, "rightChild": -1}}


def test_reasons_name_the_features_that_pushed_the_score_up() -> None:
    lr = PipelineEvaluator("v", ["a", "b", "c"], [("lr", ([0.5, -2.0, 3.0], 0.0))])
    assert lr.explain([1.0, 1.0, 1.0]) == ["c", "a"]  # b pushed down: not a reason
    assert lr.explain([1.0, 1.0, 1.0], top=1) == ["c"]
    # RF (Saabas): feature 1's split moved the fraud share from 0.1 to 0.6 for x[1] > 2.
    tree = _stump(2.0, {"impurityStats": [9.0, 0.0]}, {"impurityStats": [2.0, 3.0]}, {"impurityStats": [9.0, 1.0]})
    rf = PipelineEvaluator("v", ["a", "b"], [("rf", [tree])])
    assert rf.explain([0.0, 5.0]) == ["b"] and rf.explain([0.0, 1.0]) == []
    gbt_tree = _stump(2.0, {"prediction": -0.5}, {"prediction": 0.75}, {"prediction": -0.25})
    gbt = PipelineEvaluator("v", ["a", "b"], [("gbt", [(gbt_tree, 0.3)])])
    assert gbt.explain([0.0, 3.0]) == ["b"]
    assert gbt.predict([[0.0, 3.0]]) == [pytest.approx(1.0 / (1.0 + math.exp(-2.0 * 0.3 * 0.75)))]


def test_tree_weights_are_read_in_spark_3_and_spark_4_layouts() -> None:
    assert _tree_weight({"treeID": 3, "metadata": "{}", "weights": 0.1}) == (3, 0.1)
    assert _tree_weight({"_1": 3, "_2": "{}", "_3": 0.1}) == (3, 0.1)  # Spark 4.2 (what pyspark ships here)


def test_bytes_that_are_not_an_onnx_model_are_refused_with_a_clear_error() -> None:
    from consumers.errors import ModelLoadError
    from consumers.onnx_model import OnnxModel

    with pytest.raises(ModelLoadError, match="ONNX model cannot be loaded"):
        OnnxModel.from_bytes(b"\x08\x07truncated", PipelineEvaluator("v", ["tx_amount"]))


@pytest.mark.parametrize(("metadata", "expected"), [
    ({"onnx": "model.onnx", "onnx_max_abs_diff": 7e-7}, True),
    ({"onnx": "model.onnx", "onnx_max_abs_diff": 1.5e-3}, False),  # float32 split thresholds flipped a branch
    ({"onnx": "model.onnx"}, False),  # never measured against Spark
    ({"onnx_max_abs_diff": 0.0}, False),  # no file
    ({}, False),  # trained before the export existed
])
def test_the_onnx_file_serves_only_when_it_matched_spark(metadata: dict, expected: bool) -> None:
    from consumers.model_registry import serves_onnx

    assert serves_onnx(metadata) is expected
