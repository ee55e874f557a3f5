"""A live bank: the simulator's process day by day on the calendar, each customer at the handbook's pace.

``simulate`` draws a fixed span at once. A live stream runs for as long as it is left on, so ``LiveBank`` draws
its profiles once and then any calendar day on demand:

* the same day always gives the same transactions, so a restarted producer resumes where the clock is,
  without re-sending or skipping, and can re-derive the labels of a week ago instead of holding them;
* customers keep their profiles from day to day (a new seed per simulated week gave the same customer ids
  new homes and spending habits);
* the handbook's multi-day scenarios carry over day boundaries: the terminals drawn on day d are
  compromised for ``s2_days``, the customers drawn on day d for ``s3_days`` (a third of their transactions
  in that window, drawn per transaction here, where the handbook picks exactly a third of the window's).

Its size follows the rate asked for (``bank_for_rate``): at the handbook's density each customer makes about
two transactions a day, so 5 tx/s is a bank of ~220k customers. Re-timing a small bank's events to the wall
clock compressed each customer's history instead: a week of a 5,000-customer bank in an hour at 20 tx/s,
170 x the density the model was trained on (issue #11).
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import numpy as np

from fraud_domain.schema import FraudScenario
from fraud_domain.simulator.config import SimulatorConfig
from fraud_domain.simulator.dataset import Simulation, assemble
from fraud_domain.simulator.patterns import card_testing, geo_impossible, new_device
from fraud_domain.simulator.profiles import TX_PER_DAY_RANGE, make_profiles
from fraud_domain.simulator.transactions import DAY_SHARE, SECONDS_PER_DAY, genuine_transactions

# A customer's mean transactions per day: its rate ~ U(TX_PER_DAY_RANGE), less the draws outside the day.
MEAN_TX_PER_CUSTOMER_DAY = sum(TX_PER_DAY_RANGE) / 2 * DAY_SHARE
IDS_PER_DAY = 10**8  # TRANSACTION_ID = day index x this + row: unique across days


def bank_for_rate(tx_per_second: float, base: SimulatorConfig) -> SimulatorConfig:
    """``base`` grown (or shrunk) so that its customers, each at the handbook's pace, make ``tx_per_second``
    on average over a day.

    Customers and terminals scale together; the radius shrinks by the square root of the factor, so each
    customer still reaches as many terminals on the same map (~78 at the handbook's density), and the fraud
    incidents per day scale with the bank, so the fraud rate stays the handbook's.
    """
    if tx_per_second <= 0:
        raise ValueError(f"the rate must be > 0 (got {tx_per_second})")
    customers = max(1, round(tx_per_second * SECONDS_PER_DAY / MEAN_TX_PER_CUSTOMER_DAY))
    factor = customers / base.n_customers
    return dataclasses.replace(
        base, n_customers=customers, n_terminals=max(1, round(base.n_terminals * factor)),
        radius=base.radius / math.sqrt(factor),
        s2_terminals_per_day=max(1, round(base.s2_terminals_per_day * factor)),
        s3_customers_per_day=max(1, round(base.s3_customers_per_day * factor)),
        card_testing_per_day=base.card_testing_per_day * factor,
        geo_impossible_per_day=base.geo_impossible_per_day * factor,
        new_device_per_day=base.new_device_per_day * factor,
    )


class LiveBank:
    """The profiles of ``config``'s bank (as ``simulate`` draws them) and its transactions day by day.

    ``config.start_date`` is the bank's first day: event times, ids and the scenarios' draws count from it.
    """

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        profile_rng = np.random.default_rng(np.random.SeedSequence(config.seed).spawn(6)[0])  # as simulate()
        self.profiles = make_profiles(profile_rng, config.n_customers, config.n_terminals, config.radius)

    def _rng(self, day: int, stage: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.config.seed, day, stage]))

    def _drawn(self, day: int, days: int, stage: int, population: int, per_day: int) -> np.ndarray:
        """The units drawn on each of the ``days`` days up to ``day`` (a scenario's active set)."""
        draws = [self._rng(d, stage).choice(population, min(per_day, population), replace=False)
                 for d in range(max(0, day - days + 1), day + 1)]
        return np.unique(np.concatenate(draws)) if draws else np.zeros(0, dtype=np.int64)

    def day(self, when: date) -> Simulation:
        """The transactions of calendar day ``when`` (on or after the bank's first day), in time order."""
        cfg, profiles = self.config, self.profiles
        index = (when - cfg.start_date).days
        if index < 0:
            raise ValueError(f"{when} is before the bank's first day {cfg.start_date}")
        tx = genuine_transactions(self._rng(index, 1), profiles, 1)
        n = len(tx["amount"])
        fraud, scenario = np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.int8)
        s1 = tx["amount"] > cfg.s1_amount_threshold
        fraud[s1], scenario[s1] = 1, FraudScenario.AMOUNT_OVER_220
        terminals = self._drawn(index, cfg.s2_days, 2, cfg.n_terminals, cfg.s2_terminals_per_day)
        s2 = np.isin(tx["terminal"], terminals)
        fraud[s2], scenario[s2] = 1, FraudScenario.COMPROMISED_TERMINAL
        customers = self._drawn(index, cfg.s3_days, 3, cfg.n_customers, cfg.s3_customers_per_day)
        s3 = np.isin(tx["customer"], customers) & (self._rng(index, 4).random(n) < cfg.s3_share)
        tx["amount"][s3] = np.round(tx["amount"][s3] * cfg.s3_amount_factor, 2)
        fraud[s3], scenario[s3] = 1, FraudScenario.COMPROMISED_CUSTOMER
        tx["fraud"], tx["scenario"] = fraud, scenario
        tx["device"] = np.zeros(n, dtype=np.int64)
        parts = [
            tx,
            card_testing(self._rng(index, 5), profiles, 1, cfg.card_testing_per_day),
            geo_impossible(self._rng(index, 6), profiles, tx, 1, cfg.geo_impossible_per_day),
            new_device(self._rng(index, 7), profiles, 1, cfg.new_device_per_day),
        ]
        for part in parts:  # day 0 of the draw is day ``index`` of the bank
            part["seconds"] = part["seconds"] + index * SECONDS_PER_DAY
            part["day"] = part["day"] + index
        return Simulation(cfg, profiles, assemble(parts, cfg.start_date, first_id=index * IDS_PER_DAY))
