"""Where the API's history comes from: the simulator (default) or a file in the handbook's column layout.

A file has no customer or terminal attributes (location, channel, MCC), so they are drawn by the simulator's
own profile generator for the ids it contains, from the configured seed: deterministic, like the rest.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from apps.transactions_api.errors import DatasetError
from fraud_domain.simulator import HANDBOOK_COLUMNS, Simulation, SimulatorConfig, simulate
from fraud_domain.simulator.profiles import make_profiles

SECONDS_PER_DAY = 86_400
_INT_COLUMNS = ("TRANSACTION_ID", "CUSTOMER_ID", "TERMINAL_ID", "TX_FRAUD", "TX_FRAUD_SCENARIO")


def simulated(start: date, end: date, seed: int, label_delay: timedelta, extra_patterns: bool, *,
              customers: int | None = None, terminals: int | None = None) -> Simulation:
    """The simulator's history over [start, end] (the handbook's process unless `extra_patterns`), for a bank of
    `customers` and `terminals` (default: the handbook's)."""
    if end < start:
        raise DatasetError(f"API_END_DATE {end} is before API_START_DATE {start}")
    options = {"seed": seed, "start_date": start, "n_days": (end - start).days + 1, "label_delay": label_delay}
    options |= {k: v for k, v in (("n_customers", customers), ("n_terminals", terminals)) if v is not None}
    return simulate(SimulatorConfig(**options) if extra_patterns else SimulatorConfig.handbook(**options))


def from_file(path: Path, seed: int, label_delay: timedelta) -> Simulation:
    """A handbook-layout CSV or Parquet file as a ``Simulation`` (rows sorted by time, then id)."""
    frame = _read(path)
    missing = [c for c in HANDBOOK_COLUMNS if c not in frame.columns]
    if missing:
        raise DatasetError(f"{path} lacks the handbook column(s) {', '.join(missing)}")
    when = pd.to_datetime(frame["TX_DATETIME"], errors="coerce", utc=True)
    ints = pd.DataFrame({c: pd.to_numeric(frame[c], errors="coerce") for c in _INT_COLUMNS})
    bad = when.isna() | ints.isna().any(axis=1) | (ints % 1 != 0).any(axis=1) | (ints < 0).any(axis=1)
    if bad.any():  # without a time or an id a row has no date or identity to be served under
        raise DatasetError(f"{path}: {int(bad.sum())} row(s) have no valid TX_DATETIME or id/label value "
                           f"(first: data row {int(bad.to_numpy().argmax()) + 1})")
    start = when.min().date()
    seconds = (when - pd.Timestamp(start, tz="UTC")).dt.total_seconds().astype(np.int64)
    out = ints.astype(np.int64)
    out["TX_AMOUNT"] = pd.to_numeric(frame["TX_AMOUNT"], errors="coerce")  # bad amounts are served as null
    out["TX_TIME_SECONDS"] = seconds
    out["DEVICE_SLOT"] = np.zeros(len(out), dtype=np.int64)
    out = out.sort_values(["TX_TIME_SECONDS", "TRANSACTION_ID"], kind="stable").reset_index(drop=True)
    n_days = int(out["TX_TIME_SECONDS"].iloc[-1] // SECONDS_PER_DAY) + 1
    config = SimulatorConfig.handbook(
        seed=seed,
        n_customers=int(out["CUSTOMER_ID"].max()) + 1,
        n_terminals=int(out["TERMINAL_ID"].max()) + 1,
        n_days=n_days,
        start_date=start,
        label_delay=label_delay,
    )
    profiles = make_profiles(np.random.default_rng(seed), config.n_customers, config.n_terminals, config.radius)
    return Simulation(config, profiles, out)


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DatasetError(f"API_DATASET {path} does not exist")
    try:
        if path.suffix.lower() in {".parquet", ".pq"}:
            frame = pd.read_parquet(path)
        elif path.suffix.lower() in {".csv", ".gz"}:
            frame = pd.read_csv(path)
        else:
            raise DatasetError(f"API_DATASET {path}: expected a .csv or .parquet file")
    except (OSError, ValueError) as exc:
        raise DatasetError(f"API_DATASET {path} cannot be read: {exc}") from None
    if frame.empty:
        raise DatasetError(f"API_DATASET {path} has no rows")
    return frame
