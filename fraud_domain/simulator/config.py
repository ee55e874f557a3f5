"""``SimulatorConfig``: every knob of the simulator, defaulting to the handbook's reference run."""

from dataclasses import dataclass
from datetime import date, timedelta

from fraud_domain.features.definitions import LABEL_DELAY
from fraud_domain.geo import DEFAULT_PROJECTION, GridProjection


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatorConfig:
    """Handbook chapter 3 parameters plus the platform's extra fraud patterns.

    The extra patterns are rates of incidents per simulated day (Poisson); set them to 0 for the pure
    handbook process. With the defaults they add ~0.05 % of transactions.
    """

    seed: int = 0
    n_customers: int = 5_000
    n_terminals: int = 10_000
    n_days: int = 183
    start_date: date = date(2018, 4, 1)
    radius: float = 5.0  # grid units: a customer uses the terminals within this distance
    # Handbook fraud scenarios
    s1_amount_threshold: float = 220.0
    s2_terminals_per_day: int = 2
    s2_days: int = 28
    s3_customers_per_day: int = 3
    s3_days: int = 14
    s3_share: float = 1 / 3
    s3_amount_factor: float = 5.0
    # Extra patterns the rules target (incidents per day)
    card_testing_per_day: float = 0.5
    geo_impossible_per_day: float = 0.5
    new_device_per_day: float = 0.5
    label_delay: timedelta = LABEL_DELAY  # labels are published this long after the transaction
    currency: str = "EUR"
    projection: GridProjection = DEFAULT_PROJECTION

    @classmethod
    def handbook(cls, **overrides) -> "SimulatorConfig":
        """The reference process without the extra patterns (what the handbook's statistics describe)."""
        base = {"card_testing_per_day": 0.0, "geo_impossible_per_day": 0.0, "new_device_per_day": 0.0}
        return cls(**(base | overrides))
