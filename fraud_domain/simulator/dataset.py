"""``simulate``: profiles -> genuine transactions -> handbook frauds -> extra patterns -> one DataFrame."""

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from fraud_domain.simulator.config import SimulatorConfig
from fraud_domain.simulator.patterns import card_testing, geo_impossible, new_device
from fraud_domain.simulator.profiles import Profiles, make_profiles
from fraud_domain.simulator.scenarios import apply_handbook_frauds
from fraud_domain.simulator.transactions import genuine_transactions

HANDBOOK_COLUMNS = ("TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT",
                    "TX_TIME_SECONDS", "TX_TIME_DAYS", "TX_FRAUD", "TX_FRAUD_SCENARIO")
EXTRA_COLUMNS = ("DEVICE_SLOT",)
REFERENCE = SimulatorConfig()  # 0 = the customer's usual device, k > 0 = the k-th new device


@dataclass(frozen=True, slots=True)
class Simulation:
    """A simulated dataset: the config that made it, the profiles and the transactions.

    ``transactions`` has the handbook's columns in its order, then ``EXTRA_COLUMNS``; rows are sorted by
    time and ``TRANSACTION_ID`` is the row number. ``run_id`` fingerprints the config (ids derive from it).
    """

    config: SimulatorConfig
    profiles: Profiles
    transactions: pd.DataFrame

    @property
    def run_id(self) -> str:
        return hashlib.sha256(repr(self.config).encode()).hexdigest()[:16]


def simulate(config: SimulatorConfig = REFERENCE) -> Simulation:
    """Run the generative process; the same config (seed included) gives the same dataset.

    Each stage draws from its own child generator, so changing one stage's knobs (e.g. a pattern rate)
    leaves the others' draws unchanged.
    """
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(6)]
    profiles = make_profiles(rngs[0], config.n_customers, config.n_terminals, config.radius)
    tx = genuine_transactions(rngs[1], profiles, config.n_days)
    apply_handbook_frauds(rngs[2], tx, config.n_terminals, config.n_customers, config)
    tx["device"] = np.zeros(len(tx["amount"]), dtype=np.int64)
    parts = [
        tx,
        card_testing(rngs[3], profiles, config.n_days, config.card_testing_per_day),
        geo_impossible(rngs[4], profiles, tx, config.n_days, config.geo_impossible_per_day),
        new_device(rngs[5], profiles, config.n_days, config.new_device_per_day),
    ]
    return Simulation(config, profiles, assemble(parts, config.start_date))


def assemble(parts: list[dict[str, np.ndarray]], start_date: date, first_id: int = 0) -> pd.DataFrame:
    """The handbook-layout frame of some column dicts (``seconds`` from ``start_date``): rows by time, ties by
    customer, ``TRANSACTION_ID`` = ``first_id`` + row number."""
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((cols["customer"], cols["seconds"]))  # by time, ties by customer: deterministic
    cols = {k: v[order] for k, v in cols.items()}
    return pd.DataFrame({
        "TRANSACTION_ID": np.arange(first_id, first_id + len(order), dtype=np.int64),
        "TX_DATETIME": pd.Timestamp(start_date) + pd.to_timedelta(cols["seconds"], unit="s"),
        "CUSTOMER_ID": cols["customer"],
        "TERMINAL_ID": cols["terminal"],
        "TX_AMOUNT": cols["amount"],
        "TX_TIME_SECONDS": cols["seconds"],
        "TX_TIME_DAYS": cols["day"],
        "TX_FRAUD": cols["fraud"].astype(np.int64),
        "TX_FRAUD_SCENARIO": cols["scenario"].astype(np.int64),
        "DEVICE_SLOT": cols["device"],
    })
