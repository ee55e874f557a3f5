"""The handbook's three fraud scenarios (3.2.5), applied in its order: S1, then S2, then S3.

A later scenario overwrites an earlier one's code (as in the handbook), and S3 multiplies amounts after S1
has been decided, so an S3 amount above 220 stays S3.
"""

import numpy as np

from fraud_domain.schema import FraudScenario
from fraud_domain.simulator.config import SimulatorConfig


def apply_handbook_frauds(rng: np.random.Generator, tx: dict[str, np.ndarray], n_terminals: int,
                          n_customers: int, cfg: SimulatorConfig) -> None:
    """Add ``fraud`` and ``scenario`` columns to ``tx`` in place (and scale S3 amounts)."""
    n = len(tx["amount"])
    fraud, scenario = np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.int8)
    day = tx["day"]
    last_day = int(day.max()) if n else 0  # the handbook loops over range(max day)

    s1 = tx["amount"] > cfg.s1_amount_threshold
    fraud[s1], scenario[s1] = 1, FraudScenario.AMOUNT_OVER_220

    compromised = np.zeros((n_terminals, last_day + 1), dtype=bool)  # [terminal, day]
    for d in range(last_day):
        terminals = rng.choice(n_terminals, cfg.s2_terminals_per_day, replace=False)
        compromised[terminals, d:d + cfg.s2_days] = True
    s2 = compromised[tx["terminal"], day] if n else np.zeros(0, dtype=bool)
    fraud[s2], scenario[s2] = 1, FraudScenario.COMPROMISED_TERMINAL

    by_customer = np.argsort(tx["customer"], kind="stable")
    bounds = np.searchsorted(tx["customer"][by_customer], np.arange(n_customers + 1))
    for d in range(last_day):
        customers = rng.choice(n_customers, cfg.s3_customers_per_day, replace=False)
        rows = np.concatenate([by_customer[bounds[c]:bounds[c + 1]] for c in customers])
        rows = rows[(day[rows] >= d) & (day[rows] < d + cfg.s3_days)]
        k = int(len(rows) * cfg.s3_share + 1e-9)  # int(n/3) without float surprises
        chosen = rng.choice(rows, k, replace=False)
        tx["amount"][chosen] = np.round(tx["amount"][chosen] * cfg.s3_amount_factor, 2)
        fraud[chosen], scenario[chosen] = 1, FraudScenario.COMPROMISED_CUSTOMER
    tx["fraud"], tx["scenario"] = fraud, scenario
