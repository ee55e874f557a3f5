"""The live bank: sized for a rate at the handbook's pace per customer, the calendar day by day, deterministic,
the multi-day scenarios carried over day boundaries; and the cell index that finds each customer's terminals."""

import dataclasses
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from fraud_domain.simulator import SimulatorConfig, simulate
from fraud_domain.simulator.live import IDS_PER_DAY, MEAN_TX_PER_CUSTOMER_DAY, LiveBank, bank_for_rate
from fraud_domain.simulator.profiles import _within_radius

pytestmark = pytest.mark.unit

BASE = SimulatorConfig(seed=4, start_date=date(2026, 1, 1))
RATE = 0.1  # tx/s: a bank of ~4,450 customers, ~8,600 transactions a day
FIRST = date(2026, 3, 1)


@pytest.fixture(scope="module")
def bank() -> LiveBank:
    return LiveBank(bank_for_rate(RATE, BASE))


@pytest.fixture(scope="module")
def week(bank: LiveBank) -> pd.DataFrame:
    return pd.concat([bank.day(FIRST + timedelta(days=d)).transactions for d in range(7)], ignore_index=True)


@pytest.mark.parametrize(("n_customers", "n_terminals", "radius"), [(400, 900, 5.0), (300, 2000, 1.7),
                                                                   (50, 10, 40.0), (200, 5, 0.5)])
def test_the_cell_index_finds_the_same_terminals_as_every_distance(n_customers, n_terminals, radius) -> None:
    rng = np.random.default_rng(n_customers)
    cx, cy, tx, ty = (rng.uniform(0, 100, n) for n in (n_customers, n_customers, n_terminals, n_terminals))
    start, terminals = _within_radius(cx, cy, tx, ty, radius, chunk=64)
    d2 = (cx[:, None] - tx[None, :]) ** 2 + (cy[:, None] - ty[None, :]) ** 2
    for c in range(n_customers):
        assert terminals[start[c]:start[c + 1]].tolist() == np.flatnonzero(d2[c] < radius * radius).tolist()


def test_the_bank_is_sized_so_each_customer_keeps_the_handbook_pace(bank: LiveBank, week: pd.DataFrame) -> None:
    cfg = bank.config
    assert cfg.n_customers == round(RATE * 86_400 / MEAN_TX_PER_CUSTOMER_DAY)
    factor = cfg.n_customers / BASE.n_customers
    assert cfg.n_terminals == round(BASE.n_terminals * factor)
    assert cfg.radius == pytest.approx(BASE.radius / np.sqrt(factor))
    # each customer reaches about as many terminals as at the handbook's density (~78)
    assert 70 < bank.profiles.reach_count.mean() < 87
    genuine = week[week.TX_FRAUD_SCENARIO.isin([0, 1, 2, 3])]  # the handbook's process, without the extra patterns
    assert len(genuine) / 7 / 86_400 == pytest.approx(RATE, rel=0.05)
    per_customer_day = len(genuine) / 7 / cfg.n_customers
    assert per_customer_day == pytest.approx(MEAN_TX_PER_CUSTOMER_DAY, rel=0.05)


def test_the_fraud_rate_stays_the_handbooks_at_any_size() -> None:
    for rate in (0.1, 1.0):
        bank = LiveBank(bank_for_rate(rate, dataclasses.replace(BASE, seed=9)))
        days = [bank.day(FIRST + timedelta(days=d)).transactions for d in range(0, 40, 3)]  # scenarios running
        share = pd.concat(days).TX_FRAUD.mean()
        assert 0.004 < share < 0.02, (rate, share)  # the handbook's reference run: 0.84 %


def test_a_day_is_deterministic_on_the_calendar(bank: LiveBank) -> None:
    day = bank.day(FIRST).transactions
    pd.testing.assert_frame_equal(day, LiveBank(bank.config).day(FIRST).transactions)
    index = (FIRST - BASE.start_date).days
    assert (day.TRANSACTION_ID.to_numpy() == index * IDS_PER_DAY + np.arange(len(day))).all()
    first = pd.Timestamp(FIRST)
    assert day.TX_DATETIME.is_monotonic_increasing
    assert (first <= day.TX_DATETIME).all() and (first + pd.Timedelta(days=1) > day.TX_DATETIME).all()
    assert (index == day.TX_TIME_DAYS).all()
    with pytest.raises(ValueError, match="before the bank's first day"):
        bank.day(BASE.start_date - timedelta(days=1))


def test_customers_keep_their_profiles_from_day_to_day(bank: LiveBank, week: pd.DataFrame) -> None:
    """The same profiles as the batch simulator draws for the config, and each day's genuine amounts follow
    the customer's own mean (a new seed per week gave the same customer ids new spending habits)."""
    batch = simulate(dataclasses.replace(bank.config, n_days=1)).profiles
    assert np.array_equal(batch.mean_amount, bank.profiles.mean_amount)
    assert np.array_equal(batch.reach_terminals, bank.profiles.reach_terminals)
    genuine = week[week.TX_FRAUD_SCENARIO == 0]
    means = genuine.groupby("CUSTOMER_ID").TX_AMOUNT.mean()
    busy = genuine.CUSTOMER_ID.value_counts()
    busy = busy[busy >= 20].index
    expected = pd.Series(bank.profiles.mean_amount[busy], index=busy)
    assert (means[busy] - expected).abs().median() < 0.15 * expected.median()
    reach = {c: set(bank.profiles.reach_terminals[bank.profiles.reach_start[c]:bank.profiles.reach_start[c + 1]])
             for c in busy}
    assert all(t in reach[c] for c, t in zip(genuine.CUSTOMER_ID, genuine.TERMINAL_ID, strict=True) if c in reach)


def test_compromised_terminals_and_customers_carry_over_day_boundaries(bank: LiveBank) -> None:
    cfg, d = bank.config, 40
    today = set(bank._drawn(d, cfg.s2_days, 2, cfg.n_terminals, cfg.s2_terminals_per_day).tolist())
    tomorrow = set(bank._drawn(d + 1, cfg.s2_days, 2, cfg.n_terminals, cfg.s2_terminals_per_day).tolist())
    expiring = set(bank._rng(d - cfg.s2_days + 1, 2).choice(cfg.n_terminals, cfg.s2_terminals_per_day,
                                                             replace=False).tolist())
    assert today - expiring <= tomorrow and len(today) > cfg.s2_terminals_per_day * (cfg.s2_days - 2)
    # every transaction at a terminal compromised that day is a fraud (S2 or a later scenario's code)
    day = bank.day(BASE.start_date + timedelta(days=d)).transactions
    assert (day[day.TERMINAL_ID.isin(today)].TX_FRAUD == 1).all()
    customers = bank._drawn(d, cfg.s3_days, 3, cfg.n_customers, cfg.s3_customers_per_day)
    s3 = day[day.TX_FRAUD_SCENARIO == 3]
    assert len(s3) and s3.CUSTOMER_ID.isin(customers).all()
