"""Hand-computed cases that pin down the reference semantics (the parity tests then bind the backends)."""

from datetime import UTC, datetime, timedelta

import pytest

from fraud_domain.features import Record, reference_features
from fraud_domain.geo import haversine_km
from fraud_domain.schema import Label

pytestmark = pytest.mark.unit
D0 = datetime(2018, 4, 1, tzinfo=UTC)  # a Sunday


def rec(n: int, at: timedelta, amount: float = 10.0, customer: int = 1, terminal: int = 5,
        lat: float = 45.0, lon: float = 5.0) -> Record:
    return Record(transaction_id=f"00000000-0000-4000-8000-{n:012d}", event_time=D0 + at, amount=amount,
                  customer_id=customer, terminal_id=terminal, terminal_lat=lat, terminal_lon=lon)


def label(r: Record, reported_after: timedelta, is_fraud: bool = True) -> Label:
    return Label(transaction_id=r.transaction_id, event_time=r.event_time, customer_id=r.customer_id,
                 terminal_id=r.terminal_id, is_fraud=is_fraud, scenario=2 if is_fraud else 0,
                 reported_at=r.event_time + reported_after)


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def test_row_features():
    out = reference_features([rec(1, h(6.99), 12.5), rec(2, h(24 + 7), 3.0)])
    assert (out[0]["tx_amount"], out[0]["tx_during_weekend"], out[0]["tx_during_night"]) == (12.5, 1.0, 1.0)
    assert (out[1]["tx_during_weekend"], out[1]["tx_during_night"]) == (0.0, 0.0)  # Monday 07:00


def test_customer_windows_include_current_and_exclude_the_left_edge():
    records = [rec(1, h(10), 10), rec(2, h(22), 20), rec(3, h(33.99), 30), rec(4, h(34), 40)]
    out = reference_features(records)
    assert (out[2]["customer_nb_tx_1d"], out[2]["customer_avg_amount_1d"]) == (3.0, 20.0)
    # At day 1 10:00 the day-0 10:00 transaction sits exactly on the open left edge: excluded.
    assert (out[3]["customer_nb_tx_1d"], out[3]["customer_avg_amount_1d"]) == (3.0, 30.0)
    assert (out[3]["customer_nb_tx_7d"], out[3]["customer_avg_amount_7d"]) == (4.0, 25.0)


def test_equal_timestamps_follow_processing_order():
    out = reference_features([rec(1, h(12)), rec(2, h(12))])
    assert [o["customer_nb_tx_1d"] for o in out] == [1.0, 2.0]


def test_terminal_windows_are_delayed_and_point_in_time():
    a = rec(1, h(12), customer=1)
    b = rec(2, timedelta(days=7, hours=12), customer=2)  # exactly 7 days later: a is on the right edge
    c = rec(3, timedelta(days=7, hours=12, seconds=1), customer=3)
    out = reference_features([a, b, c], [label(a, timedelta(days=7))])
    assert (out[1]["terminal_nb_tx_1d"], out[1]["terminal_risk_1d"]) == (1.0, 1.0)
    assert (out[0]["terminal_nb_tx_1d"], out[0]["terminal_risk_1d"]) == (0.0, 0.0)  # empty window: 0
    # Reported one second after b: b must not see it, c may.
    out = reference_features([a, b, c], [label(a, timedelta(days=7, seconds=1))])
    assert (out[1]["terminal_risk_1d"], out[2]["terminal_risk_1d"]) == (0.0, 1.0)
    out = reference_features([a, b, c], [label(a, timedelta(days=7), is_fraud=False)])
    assert out[2]["terminal_risk_30d"] == 0.0 and out[2]["terminal_nb_tx_30d"] == 1.0


def test_velocity_distance_speed_and_amount_ratio():
    far_lat = 45.0 + 0.5  # ~55.6 km north
    records = [rec(1, h(10), 10.0), rec(2, h(10) + timedelta(seconds=30), 10.0),
               rec(3, h(10) + timedelta(minutes=2), 100.0, lat=far_lat)]
    out = reference_features(records)
    assert [o["customer_nb_tx_2min"] for o in out] == [1.0, 2.0, 2.0]  # the first left the window
    assert (out[0]["customer_dist_prev_km"], out[0]["customer_speed_prev_kmh"]) == (0.0, 0.0)
    assert out[0]["customer_amount_ratio_30d"] == 1.0
    km = haversine_km(45.0, 5.0, far_lat, 5.0)
    assert out[2]["customer_dist_prev_km"] == pytest.approx(km)
    assert out[2]["customer_speed_prev_kmh"] == pytest.approx(km / (90 / 3600))
    assert out[2]["customer_amount_ratio_30d"] == pytest.approx(10.0)
    same_time = reference_features([rec(1, h(1), lat=45.0), rec(2, h(1), lat=far_lat)])
    assert same_time[1]["customer_speed_prev_kmh"] == pytest.approx(km * 3600)  # dt floored to 1 s


def test_previous_transaction_horizon_is_one_day():
    out = reference_features([rec(1, h(0)), rec(2, h(24), lat=46.0)])
    assert out[1]["customer_dist_prev_km"] == 0.0
