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
    out = producer.publish(pairs, lambda t, k, v: sent.append((t, k, v)), count=count, rate=None, live=False,
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


def test_seasonality_averages_one_over_a_week_and_is_quietest_at_night() -> None:
    from datetime import UTC, datetime

    monday = datetime(2026, 11, 23, tzinfo=UTC)
    week = [producer.seasonality(monday + timedelta(minutes=m)) for m in range(0, 7 * 24 * 60, 10)]
    assert abs(sum(week) / len(week) - 1) < 0.01
    assert producer.seasonality(monday.replace(hour=2)) < 0.5 < 1.5 < producer.seasonality(monday.replace(hour=14))
    sunday_noon, wednesday_noon = monday + timedelta(days=6, hours=12), monday + timedelta(days=2, hours=12)
    assert producer.seasonality(sunday_noon) < producer.seasonality(wednesday_noon)


def test_live_clock_retimes_events_and_reports_every_record() -> None:
    from datetime import UTC, datetime

    seen: list[str] = []
    pairs = iter_events(simulate(CFG), Tokeniser(b"unit-test-key-0123456789abcdef!!"))
    started = datetime.now(UTC)
    sent: list[tuple[str, bytes, bytes]] = []
    out = producer.publish(pairs, lambda t, k, v: sent.append((t, k, v)), count=50, rate=5000.0, live=True,
                           topics=("tx", "labels"), seasonal=True, on_sent=seen.append)
    assert out.events == 50 and seen.count("tx") == 50
    times = [parse_event(v, now=_far()).event_time for t, _, v in sent if t == "tx"]
    assert all(started <= t <= datetime.now(UTC) for t in times) and times == sorted(times)
    # New transactions, new ids: a `stream --count` of the same seed beside the live stream never collides.
    simulated = {e.transaction_id for e, _ in itertools.islice(iter_events(
        simulate(CFG), Tokeniser(b"unit-test-key-0123456789abcdef!!")), 50)}
    ids = {parse_event(v, now=_far()).transaction_id for t, _, v in sent if t == "tx"}
    assert len(ids) == 50 and not ids & simulated


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
    first = clock()
    assert timedelta(days=34) < datetime.now(UTC) - first <= timedelta(days=35)  # 5 min x 10,000 ago
    time.sleep(0.05)
    assert timedelta(minutes=8) <= clock() - first < timedelta(minutes=30)  # 0.05 s later (plus a slow machine)
    sent: list[tuple[str, bytes, bytes]] = []
    pairs = iter_events(simulate(CFG), Tokeniser(b"unit-test-key-0123456789abcdef!!"))
    producer.publish(pairs, lambda t, k, v: sent.append((t, k, v)), count=200, rate=None, live=True,
                     topics=("tx", "labels"), clock=clock)
    times = [parse_event(v, now=_far()).event_time for t, _, v in sent if t == "tx"]
    assert len(times) == 200 and times == sorted(times) and times[-1] < datetime.now(UTC) - timedelta(days=30)
