"""The scorer's rules: pure functions of the online feature vector and thresholds from settings.

* ``velocity``       - more than ``velocity_max_tx_2min`` transactions by the customer within 2 minutes
  (``customer_nb_tx_2min`` counts the current one).
* ``geo_impossible`` - more than ``geo_max_km`` from the previous transaction, and either within
  ``geo_window_seconds`` or at an implied speed above ``geo_max_speed_kmh`` (an airliner's). The distance is
  always required: hops between a customer's nearby terminals (the simulation's are at most 50 km apart)
  are never impossible travel, however close in time - on the live clock, where the producer re-times a
  simulated week into an hour, speed alone fired on ~17 % of all transactions.
* ``amount_anomaly`` - amount above ``amount_ratio_max`` x the customer's mean over the previous 30 days
  (``customer_amount_ratio_30d``; 1 when there is no history, so a first transaction never fires).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VELOCITY, GEO_IMPOSSIBLE, AMOUNT_ANOMALY = "velocity", "geo_impossible", "amount_anomaly"
RULES = (VELOCITY, GEO_IMPOSSIBLE, AMOUNT_ANOMALY)
_SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    """Rule and decision thresholds (``STREAM_*`` settings)."""

    velocity_max_tx_2min: int = 5
    geo_max_km: float = 50.0
    geo_window_seconds: float = 300.0
    geo_max_speed_kmh: float = 1000.0
    amount_ratio_max: float = 10.0
    review_threshold: float = 0.5
    block_threshold: float = 0.8

    def __post_init__(self) -> None:
        if not 0.0 <= self.review_threshold <= self.block_threshold <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= review <= block <= 1")

    @classmethod
    def from_settings(cls, stream: Any) -> Thresholds:
        return cls(**{name: getattr(stream, name) for name in cls.__dataclass_fields__})


def evaluate(features: Mapping[str, float], t: Thresholds) -> tuple[str, ...]:
    """The rules that fire for one feature vector, in ``RULES`` order."""
    hits: list[str] = []
    if features["customer_nb_tx_2min"] > t.velocity_max_tx_2min:
        hits.append(VELOCITY)
    km, speed = features["customer_dist_prev_km"], features["customer_speed_prev_kmh"]
    if km > t.geo_max_km and (speed > t.geo_max_speed_kmh or km * _SECONDS_PER_HOUR / speed <= t.geo_window_seconds):
        hits.append(GEO_IMPOSSIBLE)
    if features["customer_amount_ratio_30d"] > t.amount_ratio_max:
        hits.append(AMOUNT_ANOMALY)
    return tuple(hits)
