"""Extra fraud patterns the real-time rules target, injected as additional transactions.

Each returns columns like ``genuine_transactions`` plus ``fraud``, ``scenario`` and ``device`` (0 = the
customer's usual device). Incident counts are Poisson(rate * n_days); customers without a reachable
terminal are never picked.
"""

import numpy as np

from fraud_domain.schema import FraudScenario
from fraud_domain.simulator.profiles import Profiles
from fraud_domain.simulator.transactions import SECONDS_PER_DAY, TIME_OF_DAY_STD, draw_amounts, draw_terminals

BURST_SIZE = (6, 10)  # card testing: more than 5 transactions ...
BURST_SPAN_S = 120  # ... within 2 minutes ...
BURST_AMOUNT = (0.5, 3.0)  # ... of small amounts
GEO_DELAY_S = (30, 290)  # geo-impossible: within 5 minutes of an earlier transaction ...
GEO_MIN_UNITS = 20.0  # ... at a terminal >= 100 km from home, so >= 75 km from any terminal in reach
NEW_DEVICE_FACTOR = (10.0, 20.0)  # new device: amount = mean * U(10, 20), above the 10x-mean rule


def _columns(seconds, customer, terminal, amount, scenario, device=None) -> dict[str, np.ndarray]:
    seconds = np.asarray(seconds, dtype=np.int64)
    n = len(seconds)
    return {"seconds": seconds, "day": seconds // SECONDS_PER_DAY, "customer": np.asarray(customer, np.int64),
            "terminal": np.asarray(terminal, np.int64), "amount": np.asarray(amount, np.float64),
            "fraud": np.ones(n, np.int8), "scenario": np.full(n, scenario, np.int8),
            "device": np.zeros(n, np.int64) if device is None else np.asarray(device, np.int64)}


def _active_customers(profiles: Profiles) -> np.ndarray:
    return np.flatnonzero(profiles.reach_count > 0)


def card_testing(rng: np.random.Generator, profiles: Profiles, n_days: int, rate: float) -> dict:
    """Bursts of 6-10 small transactions by one customer at one terminal within 2 minutes."""
    incidents = rng.poisson(rate * n_days)
    customers = rng.choice(_active_customers(profiles), incidents)
    days = rng.integers(0, n_days, incidents)
    starts = days * SECONDS_PER_DAY + rng.integers(1, SECONDS_PER_DAY - BURST_SPAN_S, incidents)
    terminals = draw_terminals(rng, profiles, customers)
    sizes = rng.integers(BURST_SIZE[0], BURST_SIZE[1] + 1, incidents)
    offsets = [np.sort(np.r_[0, rng.integers(0, BURST_SPAN_S, size - 1)]) for size in sizes]
    parts = [s + o for s, o in zip(starts, offsets, strict=True)]
    seconds = np.concatenate(parts) if incidents else np.empty(0, dtype=np.int64)
    amount = np.round(rng.uniform(*BURST_AMOUNT, int(sizes.sum())), 2)
    return _columns(seconds, np.repeat(customers, sizes), np.repeat(terminals, sizes), amount,
                    FraudScenario.CARD_TESTING)


def geo_impossible(rng: np.random.Generator, profiles: Profiles, genuine: dict, n_days: int,
                   rate: float) -> dict:
    """Within minutes of a genuine transaction, the same customer pays at a terminal far from home."""
    incidents = rng.poisson(rate * n_days)
    end = n_days * SECONDS_PER_DAY - GEO_DELAY_S[1]
    anchors = rng.choice(np.flatnonzero(genuine["seconds"] < end), incidents)
    customers = genuine["customer"][anchors]
    terminals = np.empty(incidents, dtype=np.int64)
    for i, c in enumerate(customers):
        dx, dy = profiles.terminal_x - profiles.customer_x[c], profiles.terminal_y - profiles.customer_y[c]
        terminals[i] = rng.choice(np.flatnonzero(np.hypot(dx, dy) >= GEO_MIN_UNITS))
    seconds = genuine["seconds"][anchors] + rng.integers(GEO_DELAY_S[0], GEO_DELAY_S[1] + 1, incidents)
    amount = draw_amounts(rng, profiles.mean_amount[customers], profiles.std_amount[customers])
    return _columns(seconds, customers, terminals, amount, FraudScenario.GEO_IMPOSSIBLE)


def new_device(rng: np.random.Generator, profiles: Profiles, n_days: int, rate: float) -> dict:
    """A payment from a never-seen device for 10-20x the customer's mean amount."""
    incidents = rng.poisson(rate * n_days)
    customers = rng.choice(_active_customers(profiles), incidents)
    time_of_day = np.trunc(rng.normal(SECONDS_PER_DAY / 2, TIME_OF_DAY_STD, incidents))
    time_of_day = np.clip(time_of_day, 1, SECONDS_PER_DAY - 1)
    seconds = rng.integers(0, n_days, incidents) * SECONDS_PER_DAY + time_of_day.astype(np.int64)
    amount = np.round(profiles.mean_amount[customers] * rng.uniform(*NEW_DEVICE_FACTOR, incidents), 2)
    return _columns(seconds, customers, draw_terminals(rng, profiles, customers), amount,
                    FraudScenario.NEW_DEVICE, device=np.arange(1, incidents + 1))
