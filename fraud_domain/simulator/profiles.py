"""Customer and terminal profiles (handbook 3.2.1-3.2.3), vectorised."""

from dataclasses import dataclass

import numpy as np

MCC_CHOICES = np.array(["5411", "5812", "5541", "5311", "5732", "5999", "5912", "5651", "4121", "7011"])
ATM_MCC = "6011"
CHANNELS = np.array(["pos", "ecom", "atm"])
CHANNEL_P = (0.75, 0.20, 0.05)  # terminals are shops, web merchants and cash machines


@dataclass(frozen=True, slots=True)
class Profiles:
    """Columns of the customer and terminal tables plus each customer's reachable terminals (CSR)."""

    customer_x: np.ndarray
    customer_y: np.ndarray
    mean_amount: np.ndarray
    std_amount: np.ndarray
    tx_per_day: np.ndarray
    terminal_x: np.ndarray
    terminal_y: np.ndarray
    terminal_channel: np.ndarray
    terminal_mcc: np.ndarray
    reach_start: np.ndarray  # customer c may use reach_terminals[reach_start[c]:reach_start[c + 1]]
    reach_terminals: np.ndarray

    @property
    def reach_count(self) -> np.ndarray:
        return np.diff(self.reach_start)


def make_profiles(rng: np.random.Generator, n_customers: int, n_terminals: int, radius: float) -> Profiles:
    """Customers: (x, y) ~ U(0,100)^2, mean amount ~ U(5,100), std = mean/2, tx/day rate ~ U(0,4).
    Terminals: (x, y) ~ U(0,100)^2. A customer uses the terminals strictly within ``radius``."""
    cx, cy = rng.uniform(0, 100, n_customers), rng.uniform(0, 100, n_customers)
    mean = rng.uniform(5, 100, n_customers)
    rate = rng.uniform(0, 4, n_customers)
    tx, ty = rng.uniform(0, 100, n_terminals), rng.uniform(0, 100, n_terminals)
    channel = rng.choice(CHANNELS, size=n_terminals, p=CHANNEL_P)
    mcc = np.where(channel == "atm", ATM_MCC, rng.choice(MCC_CHOICES, size=n_terminals))
    start, terminals = _within_radius(cx, cy, tx, ty, radius)
    return Profiles(cx, cy, mean, mean / 2, rate, tx, ty, channel, mcc, start, terminals)


def _within_radius(cx, cy, tx, ty, radius: float, chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    # Chunks of customers keep the distance matrix small (512 x 10,000 doubles = 40 MB).
    counts, parts = [], []
    for lo in range(0, len(cx), chunk):
        d2 = (cx[lo:lo + chunk, None] - tx[None, :]) ** 2 + (cy[lo:lo + chunk, None] - ty[None, :]) ** 2
        rows, cols = np.nonzero(d2 < radius * radius)  # row-major: each customer's terminals ascending
        counts.append(np.bincount(rows, minlength=len(d2)))
        parts.append(cols)
    start = np.zeros(len(cx) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(counts) if counts else [], out=start[1:])
    terminals = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return start, terminals.astype(np.int64)
