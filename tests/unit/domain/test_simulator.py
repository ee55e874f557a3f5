"""The generative process: determinism, the handbook's statistics, and the extra patterns' shapes."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from fraud_domain.geo import haversine_km_array
from fraud_domain.simulator import EXTRA_COLUMNS, HANDBOOK_COLUMNS, SimulatorConfig, simulate

from .samples import SMALL

pytestmark = pytest.mark.unit

HANDBOOK_TX, HANDBOOK_FRAUD_SHARE = 1_754_155, 14_681 / 1_754_155
HANDBOOK_SCENARIOS = {1: 973, 2: 9_077, 3: 4_631}


@pytest.fixture(scope="module")
def reference_run():
    return simulate(SimulatorConfig.handbook()).transactions  # the full reference run: ~2 s


def test_layout(small_sim):
    df = small_sim.transactions
    assert tuple(df.columns) == HANDBOOK_COLUMNS + EXTRA_COLUMNS
    assert (df.TRANSACTION_ID.to_numpy() == np.arange(len(df))).all()
    assert df.TX_DATETIME.is_monotonic_increasing
    start = pd.Timestamp("2018-04-01")
    assert (start + pd.to_timedelta(df.TX_TIME_SECONDS, unit="s") == df.TX_DATETIME).all()
    assert (df.TX_TIME_DAYS == df.TX_TIME_SECONDS // 86400).all()
    assert (df.TX_AMOUNT > 0).all() and (df.TX_AMOUNT.round(2) == df.TX_AMOUNT).all()
    assert ((df.TX_FRAUD == 1) == (df.TX_FRAUD_SCENARIO > 0)).all()


def test_deterministic_for_a_seed(small_sim):
    again = simulate(SMALL).transactions
    pd.testing.assert_frame_equal(small_sim.transactions, again)
    other = simulate(dataclasses.replace(SMALL, seed=8))
    assert len(other.transactions) != len(again) or not other.transactions.equals(again)


def test_pattern_rates_do_not_disturb_the_handbook_draws():
    # Each stage has its own generator: switching the extras off leaves the genuine/handbook rows intact.
    with_extras = simulate(SMALL).transactions
    without = simulate(dataclasses.replace(SMALL, card_testing_per_day=0, geo_impossible_per_day=0,
                                           new_device_per_day=0)).transactions
    base = with_extras[with_extras.TX_FRAUD_SCENARIO <= 3].drop(columns="TRANSACTION_ID")
    base = base.reset_index(drop=True)
    pd.testing.assert_frame_equal(base, without.drop(columns="TRANSACTION_ID"))


def test_reference_run_matches_the_handbook(reference_run):
    df = reference_run
    assert abs(len(df) / HANDBOOK_TX - 1) < 0.02
    assert abs(df.TX_FRAUD.mean() - HANDBOOK_FRAUD_SHARE) < 0.002
    counts = df.TX_FRAUD_SCENARIO.value_counts()
    for scenario, expected in HANDBOOK_SCENARIOS.items():
        assert abs(counts[scenario] / expected - 1) < 0.10, (scenario, counts[scenario])
    assert set(counts.index) == {0, 1, 2, 3}
    print(f"\nreference run: {len(df):,} tx, fraud {df.TX_FRAUD.mean():.3%}, scenarios {counts.to_dict()}")


def test_handbook_marginals(reference_run):
    df = reference_run
    time_of_day = df.TX_TIME_SECONDS % 86400
    assert time_of_day.min() > 0 and time_of_day.max() < 86400
    assert abs(time_of_day.mean() - 43200) < 200
    assert df.groupby("CUSTOMER_ID").size().mean() / 183 == pytest.approx(2 * 0.969, rel=0.03)
    assert df.loc[df.TX_FRAUD_SCENARIO == 1, "TX_AMOUNT"].min() > 220


def test_s2_marks_every_transaction_of_a_compromised_terminal_window(small_sim):
    df = small_sim.transactions
    s2 = df[df.TX_FRAUD_SCENARIO == 2]
    # A compromised terminal stays compromised for 28 days: its S2 rows span at most 28 days per episode,
    # and on a day with an S2 row every genuine-process row of that terminal is fraudulent (S2 or S3).
    day_terminal = s2[["TX_TIME_DAYS", "TERMINAL_ID"]].drop_duplicates()
    same = df.merge(day_terminal, on=["TX_TIME_DAYS", "TERMINAL_ID"])
    same = same[same.TX_FRAUD_SCENARIO <= 3]
    assert (same.TX_FRAUD == 1).all()


def test_s3_share_and_amount_factor(reference_run):
    df = reference_run
    s3 = df[df.TX_FRAUD_SCENARIO == 3]
    assert len(s3) > 0
    # S3 amounts are 5x a normal draw: their mean is ~5x the genuine mean.
    ratio = s3.TX_AMOUNT.mean() / df[df.TX_FRAUD == 0].TX_AMOUNT.mean()
    assert 3.5 < ratio < 6.5


def test_card_testing_bursts(small_sim):
    df = small_sim.transactions
    burst = df[df.TX_FRAUD_SCENARIO == 4]
    assert len(burst) > 0 and burst.TX_AMOUNT.max() <= 3.0
    for _, group in burst.groupby(["CUSTOMER_ID", "TX_TIME_DAYS"]):
        span = group.TX_TIME_SECONDS.max() - group.TX_TIME_SECONDS.min()
        assert (len(group) > 5 and span < 120) or len(group) > 10  # two bursts on one day merge: rare


def test_geo_impossible_is_far_and_fast(small_sim):
    df, prof, proj = small_sim.transactions, small_sim.profiles, small_sim.config.projection
    lat, lon = proj.to_latlon(prof.terminal_x[df.TERMINAL_ID], prof.terminal_y[df.TERMINAL_ID])
    df = df.assign(LAT=lat, LON=lon)
    for row_id in df.index[df.TX_FRAUD_SCENARIO == 5]:
        row = df.loc[row_id]
        prev = df[(df.CUSTOMER_ID == row.CUSTOMER_ID) & (df.index < row_id)].iloc[-1]
        assert 0 <= row.TX_TIME_SECONDS - prev.TX_TIME_SECONDS <= 300
        assert haversine_km_array(prev.LAT, prev.LON, row.LAT, row.LON) > 50


def test_new_device_rows(small_sim):
    df, prof = small_sim.transactions, small_sim.profiles
    rows = df[df.TX_FRAUD_SCENARIO == 6]
    assert len(rows) > 0 and (rows.DEVICE_SLOT > 0).all() and rows.DEVICE_SLOT.is_unique
    assert (df.loc[df.TX_FRAUD_SCENARIO != 6, "DEVICE_SLOT"] == 0).all()
    assert (rows.TX_AMOUNT.to_numpy() >= 9.99 * prof.mean_amount[rows.CUSTOMER_ID]).all()


def test_extra_rates_are_configurable():
    none = simulate(SimulatorConfig(n_customers=100, n_terminals=200, n_days=20, card_testing_per_day=0,
                                    geo_impossible_per_day=0, new_device_per_day=0)).transactions
    many = simulate(SimulatorConfig(n_customers=100, n_terminals=200, n_days=20, card_testing_per_day=5,
                                    geo_impossible_per_day=5, new_device_per_day=5)).transactions
    assert set(none.TX_FRAUD_SCENARIO) <= {0, 1, 2, 3}
    counts = many.TX_FRAUD_SCENARIO.value_counts()
    assert counts[5] == pytest.approx(100, rel=0.4) and counts[6] == pytest.approx(100, rel=0.4)
    assert counts[4] == pytest.approx(100 * 8, rel=0.4)
