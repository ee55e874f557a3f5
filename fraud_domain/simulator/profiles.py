"""Customer and terminal profiles (handbook 3.2.1-3.2.3), vectorised."""

from dataclasses import dataclass

import numpy as np

MCC_CHOICES = np.array(["5411", "5812", "5541", "5311", "5732", "5999", "5912", "5651", "4121", "7011"])
ATM_MCC = "6011"
CHANNELS = np.array(["pos", "ecom", "atm"])
CHANNEL_P = (0.75, 0.20, 0.05)  # terminals are shops, web merchants and cash machines
TX_PER_DAY_RANGE = (0.0, 4.0)  # a customer's mean transactions per day ~ U(0, 4)


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
    rate = rng.uniform(*TX_PER_DAY_RANGE, n_customers)
    tx, ty = rng.uniform(0, 100, n_terminals), rng.uniform(0, 100, n_terminals)
    channel = rng.choice(CHANNELS, size=n_terminals, p=CHANNEL_P)
    mcc = np.where(channel == "atm", ATM_MCC, rng.choice(MCC_CHOICES, size=n_terminals))
    start, terminals = _within_radius(cx, cy, tx, ty, radius)
    return Profiles(cx, cy, mean, mean / 2, rate, tx, ty, channel, mcc, start, terminals)


def _within_radius(cx, cy, tx, ty, radius: float, chunk: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's terminals strictly within ``radius``, ascending, as CSR (``start``, ``terminals``).

    Terminals are bucketed in square cells of side ``radius``, so a customer is compared only with the
    terminals of its own and the 8 neighbouring cells: the same pairs as the full distance matrix, in time and
    memory linear in the bank's size (a live bank of a million customers needs it). Customers go in chunks,
    each one's candidates gathered from three runs of consecutive cells (the rows above, level and below).
    """
    n_customers = len(cx)
    t_col, t_row = np.floor(tx / radius).astype(np.int64) + 1, np.floor(ty / radius).astype(np.int64) + 1
    c_col, c_row = np.floor(cx / radius).astype(np.int64) + 1, np.floor(cy / radius).astype(np.int64) + 1
    width = int(max(t_col.max(initial=0), c_col.max(initial=0))) + 2  # a margin cell on each side
    height = int(max(t_row.max(initial=0), c_row.max(initial=0))) + 2
    t_key, c_key = t_row * width + t_col, c_row * width + c_col
    by_cell = np.argsort(t_key, kind="stable")  # terminal ids grouped by cell
    bounds = np.searchsorted(t_key[by_cell], np.arange(height * width + 1))
    counts, parts = [], []
    for lo in range(0, n_customers, chunk):
        who = np.arange(lo, min(lo + chunk, n_customers))
        first = np.concatenate([bounds[c_key[who] + row * width - 1] for row in (-1, 0, 1)])
        last = np.concatenate([bounds[c_key[who] + row * width + 2] for row in (-1, 0, 1)])
        owner, size = np.tile(who, 3), last - first
        offsets = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
        near, owner = by_cell[np.repeat(first, size) + offsets], np.repeat(owner, size)
        inside = (cx[owner] - tx[near]) ** 2 + (cy[owner] - ty[near]) ** 2 < radius * radius
        pairs = np.sort((owner[inside] - lo) * len(tx) + near[inside])  # by customer, then terminal ascending
        counts.append(np.bincount(pairs // len(tx), minlength=len(who)))
        parts.append((pairs % len(tx)).astype(np.int32 if len(tx) < 2**31 else np.int64))
    start = np.zeros(n_customers + 1, dtype=np.int64)
    np.cumsum(np.concatenate(counts) if counts else [], out=start[1:])
    terminals = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return start, terminals
