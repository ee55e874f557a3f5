"""Evaluate a Spark ML ``PipelineModel`` (as ``train_model.py`` saves it) in plain Python, without a JVM.

Supported stages: ``VectorAssembler`` (the input order is ``metadata.feature_names``: any of the declared
features, so a champion trained before a feature was added keeps serving), ``StandardScaler``,
``LogisticRegressionModel`` (binary), ``RandomForestClassificationModel`` and ``GBTClassificationModel``
(continuous splits). The stages' parameters are read from their saved Parquet ``data/`` and JSON
``metadata/`` files through the same WebHDFS client; anything else raises ``ModelLoadError``.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from typing import Any

from consumers.errors import ModelLoadError
from fraud_domain.features import ALL_FEATURE_NAMES


def _files(hdfs: Any, path: str, suffix: str) -> list[str]:
    return sorted(f"{path}/{s['pathSuffix']}" for s in hdfs.list(path) if s["pathSuffix"].endswith(suffix)
                  and not s["pathSuffix"].startswith(("_", ".")))


def _rows(hdfs: Any, path: str) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    for name in _files(hdfs, path, ".parquet"):
        rows += pq.read_table(io.BytesIO(hdfs.read(name))).to_pylist()
    return rows


def _meta(hdfs: Any, path: str) -> dict[str, Any]:
    return json.loads(hdfs.read(_files(hdfs, f"{path}/metadata", "")[0]).splitlines()[0])


def _vector(v: dict[str, Any]) -> list[float]:
    if v["type"] == 1:
        return list(v["values"])
    out = [0.0] * v["size"]
    for i, x in zip(v["indices"], v["values"], strict=True):
        out[i] = x
    return out


def _tree_weight(row: dict[str, Any]) -> tuple[int, float]:
    """A ``treesMetadata`` row -> (tree id, weight). Spark 3 names the columns (``treeID``, ``weights``);
    Spark 4 saves the tuple as it is (``_1`` id, ``_2`` the tree's params JSON, ``_3`` weight)."""
    if "treeID" in row:
        return int(row["treeID"]), float(row["weights"])
    return int(row["_1"]), float(row["_3"])


def _tree(nodes: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {n["id"]: n for n in nodes}


def _leaf(tree: dict[int, dict[str, Any]], x: list[float]) -> dict[str, Any]:
    node = tree[0]
    while node["leftChild"] >= 0:
        split = node["split"]
        if split["numCategories"] != -1:
            raise ModelLoadError("categorical splits are not supported")
        go_left = x[split["featureIndex"]] <= split["leftCategoriesOrThreshold"][0]
        node = tree[node["leftChild"] if go_left else node["rightChild"]]
    return node


def _scaled(x: list[float], p: tuple[list[float], list[float], bool, bool]) -> list[float]:
    """Spark's StandardScalerModel arithmetic exactly: (v - mean) * (1 / std), 0 where std is 0."""
    mean, scale, with_mean, with_std = p
    return [((v - m) if with_mean else v) * (s if with_std else 1.0) for v, m, s in zip(x, mean, scale, strict=True)]


def _estimate(kind: str, node: dict[str, Any]) -> float:
    """A tree node's fraud estimate: RF its fraud share, GBT its (regression) prediction."""
    if kind == "gbt":
        return float(node["prediction"])
    stats = node["impurityStats"]
    return stats[1] / (sum(stats) or 1.0)


@dataclass
class PipelineEvaluator:
    version: str
    feature_names: list[str]  # the input vector's order (the assembler's columns, ``metadata.feature_names``)
    stages: list[tuple[str, Any]] = field(default_factory=list)

    def predict(self, vectors: list[list[float]]) -> list[float]:
        return [self._one(list(v)) for v in vectors]

    def explain(self, vector: list[float], top: int = 3) -> list[str]:
        """The features that pushed this vector's fraud score up most, largest first (at most ``top``,
        only positive pushes). Logistic regression: coefficient x scaled value. Trees (Saabas): along the
        path each split moves the node's fraud estimate (RF: its fraud share, averaged over trees; GBT: its
        weighted prediction); each move is credited to the split's feature."""
        x, push = list(vector), [0.0] * len(self.feature_names)
        for kind, p in self.stages:
            if kind == "scaler":
                x = _scaled(x, p)
            elif kind == "lr":
                push = [c * v for c, v in zip(p[0], x, strict=True)]
            elif kind in ("rf", "gbt"):
                weighted = [(tree, 1.0 / len(p)) for tree in p] if kind == "rf" else p
                for tree, weight in weighted:
                    node = tree[0]
                    while node["leftChild"] >= 0:
                        split = node["split"]
                        go_left = x[split["featureIndex"]] <= split["leftCategoriesOrThreshold"][0]
                        child = tree[node["leftChild"] if go_left else node["rightChild"]]
                        push[split["featureIndex"]] += weight * (_estimate(kind, child) - _estimate(kind, node))
                        node = child
        ranked = sorted(((v, name) for v, name in zip(push, self.feature_names, strict=True) if v > 0), reverse=True)
        return [name for _, name in ranked[:top]]

    def _one(self, x: list[float]) -> float:
        for kind, p in self.stages:
            if kind == "scaler":
                x = _scaled(x, p)
            elif kind == "lr":
                coef, intercept = p
                z = intercept + sum(c * v for c, v in zip(coef, x, strict=True))
                return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
            elif kind == "rf":
                total = [0.0, 0.0]
                for tree in p:
                    stats = _leaf(tree, x)["impurityStats"]
                    s = sum(stats) or 1.0
                    total = [total[0] + stats[0] / s, total[1] + stats[1] / s]
                return total[1] / (sum(total) or 1.0)
            elif kind == "gbt":
                raw = sum(w * _leaf(tree, x)["prediction"] for tree, w in p)
                return 1.0 / (1.0 + math.exp(-2.0 * raw))
        raise ModelLoadError("pipeline has no classifier stage")


def load(hdfs: Any, version_dir: str, metadata: dict[str, Any]) -> PipelineEvaluator:
    """Load ``<version_dir>/pipeline`` for ``metadata`` (``model_store.ModelMetadata`` JSON)."""
    if metadata.get("flavour") != "spark-ml-pipeline" or metadata.get("positive_index") != 1:
        raise ModelLoadError(f"unsupported model flavour {metadata.get('flavour')!r}")
    names = list(metadata["feature_names"])
    unknown = sorted(set(names) - set(ALL_FEATURE_NAMES))
    if unknown or not names:
        raise ModelLoadError(f"the model needs features the scorer does not compute: {unknown or 'none named'}")
    root = f"{version_dir.rstrip('/')}/pipeline"
    model = PipelineEvaluator(version=metadata["version"], feature_names=names)
    for stage in sorted(_files(hdfs, f"{root}/stages", ""), key=lambda s: int(s.rsplit("/", 1)[1].split("_")[0])):
        cls = _meta(hdfs, stage)["class"].rsplit(".", 1)[1]
        params = _meta(hdfs, stage).get("paramMap", {})
        if cls == "VectorAssembler":
            continue
        if cls == "StandardScalerModel":
            row = _rows(hdfs, f"{stage}/data")[0]
            scale = [1.0 / v if v != 0 else 0.0 for v in _vector(row["std"])]  # as StandardScalerModel does
            model.stages.append(("scaler", (_vector(row["mean"]), scale,
                                            params.get("withMean", False), params.get("withStd", True))))
        elif cls == "LogisticRegressionModel":
            row = _rows(hdfs, f"{stage}/data")[0]
            if row["isMultinomial"]:
                raise ModelLoadError("multinomial logistic regression is not supported")
            m = row["coefficientMatrix"]
            model.stages.append(("lr", (list(m["values"]), _vector(row["interceptVector"])[0])))
        elif cls in ("RandomForestClassificationModel", "GBTClassificationModel"):
            trees: dict[int, list[dict[str, Any]]] = {}
            for r in _rows(hdfs, f"{stage}/data"):
                trees.setdefault(r["treeID"], []).append(r["nodeData"])
            ordered = [_tree(trees[i]) for i in sorted(trees)]
            if cls.startswith("Random"):
                model.stages.append(("rf", ordered))
            else:
                weights = dict(_tree_weight(r) for r in _rows(hdfs, f"{stage}/treesMetadata"))
                model.stages.append(("gbt", [(t, weights[i]) for i, t in zip(sorted(trees), ordered, strict=True)]))
        else:
            raise ModelLoadError(f"unsupported pipeline stage {cls}")
    if not model.stages or model.stages[-1][0] not in ("lr", "rf", "gbt"):
        raise ModelLoadError(f"{root} ends in no classifier stage (a partial model?)")
    return model
