"""The champion pointer is signed and never goes back in time (issue #15): only the signing key can repoint the
scorer, and an old signed pointer copied back over the champion - a rollback by someone without the key - is
refused, by a restarted scorer too; a deliberate rollback is a new promotion of the older version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consumers import model_registry
from consumers.metrics import Metrics
from consumers.model_registry import ModelRegistry
from fraud_platform.model_store import Pointer
from tests.support.model_files import ModelFiles

pytestmark = pytest.mark.unit
KEY = "unit-test-model-signing-key"
T0 = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


def test_a_pointer_round_trips_and_is_signed_by_the_key() -> None:
    pointer = Pointer.promote("v2-gbt", KEY, by="train_model run-7", previous="v1-lr", now=T0)
    parsed = Pointer.parse(pointer.to_text())
    assert parsed == pointer and parsed.problem(KEY) is None
    assert parsed.promoted_at == T0 and parsed.previous == "v1-lr" and parsed.promoted_by == "train_model run-7"
    assert parsed.problem("another-key") is not None


@pytest.mark.parametrize("change", [
    {"version": "v9-evil"}, {"promoted_at": T0 + timedelta(days=1)}, {"previous": "v0"}, {"promoted_by": "me"}])
def test_any_field_changed_without_the_key_is_refused(change: dict[str, Any]) -> None:
    forged = replace(Pointer.promote("v2-gbt", KEY, by="train_model", previous="v1-lr", now=T0), **change)
    assert "not signed with this platform's MODEL_SIGNING_KEY" in (Pointer.parse(forged.to_text()).problem(KEY) or "")


@pytest.mark.parametrize("text", ["v1-lr\n", '{"version": "v1-lr"}', "{not json",
                                  '{"version": "v1", "promoted_at": 3}'])
def test_a_first_format_or_unreadable_pointer_is_never_trusted(text: str) -> None:
    pointer = Pointer.parse(text)
    assert pointer is not None and pointer.problem(KEY) is not None


def test_an_empty_pointer_names_no_champion() -> None:
    assert Pointer.parse(" \n") is None


class Floor:
    """The promotion floor's contract (``promotion_floor.PromotionFloor``) in memory; Cassandra's is tested in
    ``tests/integration/test_stream_consumers.py``."""

    def __init__(self) -> None:
        self.at: datetime | None = None
        self.version: str | None = None
        self.down = False

    def load(self) -> datetime | None:
        return self.at

    def raise_to(self, promoted_at: datetime, version: str) -> None:
        if self.down:
            raise ConnectionError("Cassandra is down")
        self.at, self.version = promoted_at, version


class Loaded:
    def __init__(self, version: str) -> None:
        self.version = version


@pytest.fixture(autouse=True)
def _pipelines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_registry, "load", lambda hdfs, folder, metadata: Loaded(metadata["version"]))


def promoted(version: str, minutes: int, previous: str | None = None) -> Pointer:
    return Pointer.promote(version, KEY, by="train_model", previous=previous, now=T0 + timedelta(minutes=minutes))


def registry(store: ModelFiles, floor: Floor, metrics: Metrics | None = None) -> ModelRegistry:
    return ModelRegistry(store, KEY, metrics=metrics, floor=floor)


def refused(metrics: Metrics) -> float:
    return metrics.registry.get_sample_value("fraud_stream_model_refused_total", {"consumer": "scorer"}) or 0


def test_an_old_signed_pointer_copied_back_is_refused_and_the_champion_keeps_serving() -> None:
    store, floor, metrics = ModelFiles(KEY).version("v1-lr").version("v2-gbt"), Floor(), Metrics("scorer")
    old, new = promoted("v1-lr", 0), promoted("v2-gbt", 30, previous="v1-lr")
    scorer = registry(store, floor, metrics)
    store.point(old)
    assert scorer.poll().version == "v1-lr"
    store.point(new)
    assert scorer.poll().version == "v2-gbt" and floor.at == new.promoted_at and floor.version == "v2-gbt"
    store.point(old)  # the bytes train_model wrote half an hour earlier, copied back by someone without the key
    assert scorer.poll() is None and scorer.poll() is None  # refused once, not retried every poll
    assert scorer.version == "v2-gbt" and refused(metrics) == 1
    restarted = registry(store, floor)  # the floor is kept outside HDFS: a restart refuses it too
    assert restarted.poll() is None and restarted.version is None


def test_a_pointer_without_the_key_is_refused_whatever_it_names() -> None:
    store, metrics = ModelFiles(KEY).version("v1-lr").version("v2-gbt"), Metrics("scorer")
    scorer = registry(store, Floor(), metrics)
    store.point(promoted("v2-gbt", 0))
    assert scorer.poll().version == "v2-gbt"
    store.point("v1-lr\n")  # the first format: anyone can write it
    assert scorer.poll() is None and scorer.version == "v2-gbt" and refused(metrics) == 1
    forged = replace(promoted("v1-lr", 60), signature="0" * 64)
    store.point(forged)
    assert scorer.poll() is None and scorer.version == "v2-gbt" and refused(metrics) == 2


def test_a_rollback_is_a_new_promotion_of_the_older_version() -> None:
    store, floor = ModelFiles(KEY).version("v1-lr").version("v2-gbt"), Floor()
    scorer = registry(store, floor)
    store.point(promoted("v1-lr", 0))
    scorer.poll()
    store.point(promoted("v2-gbt", 30, previous="v1-lr"))
    assert scorer.poll().version == "v2-gbt"
    back = promoted("v1-lr", 45, previous="v2-gbt")  # `fraudctl model promote v1-lr`
    store.point(back)
    assert scorer.poll().version == "v1-lr" and floor.at == back.promoted_at
    store.point(promoted("v1-lr", 50, previous="v1-lr"))  # the served version promoted again: nothing reloaded
    assert scorer.poll() is None and scorer.version == "v1-lr" and floor.at == T0 + timedelta(minutes=50)


def test_a_restart_serves_the_promotion_it_served_before() -> None:
    store, floor = ModelFiles(KEY).version("v2-gbt"), Floor()
    pointer = promoted("v2-gbt", 30)
    store.point(pointer)
    assert registry(store, floor).poll().version == "v2-gbt"
    assert registry(store, floor).poll().version == "v2-gbt"  # promoted exactly at the floor: served


def test_a_floor_that_cannot_be_written_is_written_at_a_later_poll() -> None:
    store, floor = ModelFiles(KEY).version("v1-lr").version("v2-gbt"), Floor()
    scorer = registry(store, floor)
    floor.down = True
    store.point(promoted("v2-gbt", 30))
    assert scorer.poll().version == "v2-gbt" and floor.at is None  # served; the floor waits for Cassandra
    floor.down = False
    assert scorer.poll() is None and floor.at == T0 + timedelta(minutes=30)
