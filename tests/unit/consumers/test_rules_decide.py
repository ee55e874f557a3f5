"""Rules and the decision combination: pure functions of the feature vector and thresholds."""

import pytest

from consumers.decide import MODEL_REASON, RULE_SCORES, combine
from consumers.rules import AMOUNT_ANOMALY, GEO_IMPOSSIBLE, VELOCITY, Thresholds, evaluate

T = Thresholds()


def features(**over: float) -> dict[str, float]:
    base = {"customer_nb_tx_2min": 1.0, "customer_dist_prev_km": 0.0, "customer_speed_prev_kmh": 0.0,
            "customer_amount_ratio_30d": 1.0}
    return base | over


def test_nothing_fires_on_an_ordinary_transaction() -> None:
    assert evaluate(features(), T) == ()


def test_velocity_fires_above_five_in_two_minutes() -> None:
    assert evaluate(features(customer_nb_tx_2min=5.0), T) == ()
    assert evaluate(features(customer_nb_tx_2min=6.0), T) == (VELOCITY,)


def test_geo_fires_on_distance_within_window_or_at_an_airliners_speed() -> None:
    # 60 km in 4 min (900 km/h): distance within the window
    assert evaluate(features(customer_dist_prev_km=60.0, customer_speed_prev_kmh=900.0), T) == (GEO_IMPOSSIBLE,)
    # 60 km in 10 min (360 km/h): outside the window, plausible speed
    assert evaluate(features(customer_dist_prev_km=60.0, customer_speed_prev_kmh=360.0), T) == ()
    # 2000 km in 1 h: faster than an airliner
    assert evaluate(features(customer_dist_prev_km=2000.0, customer_speed_prev_kmh=2000.0), T) == (GEO_IMPOSSIBLE,)
    # 40 km in one minute: a hop between nearby terminals (the live clock compresses gaps) is never travel
    assert evaluate(features(customer_dist_prev_km=40.0, customer_speed_prev_kmh=2400.0), T) == ()


def test_amount_anomaly_fires_above_ten_times_the_mean() -> None:
    assert evaluate(features(customer_amount_ratio_30d=10.0), T) == ()
    assert evaluate(features(customer_amount_ratio_30d=10.5), T) == (AMOUNT_ANOMALY,)


def test_thresholds_come_from_settings_fields() -> None:
    class Stream:
        velocity_max_tx_2min, geo_max_km, geo_window_seconds, geo_max_speed_kmh = 2, 10.0, 60, 500.0
        amount_ratio_max, review_threshold, block_threshold = 3.0, 0.4, 0.7

    t = Thresholds.from_settings(Stream)
    assert evaluate(features(customer_nb_tx_2min=3.0, customer_amount_ratio_30d=4.0), t) == (VELOCITY, AMOUNT_ANOMALY)


def test_bad_thresholds_are_rejected() -> None:
    with pytest.raises(ValueError):
        Thresholds(review_threshold=0.9, block_threshold=0.5)


def test_rules_alone_decide_without_a_model() -> None:
    assert combine((), None, T) == (0.0, "approve", ())
    score, decision, reasons = combine((AMOUNT_ANOMALY,), None, T)
    assert (score, decision, reasons) == (pytest.approx(RULE_SCORES[AMOUNT_ANOMALY]), "review", (AMOUNT_ANOMALY,))
    assert combine((GEO_IMPOSSIBLE,), None, T)[1] == "block"


def test_noisy_or_of_rules_and_model() -> None:
    score, decision, reasons = combine((AMOUNT_ANOMALY,), 0.5, T)
    assert score == pytest.approx(1 - (1 - RULE_SCORES[AMOUNT_ANOMALY]) * 0.5)
    assert decision == "block" and reasons == (AMOUNT_ANOMALY, MODEL_REASON)


def test_model_alone_reviews_and_blocks_at_thresholds() -> None:
    assert combine((), 0.49, T)[1:] == ("approve", ())
    assert combine((), 0.5, T)[1:] == ("review", (MODEL_REASON,))
    assert combine((), 0.8, T)[1:] == ("block", (MODEL_REASON,))
    assert combine((), 1.7, T)[0] == 1.0  # clamped
