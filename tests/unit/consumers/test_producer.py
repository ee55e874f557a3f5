"""The simulated stream: exactly N events, key = customer, labels once their delay has passed (and, when a
replay ends, the labels still due)."""

import itertools
from datetime import timedelta

from consumers import producer
from fraud_domain.schema import parse_event, parse_label
from fraud_domain.simulator import SimulatorConfig, iter_events, simulate
from fraud_domain.tokenise import Tokeniser

CFG = SimulatorConfig(seed=5, n_customers=30, n_terminals=60, n_days=20, label_delay=timedelta(days=2))


def _run(count: int):
    sent: list[tuple[str, bytes, bytes]] = []
    pairs = iter_events(simulate(CFG), Tokeniser(b"unit-test-key-0123456789abcdef!!"))
    out = producer.publish(pairs, lambda t, k, v: sent.append((t, k, v)), count=count, rate=None,
                           topics=("tx", "labels"))
    return out, sent


def test_exactly_n_events_keyed_by_customer_and_labels_after_the_delay() -> None:
    out, sent = _run(500)
    events = [parse_event(v, now=_far()) for t, _, v in sent if t == "tx"]
    assert out.events == len(events) == 500
    assert all(k == str(parse_event(v, now=_far()).customer_id).encode() for t, k, v in sent if t == "tx")
    clock = None
    last_tx = max(i for i, (t, _, _) in enumerate(sent) if t == "tx")
    for i, (topic, _, value) in enumerate(sent):  # a label goes out once the event clock reached its reported_at
        if topic == "tx":
            clock = parse_event(value, now=_far()).event_time
        else:
            label = parse_label(value)
            if i < last_tx:
                assert clock is not None and label.reported_at <= next_event_time(sent, value)
            else:  # after the last event: the labels still due when the replay ended
                assert label.reported_at > clock
            assert label.reported_at - label.event_time == timedelta(days=2)
    assert out.labels == sum(1 for t, _, _ in sent if t == "labels") == 500  # every published transaction's


def next_event_time(sent, label_value):
    after = itertools.dropwhile(lambda s: s[2] != label_value, sent)
    return next(parse_event(v, now=_far()).event_time for t, _, v in after if t == "tx")


def test_deterministic_for_a_seed() -> None:
    assert _run(200)[1] == _run(200)[1]


def _far():
    from datetime import UTC, datetime

    return datetime(9999, 1, 1, tzinfo=UTC)


def test_a_replayed_row_the_schema_rejects_is_skipped_and_counted_not_a_crash() -> None:
    """Issue #15: the handbook's published data holds zero amounts; a replay skips them (with their labels)
    and says how many, the simulator's own data still raises on a bad row."""
    from collections import Counter

    import pytest

    from fraud_domain.errors import EventValidationError

    sim = simulate(CFG)
    frame = sim.transactions.copy()
    frame.loc[frame.index[[3, 10]], "TX_AMOUNT"] = 0.0
    replayed = producer.replay_simulation(frame, CFG)
    tok = Tokeniser(b"unit-test-key-0123456789abcdef!!")
    rejected: Counter[str] = Counter()
    pairs = list(iter_events(replayed, tok, rejected))
    assert len(pairs) == len(frame) - 2 and rejected == {"amount": 2}
    assert all(event.amount > 0 for event, _ in pairs)
    with pytest.raises(EventValidationError):
        list(iter_events(replayed, tok))


def test_a_scaled_live_clock_runs_fast_and_never_ahead_of_the_wall_clock() -> None:
    """The soak's event clock: 10,000 x the wall clock, reaching the present after the planned run."""
    import time
    from datetime import UTC, datetime

    clock = producer.scaled_clock(10_000, timedelta(minutes=5))
    first = clock.now()
    assert timedelta(days=34) < datetime.now(UTC) - first <= timedelta(days=35)  # 5 min x 10,000 ago
    time.sleep(0.05)
    assert timedelta(minutes=8) <= clock.now() - first < timedelta(minutes=30)  # 0.05 s later (plus a slow machine)
    late = producer.scaled_clock(10_000, timedelta(seconds=0.01))
    time.sleep(0.05)
    assert late.now() <= datetime.now(UTC)  # past the planned run it is the wall clock, never ahead


def _live_run(bank, days_ago: float, count: int):
    """``count`` live events from a clock 100,000 x as fast, ``days_ago`` days behind the wall clock."""
    from datetime import UTC, datetime

    clock = producer.LiveClock(100_000, datetime.now(UTC) - timedelta(days=days_ago))
    sent: list[tuple[str, bytes, bytes, datetime]] = []
    seen: list[str] = []

    def send(topic: str, key: bytes, value: bytes) -> None:
        sent.append((topic, key, value, clock.now()))

    out = producer.publish_live(bank, Tokeniser(b"unit-test-key-0123456789abcdef!!"), send,
                                topics=("tx", "labels"), clock=clock, count=count, on_sent=seen.append)
    assert out.events == count == seen.count("tx") and out.labels == seen.count("labels")
    return out.since, sent


def _live_bank():
    from datetime import date

    from fraud_domain.simulator.live import LiveBank, bank_for_rate

    return LiveBank(bank_for_rate(0.05, SimulatorConfig(seed=3, start_date=date(2026, 1, 1),
                                                        label_delay=timedelta(hours=2))))


def test_live_events_go_out_at_their_own_time_and_labels_once_reported() -> None:
    """Live: the bank's own event times (not re-timed), each sent once the clock reached it; a label once the
    clock reached its ``reported_at``, among them those of events a label delay before this run started."""
    bank = _live_bank()
    since, sent = _live_run(bank, days_ago=20, count=600)
    events = [(parse_event(v, now=_far()), at) for t, _, v, at in sent if t == "tx"]
    labels = [(parse_label(v), at) for t, _, v, at in sent if t == "labels"]
    times = [e.event_time for e, _ in events]
    assert times == sorted(times) and times[0] >= since
    assert all(e.event_time <= at for e, at in events)
    assert all(k == str(parse_event(v, now=_far()).customer_id).encode() for t, k, v, _ in sent if t == "tx")
    assert labels and all(since <= label.reported_at <= at for label, at in labels)
    assert any(label.event_time < since for label, _ in labels)  # a previous run's transactions: due now
    # The bank's pace, not the publisher's: 600 events span hours of event time at 0.05 tx/s.
    assert times[-1] - times[0] > timedelta(hours=1)


def test_a_restarted_live_producer_resumes_at_the_clock_without_resending() -> None:
    bank = _live_bank()
    _, first = _live_run(bank, days_ago=20, count=300)
    since, second = _live_run(bank, days_ago=19, count=300)  # started a day (of event time) later
    ids = lambda sent, topic: [parse_event(v, now=_far()).transaction_id if topic == "tx"  # noqa: E731
                               else parse_label(v).transaction_id for t, _, v, _ in sent if t == topic]
    assert not set(ids(first, "tx")) & set(ids(second, "tx"))
    assert len(set(ids(second, "tx"))) == 300
    # the events of the bank's day from the restart on, in order: nothing skipped either
    tokeniser = Tokeniser(b"unit-test-key-0123456789abcdef!!")
    day = [e.transaction_id for e, _ in iter_events(bank.day(since.date()), tokeniser) if e.event_time >= since]
    assert ids(second, "tx") == day[:300] or ids(second, "tx")[:len(day)] == day


def test_a_bank_younger_than_the_label_delay_starts_its_labels_at_its_first_day() -> None:
    from datetime import UTC, datetime

    from fraud_domain.simulator.live import LiveBank, bank_for_rate

    first_day = (datetime.now(UTC) - timedelta(days=2)).date()
    bank = LiveBank(bank_for_rate(0.05, SimulatorConfig(seed=3, start_date=first_day, label_delay=timedelta(days=7))))
    _, sent = _live_run(bank, days_ago=1, count=100)
    assert sum(t == "tx" for t, *_ in sent) == 100
    assert all(parse_label(v).event_time.date() >= first_day for t, _, v, _ in sent if t == "labels")
