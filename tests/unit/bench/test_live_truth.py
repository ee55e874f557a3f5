"""``fraudctl benchmark live --truth`` joins the live decisions with the stream-producer's own bank by transaction
id: the same ids the producer publishes, so precision and recall of a window are known before its labels."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bench import live
from consumers.stream_producer import service_bank_config
from fraud_domain.simulator import iter_events
from fraud_domain.simulator.live import LiveBank
from fraud_domain.tokenise import Tokeniser

pytestmark = pytest.mark.unit

RATE, DELAY = 0.05, 7 * 86_400  # a small bank; the service's label delay


def test_the_truth_joins_every_decision_of_the_window_and_counts_right() -> None:
    bank = LiveBank(service_bank_config(RATE, DELAY))
    day = datetime(2026, 3, 2, tzinfo=UTC)
    events = [(e, lab) for e, lab in iter_events(bank.day(date(2026, 3, 2)), Tokeniser(b"k" * 32))
              if day + timedelta(hours=9) <= e.event_time < day + timedelta(hours=15)]
    frauds = sum(lab.is_fraud for _, lab in events)
    assert frauds > 0
    perfect = {e.transaction_id: (lab.is_fraud, e.event_time) for e, lab in events}
    got = live.truth(perfect, RATE, DELAY)
    assert got["joined"] == len(events) and got["precision"] == got["recall"] == 1.0
    assert got["fraud_rate"] == pytest.approx(frauds / len(events)) and got["alerts_per_fraud"] == 1.0
    everything = {tx: (True, when) for tx, (_, when) in perfect.items()}
    got = live.truth(everything, RATE, DELAY)
    assert got["recall"] == 1.0 and got["precision"] == pytest.approx(frauds / len(events))
    nothing = {tx: (False, when) for tx, (_, when) in perfect.items()}
    assert live.truth(nothing, RATE, DELAY)["recall"] == 0.0
