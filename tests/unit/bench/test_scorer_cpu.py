"""``fraudctl benchmark stream cpu`` runs the real ``Scorer.process`` on every record (a short run here)."""

import pytest

from bench import scorer_cpu
from fraud_domain.simulator import SimulatorConfig, iter_events, simulate
from fraud_domain.tokenise import Tokeniser

pytestmark = pytest.mark.unit


def test_the_cpu_benchmark_decides_every_record_and_reports_its_figures() -> None:
    pairs = iter_events(simulate(SimulatorConfig(seed=2, n_customers=50, n_terminals=100, n_days=3)),
                        Tokeniser(b"unit-test-key-0123456789abcdef!!"))
    r = scorer_cpu.run(pairs, 300, repeat=1)  # raises unless the scorer decided all 300
    assert r["count"] == 300 and r["us_per_tx"] > r["raw_us_per_tx"] > 0
    assert r["tx_per_s"] == pytest.approx(1e6 / r["us_per_tx"], rel=0.01)  # us_per_tx is rounded to 0.1 µs
