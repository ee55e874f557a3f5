"""The Spark backend implements every declarable feature kind (its dispatch table, checked without Spark),
and the ``fraud.features`` columns take their types from the declarations."""

from __future__ import annotations

import pytest

from fraud_domain.features.backend import implementation, unimplemented
from fraud_domain.features.definitions import ALL_FEATURES
from spark_jobs import features
from spark_jobs.tables import FEATURES

pytestmark = pytest.mark.unit


def test_every_declared_feature_is_implemented_by_spark() -> None:
    assert unimplemented(features.IMPLEMENTATIONS) == []
    for f in ALL_FEATURES:
        assert callable(implementation(features.IMPLEMENTATIONS, f, backend="spark")), f.name


def test_feature_columns_come_from_the_declarations() -> None:
    columns = dict(FEATURES.columns)
    assert [name for name, _ in FEATURES.columns[4:]] == [f.name for f in ALL_FEATURES]
    assert all(columns[f.name] == f.sql_type == f.dtype.upper() for f in ALL_FEATURES)
