"""Genuine transactions (handbook 3.2.4), vectorised over all customer-days at once."""

import math

import numpy as np

from fraud_domain.simulator.profiles import Profiles

SECONDS_PER_DAY = 86_400
TIME_OF_DAY_STD = 20_000  # seconds: a transaction's time of day ~ N(noon, this)
# The share of draws kept: those strictly inside the day (the handbook drops the others).
DAY_SHARE = math.erf(SECONDS_PER_DAY / 2 / (TIME_OF_DAY_STD * math.sqrt(2)))
MIN_AMOUNT = 0.01  # the handbook can round a U(0, 2*mean) redraw to 0.00; a payment is at least one cent


def draw_amounts(rng: np.random.Generator, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Amount ~ N(mean, std); a negative draw is replaced by U(0, 2*mean); rounded to cents."""
    amount = rng.normal(mean, std)
    negative = amount < 0
    amount[negative] = rng.uniform(0, 2 * mean[negative])
    return np.maximum(np.round(amount, 2), MIN_AMOUNT)


def draw_terminals(rng: np.random.Generator, profiles: Profiles, customer: np.ndarray) -> np.ndarray:
    """A terminal chosen uniformly among each customer's reachable ones (customers must have one)."""
    count = profiles.reach_count[customer]
    pick = profiles.reach_start[customer] + np.floor(rng.random(len(customer)) * count).astype(np.int64)
    return profiles.reach_terminals[pick].astype(np.int64)


def genuine_transactions(rng: np.random.Generator, profiles: Profiles, n_days: int) -> dict[str, np.ndarray]:
    """Columns ``seconds, day, customer, terminal, amount`` (unsorted).

    Per customer and day: Poisson(rate) draws; each draw's time of day ~ N(43200, 20000) s truncated to
    whole seconds, dropped unless strictly inside the day (as the handbook does); customers with no
    terminal in reach make no transactions.
    """
    n_customers = len(profiles.tx_per_day)
    per_day = rng.poisson(np.repeat(profiles.tx_per_day, n_days))  # customer-major: index = c * n_days + d
    cell = np.repeat(np.arange(n_customers * n_days, dtype=np.int64), per_day)
    customer, day = cell // n_days, cell % n_days
    time_of_day = np.trunc(rng.normal(SECONDS_PER_DAY / 2, TIME_OF_DAY_STD, len(cell))).astype(np.int64)
    keep = (time_of_day > 0) & (time_of_day < SECONDS_PER_DAY) & (profiles.reach_count[customer] > 0)
    customer, day, time_of_day = customer[keep], day[keep], time_of_day[keep]
    amount = draw_amounts(rng, profiles.mean_amount[customer], profiles.std_amount[customer])
    terminal = draw_terminals(rng, profiles, customer)
    return {"seconds": day * SECONDS_PER_DAY + time_of_day, "day": day, "customer": customer,
            "terminal": terminal, "amount": amount}
