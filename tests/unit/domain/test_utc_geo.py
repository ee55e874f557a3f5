from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from fraud_domain.geo import DEFAULT_PROJECTION, haversine_km, haversine_km_array
from fraud_domain.utc import delta_us, format_utc, from_epoch_us, parse_utc, to_epoch_us

pytestmark = pytest.mark.unit


def test_utc_round_trip():
    t = datetime(2018, 4, 1, 7, 19, 5, 1, tzinfo=UTC)
    assert format_utc(t) == "2018-04-01T07:19:05.000001Z"
    assert parse_utc(format_utc(t)) == t
    assert parse_utc("2018-04-01T09:19:05.000001+02:00") == t
    assert from_epoch_us(to_epoch_us(t)) == t
    assert delta_us(timedelta(days=7, microseconds=3)) == 7 * 86_400_000_000 + 3
    with pytest.raises(ValueError):
        parse_utc("2018-04-01T07:19:05")


def test_grid_maps_onto_about_500km():
    p = DEFAULT_PROJECTION
    lat0, lon0 = p.to_latlon(0.0, 0.0)
    assert (lat0, lon0) == (45.0, 5.0)
    lat_n, lon_n = p.to_latlon(0.0, 100.0)
    lat_e, lon_e = p.to_latlon(100.0, 50.0)
    assert haversine_km(lat0, lon0, lat_n, lon_n) == pytest.approx(500, rel=1e-6)
    assert haversine_km(*p.to_latlon(0.0, 50.0), lat_e, lon_e) == pytest.approx(500, rel=0.01)
    assert p.to_grid(*p.to_latlon(12.5, 87.25)) == pytest.approx((12.5, 87.25))


def test_haversine_known_distance_and_array_agrees():
    paris, lyon = (48.8566, 2.3522), (45.7640, 4.8357)
    assert haversine_km(*paris, *lyon) == pytest.approx(392, abs=2)
    assert haversine_km(*paris, *paris) == 0.0
    lat = np.array([paris[0], 45.0]), np.array([paris[1], 5.0])
    arr = haversine_km_array(lat[0], lat[1], np.array([lyon[0]] * 2), np.array([lyon[1]] * 2))
    assert arr[0] == pytest.approx(haversine_km(*paris, *lyon), rel=1e-12)
