"""data/handbook_sample.csv: what `fraudctl simulate` makes for the README's parameters, and replayable."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from consumers.producer import read_dataset, replay_simulation
from fraud_domain.schema import event_to_json, parse_event
from fraud_domain.simulator import SimulatorConfig, iter_events, simulate
from fraud_domain.tokenise import Tokeniser

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "handbook_sample.csv"
CONFIG = SimulatorConfig.handbook(seed=42, n_customers=5000, n_terminals=10000, n_days=7,
                                  start_date=date(2018, 4, 1))


def test_sample_is_what_the_simulator_makes() -> None:
    shipped = pd.read_csv(SAMPLE, parse_dates=["TX_DATETIME"])
    made = simulate(CONFIG).transactions
    assert len(shipped) == len(made) == 67_302
    assert int(shipped["TX_FRAUD"].sum()) == 152
    pd.testing.assert_frame_equal(shipped.reset_index(drop=True), made.reset_index(drop=True), check_dtype=False,
                                  check_exact=False, atol=0.005)


def test_every_sample_row_replays_as_a_valid_event() -> None:
    frame = read_dataset(SAMPLE)
    pairs = list(iter_events(replay_simulation(frame, CONFIG), Tokeniser(b"k" * 32)))
    assert len(pairs) == len(frame)
    far = pd.Timestamp("2100-01-01", tz="UTC").to_pydatetime()
    events = [parse_event(event_to_json(event), now=far) for event, _label in pairs]
    assert len({e.transaction_id for e in events}) == len(frame)
    assert sum(label.is_fraud for _event, label in pairs) == 152
