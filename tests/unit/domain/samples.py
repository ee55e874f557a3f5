"""Constants shared by the domain tests (fixtures live in conftest.py)."""

from datetime import UTC, datetime

from fraud_domain.simulator import SimulatorConfig

NOW = datetime(2018, 4, 2, 12, 0, tzinfo=UTC)
# Small enough for the naive reference (~20k rows), dense enough that every feature is exercised:
# few terminals per customer, many S2/S3 frauds, and the extra patterns at high rates.
SMALL = SimulatorConfig(seed=7, n_customers=250, n_terminals=300, n_days=45,
                        card_testing_per_day=2.0, geo_impossible_per_day=2.0, new_device_per_day=1.0)
