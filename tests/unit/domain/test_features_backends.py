"""Every declared feature is implemented by every Python backend, and a bad declaration fails when made.

(The Spark backend's table is checked in tests/unit/spark_jobs/test_features_backend.py.)
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fraud_domain.features import online, reference
from fraud_domain.features.backend import implementation, unimplemented
from fraud_domain.features.definitions import (
    ALL_FEATURES,
    KINDS,
    ROW_COMPUTE,
    RowFeature,
    StreamFeature,
    WindowFeature,
    unique_names,
)
from fraud_domain.features.errors import FeatureDefinitionError, UnsupportedFeatureError
from fraud_domain.features.online import OnlineFeatureState
from fraud_domain.features.reference import Record, reference_features

pytestmark = pytest.mark.unit
BACKENDS = {"online": online.IMPLEMENTATIONS, "reference": reference.IMPLEMENTATIONS}
DAY = timedelta(days=1)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_every_declared_feature_is_implemented(backend: str) -> None:
    table = BACKENDS[backend]
    assert unimplemented(table) == []  # every kind a declaration may name, not only the ones used today
    for f in ALL_FEATURES:
        assert callable(implementation(table, f, backend=backend)), f.name


def test_kinds_are_the_declaration_vocabulary() -> None:
    assert set(KINDS) == {RowFeature, WindowFeature, StreamFeature}
    assert set(ROW_COMPUTE) == set(KINDS[RowFeature])  # the row kinds' one Python implementation
    assert all(f.kind in KINDS[type(f)] for f in ALL_FEATURES)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: WindowFeature(name="x", entity="customer", window=DAY, aggregate="median"),  # type: ignore[arg-type]
     "aggregate 'median' is not one of count, mean_amount, fraud_ratio"),
    (lambda: WindowFeature(name="x", entity="merchant", window=DAY, aggregate="count"),  # type: ignore[arg-type]
     "entity 'merchant'"),
    (lambda: WindowFeature(name="x", entity="customer", window=timedelta(0), aggregate="count"), "window must be > 0"),
    (lambda: WindowFeature(name="x", entity="customer", window=-DAY, aggregate="count"), "window must be > 0"),
    (lambda: WindowFeature(name="x", entity="customer", window=7, aggregate="count"),  # type: ignore[arg-type]
     "window must be a timedelta"),
    (lambda: WindowFeature(name="x", entity="customer", window=timedelta(seconds=1.5), aggregate="count"),
     "window must be whole seconds"),
    (lambda: WindowFeature(name="x", entity="customer", window=DAY, aggregate="count", delay=-DAY),
     "delay must be >= 0"),
    (lambda: WindowFeature(name="x", entity="terminal", window=DAY, aggregate="fraud_ratio"), "needs delay > 0"),
    (lambda: WindowFeature(name="x", entity="customer", window=DAY, aggregate="count", dtype="float"),  # type: ignore[arg-type]
     "dtype 'float' is not one of double, bigint"),
    (lambda: WindowFeature(name="Customer_X", entity="customer", window=DAY, aggregate="count"), "name must match"),
    (lambda: WindowFeature(name="customer_id", entity="customer", window=DAY, aggregate="count"), "key column"),
    (lambda: RowFeature(name="x", kind="hour"), "kind 'hour' is not one of amount, weekend, night"),  # type: ignore[arg-type]
    (lambda: StreamFeature(name="x", kind="median", window=DAY), "kind 'median'"),  # type: ignore[arg-type]
    (lambda: StreamFeature(name="x", kind="count", window=timedelta(0)), "window must be > 0"),
])
def test_a_bad_declaration_fails_when_declared(make: Any, message: str) -> None:
    with pytest.raises(FeatureDefinitionError, match=r"feature '.*': ") as err:
        make()
    assert message in str(err.value)


def test_a_name_declared_twice_fails() -> None:
    a = WindowFeature(name="x", entity="customer", window=DAY, aggregate="count")
    b = StreamFeature(name="x", kind="count", window=DAY)
    with pytest.raises(FeatureDefinitionError, match="feature 'x': declared twice"):
        unique_names([a, b])
    assert unique_names(ALL_FEATURES) == ALL_FEATURES


def _rogue() -> WindowFeature:
    """A declaration whose kind no backend implements (as if added to the vocabulary and nowhere else)."""
    f = WindowFeature(name="customer_median_1d", entity="customer", window=DAY, aggregate="count")
    object.__setattr__(f, "aggregate", "median")
    return f


def test_an_unimplemented_kind_fails_loudly_in_each_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UnsupportedFeatureError, match=r"online feature backend .* 'customer_median_1d'"):
        implementation(online.IMPLEMENTATIONS, _rogue(), backend="online")
    monkeypatch.setattr(online, "WINDOW_FEATURES", (_rogue(),))
    with pytest.raises(UnsupportedFeatureError, match=r"WindowFeature\.median"):
        OnlineFeatureState()
    monkeypatch.setattr(reference, "ALL_FEATURES", (_rogue(),))
    with pytest.raises(UnsupportedFeatureError, match="reference feature backend"):
        reference_features([])


def test_dtype_sets_the_value_type_of_the_python_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    as_bigint = tuple(dataclasses.replace(f, dtype="bigint") if f.name == "customer_nb_tx_1d" else f
                      for f in ALL_FEATURES)
    counted = next(f for f in as_bigint if f.name == "customer_nb_tx_1d")
    assert (counted.sql_type, counted.typed(2.0), type(counted.typed(2.0))) == ("BIGINT", 2, int)
    monkeypatch.setattr(online, "ALL_FEATURES", as_bigint)
    monkeypatch.setattr(reference, "ALL_FEATURES", as_bigint)
    t0 = datetime(2018, 4, 2, 12, tzinfo=UTC)
    records = [Record(transaction_id=f"00000000-0000-4000-8000-00000000000{i}", event_time=t0 + i * timedelta(hours=1),
                      customer_id=1, terminal_id=2, amount=10.0 * (i + 1)) for i in range(3)]
    state = OnlineFeatureState()
    live = [state.update_and_compute(r) for r in records]
    expected = reference_features(records)
    assert [row["customer_nb_tx_1d"] for row in live] == [row["customer_nb_tx_1d"] for row in expected] == [1, 2, 3]
    assert all(type(row["customer_nb_tx_1d"]) is int and type(row["tx_amount"]) is float for row in live + expected)
