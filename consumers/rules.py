"""The scorer's rules: pure functions of the online feature vectors and thresholds from settings, evaluated
for a whole batch at once (``fire``: one numpy expression per rule over the batch's feature matrix).

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

import numpy as np

VELOCITY, GEO_IMPOSSIBLE, AMOUNT_ANOMALY = "velocity", "geo_impossible", "amount_anomaly"
RULES = (VELOCITY, GEO_IMPOSSIBLE, AMOUNT_ANOMALY)
# The features the rules read, in the column order ``fire`` expects.
RULE_INPUTS = ("customer_nb_tx_2min", "customer_dist_prev_km", "customer_speed_prev_kmh", "customer_amount_ratio_30d")
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


def fire(x: np.ndarray, t: Thresholds) -> np.ndarray:
    """``[n, len(RULES)]`` booleans: which rules fire for each row of ``x`` (float64 ``[n, 4]``, columns
    ``RULE_INPUTS``)."""
    count, km, speed, ratio = x[:, 0], x[:, 1], x[:, 2], x[:, 3]
    with np.errstate(divide="ignore", invalid="ignore"):  # speed is 0 only where km is 0 (then km fails first)
        geo = (km > t.geo_max_km) & ((speed > t.geo_max_speed_kmh)
                                     | (km * _SECONDS_PER_HOUR / speed <= t.geo_window_seconds))
    return np.column_stack((count > t.velocity_max_tx_2min, geo, ratio > t.amount_ratio_max))


def evaluate(features: Mapping[str, float], t: Thresholds) -> tuple[str, ...]:
    """The rules that fire for one feature vector, in ``RULES`` order (``fire`` on one row)."""
    row = fire(np.array([[features[name] for name in RULE_INPUTS]], dtype=np.float64), t)[0]
    return tuple(rule for rule, hit in zip(RULES, row.tolist(), strict=True) if hit)
