"""``fraud_stream_model_quality``: the serving champion's test-week figures, from its metadata through the
registry and the scorer to the gauge; one version exported at a time."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from consumers import model_registry
from consumers.errors import ModelLoadError
from consumers.metrics import Metrics
from consumers.model_registry import ModelRegistry
from tests.support.model_files import ModelFiles
from tests.unit.consumers.test_scorer_model_first import Champion, Registry, restarted

pytestmark = pytest.mark.unit
FAMILY = "fraud_stream_model_quality"
FIGURES = {"auc_roc": 0.87, "average_precision": 0.62, "card_precision_at_100": 0.29}
KEY = "unit-test-model-signing-key"


def _value(registry: CollectorRegistry, version: str, metric: str) -> float | None:
    return registry.get_sample_value(FAMILY, {"consumer": "scorer", "model_version": version, "metric": metric})


def _series(registry: CollectorRegistry) -> list[tuple[str, str]]:
    return sorted((s.labels["model_version"], s.labels["metric"])
                  for m in registry.collect() for s in m.samples if s.name == FAMILY)


def test_only_the_serving_version_is_exported_and_missing_figures_are_skipped() -> None:
    registry = CollectorRegistry()
    m = Metrics("scorer", registry)
    m.model_quality("v1-lr", FIGURES)
    assert {k: _value(registry, "v1-lr", k) for k in FIGURES} == FIGURES
    m.model_quality("v2-rf", {"auc_roc": 0.9, "average_precision": None, "card_precision_at_100": 0.31})
    assert _series(registry) == [("v2-rf", "auc_roc"), ("v2-rf", "card_precision_at_100")]
    assert _value(registry, "v2-rf", "card_precision_at_100") == 0.31
    m.model_quality("v1-lr", FIGURES)  # a rollback to an earlier champion
    assert _series(registry) == [("v1-lr", k) for k in sorted(FIGURES)]
    m.model_quality("v3-gbt", {})  # metadata without figures: nothing exported, nothing stale
    assert _series(registry) == []


def test_the_registry_keeps_the_figures_of_the_version_it_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_registry, "load", lambda hdfs, folder, metadata: Champion())
    registry = ModelRegistry(ModelFiles(KEY).version("v1-lr", {"metrics": FIGURES}).promote("v1-lr"), KEY)
    assert registry.poll() is not None and registry.test_metrics == FIGURES

    def refuse(hdfs: Any, folder: str, metadata: dict[str, Any]) -> Any:
        raise ModelLoadError("unsupported stage")

    monkeypatch.setattr(model_registry, "load", refuse)
    registry.hdfs = ModelFiles(KEY).version("v2-rf", {"metrics": {"auc_roc": 0.5}}).promote("v2-rf")
    assert registry.poll() is None and registry.test_metrics == FIGURES  # v1 still serves


def test_the_scorer_exports_the_figures_of_the_champion_it_serves() -> None:
    champion = Registry()
    champion.test_metrics = FIGURES
    s = restarted(champion)
    registry = CollectorRegistry()
    s.metrics = Metrics("scorer", registry)
    s.restore()
    assert {k: _value(registry, Champion.version, k) for k in FIGURES} == FIGURES
    assert registry.get_sample_value("fraud_stream_model_info",
                                     {"consumer": "scorer", "model_version": Champion.version}) == 1


def test_counters_that_may_never_move_are_exported_at_zero() -> None:
    from consumers import dlq

    metrics = Metrics("scorer", CollectorRegistry())
    metrics.declare(dlq.CATEGORIES, models=True)
    registry = metrics.registry
    for reason in dlq.CATEGORIES:
        assert registry.get_sample_value("fraud_stream_invalid_total", {"consumer": "scorer", "reason": reason}) == 0
    assert registry.get_sample_value("fraud_stream_model_refused_total", {"consumer": "scorer"}) == 0
