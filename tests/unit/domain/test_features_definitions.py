from datetime import timedelta

import pytest

from fraud_domain.features import (
    ALL_FEATURE_NAMES,
    FEATURE_NAMES,
    MODEL_FEATURES,
    STREAM_FEATURES,
    WindowFeature,
    retention,
    to_vector,
)

pytestmark = pytest.mark.unit

HANDBOOK_ORDER = [
    "TX_AMOUNT", "TX_DURING_WEEKEND", "TX_DURING_NIGHT",
    "CUSTOMER_ID_NB_TX_1DAY_WINDOW", "CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW",
    "CUSTOMER_ID_NB_TX_7DAY_WINDOW", "CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW",
    "CUSTOMER_ID_NB_TX_30DAY_WINDOW", "CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW",
    "TERMINAL_ID_NB_TX_1DAY_WINDOW", "TERMINAL_ID_RISK_1DAY_WINDOW",
    "TERMINAL_ID_NB_TX_7DAY_WINDOW", "TERMINAL_ID_RISK_7DAY_WINDOW",
    "TERMINAL_ID_NB_TX_30DAY_WINDOW", "TERMINAL_ID_RISK_30DAY_WINDOW",
]


def test_the_handbook_15_in_order_then_the_amount_ratios():
    assert [f.handbook_name for f in MODEL_FEATURES] == HANDBOOK_ORDER
    assert len(FEATURE_NAMES) == 18 == len(set(FEATURE_NAMES))
    assert FEATURE_NAMES[:4] == ("tx_amount", "tx_during_weekend", "tx_during_night", "customer_nb_tx_1d")
    assert FEATURE_NAMES[15:] == ("customer_amount_ratio_1d", "customer_amount_ratio_7d", "customer_amount_ratio_30d")
    assert tuple(f.name for f in (*MODEL_FEATURES, *STREAM_FEATURES)) == ALL_FEATURE_NAMES
    assert set(FEATURE_NAMES) <= set(ALL_FEATURE_NAMES) and len(set(ALL_FEATURE_NAMES)) == len(ALL_FEATURE_NAMES)
    assert all(name == name.lower() for name in ALL_FEATURE_NAMES)


def test_window_declarations_carry_what_spark_needs():
    windows = {f.name: f for f in MODEL_FEATURES if isinstance(f, WindowFeature)}
    risk = windows["terminal_risk_7d"]
    assert (risk.entity_column, risk.window_seconds, risk.delay_seconds, risk.aggregate, risk.dtype) == (
        "terminal_id", 7 * 86400, 7 * 86400, "fraud_ratio", "double")
    cust = windows["customer_avg_amount_30d"]
    assert (cust.entity_column, cust.window_seconds, cust.delay_seconds, cust.aggregate) == (
        "customer_id", 30 * 86400, 0, "mean_amount")
    assert all(f.delay == timedelta(days=7) for f in windows.values() if f.entity == "terminal")


def test_declarations_are_frozen_and_keyword_only():
    with pytest.raises(TypeError):
        WindowFeature("x", "customer", timedelta(days=1), "count")  # type: ignore[misc]
    with pytest.raises(AttributeError):
        MODEL_FEATURES[3].window = timedelta(days=2)  # type: ignore[misc]


def test_retention_and_vector():
    assert retention("customer") == timedelta(days=30)
    assert retention("terminal") == timedelta(days=37)
    feats = {name: float(i) for i, name in enumerate(reversed(ALL_FEATURE_NAMES))}
    assert to_vector(feats) == [feats[n] for n in FEATURE_NAMES]
    assert to_vector(feats, ["customer_nb_tx_2min", "tx_amount"]) == [feats["customer_nb_tx_2min"], feats["tx_amount"]]
