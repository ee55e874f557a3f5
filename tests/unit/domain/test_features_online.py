"""The online state against the naive reference on simulated data, plus its stream-specific behaviour."""

import dataclasses
import json
import random
from datetime import timedelta

import pytest

from fraud_domain.features import ALL_FEATURE_NAMES, OnlineFeatureState, reference_features

pytestmark = pytest.mark.unit


def run_online(state, events, labels, *, labels_early=False, outputs=None):
    """Feed events in order; labels at their reported_at (as the scorer sees them), or right after their
    event when ``labels_early`` (the state must still hide them until reported_at)."""
    outputs = [] if outputs is None else outputs
    pending = sorted(labels, key=lambda lab: lab.reported_at)
    k = 0
    for i in range(len(events)):
        ev = events[i]
        if not labels_early:
            while k < len(pending) and pending[k].reported_at <= ev.event_time:
                state.apply_label(pending[k])
                k += 1
        outputs.append(state.update_and_compute(ev))
        if labels_early:
            state.apply_label(labels[i])
    return outputs


def assert_same(expected, actual, tol=1e-9):
    assert len(expected) == len(actual)
    for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
        assert set(a) == set(ALL_FEATURE_NAMES), i
        bad = {k: (e[k], a[k]) for k in e if abs(e[k] - a[k]) > tol}
        assert not bad, f"row {i}: {bad}"


@pytest.fixture(scope="module")
def split(small_pairs):
    return [e for e, _ in small_pairs], [lab for _, lab in small_pairs]


@pytest.fixture(scope="module")
def expected(split):
    events, labels = split
    return reference_features(events, labels)


def test_dataset_exercises_every_feature(split, expected):
    events, _ = split
    assert 15_000 < len(events) < 30_000
    for name in ALL_FEATURE_NAMES:
        assert len({row[name] for row in expected}) > 1, name
    assert max(row["terminal_risk_1d"] for row in expected) > 0
    assert max(row["customer_nb_tx_2min"] for row in expected) > 5
    assert max(row["customer_dist_prev_km"] for row in expected) > 50


def test_parity_labels_at_reported_time(split, expected):
    events, labels = split
    assert_same(expected, run_online(OnlineFeatureState(), events, labels))


def test_parity_labels_applied_early_stay_hidden(split, expected):
    events, labels = split
    assert_same(expected, run_online(OnlineFeatureState(), events, labels, labels_early=True))


def test_snapshot_restore_continues_identically(split):
    events, labels = split
    uninterrupted = run_online(OnlineFeatureState(), events, labels, labels_early=True)
    half = len(events) // 2
    first = OnlineFeatureState()
    outputs = run_online(first, events[:half], labels[:half], labels_early=True)
    snapshot = json.loads(json.dumps(first.snapshot()))  # must survive a JSON store
    restored = OnlineFeatureState.restore(snapshot)
    for i in range(half, len(events)):
        outputs.append(restored.update_and_compute(events[i]))
        restored.apply_label(labels[i])
    assert outputs == uninterrupted


def test_snapshot_is_per_entity_and_pruned(split):
    events, labels = split
    state = OnlineFeatureState()
    run_online(state, events, labels, labels_early=True)
    snap = state.snapshot()
    newest = snap["clocks"][""]
    customer = next(iter(snap["customer"].values()))
    assert set(customer) == {"ts", "amount", "tx", "lat", "lon", "frauds"}
    horizon = 30 * 86_400_000_000 + snap["allowed_lateness_us"]
    assert all(t > newest - horizon for c in snap["customer"].values() for t in c["ts"])
    assert any(c["frauds"] for c in snap["terminal"].values())


def test_redelivered_events_are_not_counted_twice(split):
    events, labels = split
    n = 3000
    clean = run_online(OnlineFeatureState(), events[:n], labels[:n], labels_early=True)
    state, noisy = OnlineFeatureState(), []
    for i in range(n):
        noisy.append(state.update_and_compute(events[i]))
        state.apply_label(labels[i])
        if i % 10 == 9:  # replay the event five back, as after a restore from an older snapshot
            state.update_and_compute(events[i - 5])
            state.apply_label(labels[i - 5])
    assert noisy == clean


def test_out_of_order_within_lateness_matches_reference(split):
    events, labels = split
    events = list(events[:6000])
    rnd = random.Random(3)
    for i in range(1, len(events)):  # swap neighbours less than 10 minutes apart: a mildly shuffled stream
        gap = (events[i].event_time - events[i - 1].event_time).total_seconds()
        if gap < 600 and rnd.random() < 0.3:
            events[i - 1], events[i] = events[i], events[i - 1]
    by_id = {lab.transaction_id: lab for lab in labels}
    shuffled_labels = [by_id[e.transaction_id] for e in events]
    expected = reference_features(events, shuffled_labels)
    assert_same(expected, run_online(OnlineFeatureState(), events, shuffled_labels, labels_early=True))


def test_unknown_label_is_ignored(split):
    events, labels = split
    state = OnlineFeatureState()
    assert state.apply_label(labels[0]) is None  # never seen
    state.update_and_compute(events[0])
    fraud = dataclasses.replace(labels[0], is_fraud=True)
    assert state.apply_label(fraud) == [("terminal", events[0].terminal_id)]
    assert state.apply_label(fraud) == []  # a re-delivery changes nothing
    assert state.apply_label(dataclasses.replace(fraud, is_fraud=False)) == [("terminal", events[0].terminal_id)]
    assert state.apply_label(dataclasses.replace(fraud, is_fraud=False)) == []  # held, never fraud: unchanged


def test_history_is_bounded(split):
    events, labels = split
    state = OnlineFeatureState()
    run_online(state, events, labels)
    # Eviction is lazy (on the entity's next event): customers seen in the last hours hold <= 30 d + 1 h.
    newest_us = int(events[-1].event_time.timestamp()) * 1_000_000
    last = events[-1].event_time
    recent = {e.customer_id for e in events if (last - e.event_time).total_seconds() < 3 * 3600}
    for c in recent:
        oldest_us = state._entities["customer"][c].ts[0]
        assert newest_us - oldest_us <= (30 * 86400 + 4 * 3600) * 1_000_000


def test_prune_forgets_idle_entities_without_changing_results(split):
    events, labels = split
    half = len(events) // 2
    plain, pruned = OnlineFeatureState(), OnlineFeatureState()
    run_online(plain, events[:half], labels[:half], labels_early=True)
    run_online(pruned, events[:half], labels[:half], labels_early=True)
    # Jump 40 days ahead: every history has expired.
    late = dataclasses.replace(events[half], event_time=events[half].event_time + timedelta(days=40))
    assert plain.update_and_compute(late) == pruned.update_and_compute(late)
    before, dropped = len(pruned), {}
    assert pruned.prune(dropped) > 0 and len(pruned) < before
    assert sum(map(len, dropped.values())) == before - len(pruned) and set(dropped) <= {"customer", "terminal"}
    rest = [dataclasses.replace(e, event_time=e.event_time + timedelta(days=40)) for e in events[half + 1 :]]
    assert run_online(plain, rest, []) == run_online(pruned, rest, [])


def test_output_order_is_canonical(split):
    events, _ = split
    assert tuple(OnlineFeatureState().update_and_compute(events[0])) == ALL_FEATURE_NAMES



def test_each_source_is_computed_on_its_own_history(split, expected):
    """A replay beside the live stream (same ids, the live clock years ahead) gets exactly the features the
    dataset alone gives: its own clock, its own histories."""
    events, labels = split
    n = 6000
    state, outputs = OnlineFeatureState(), []
    for i in range(n):
        live = dataclasses.replace(events[i], transaction_id=f"{i:08d}-0000-4000-8000-000000000000",
                                   event_time=events[i].event_time + timedelta(days=3000))
        state.update_and_compute(live)  # the live stream, interleaved
        outputs.append(state.update_and_compute(events[i], "replay:sample.csv"))
        state.apply_label(labels[i])
    assert_same(expected[:n], outputs)
    assert set(state.clocks) == {"", "replay:sample.csv"}


def test_a_late_event_is_refused_and_changes_nothing(split):
    from fraud_domain.errors import ErrorCode, EventValidationError

    events, _ = split
    state = OnlineFeatureState(allowed_lateness=timedelta(hours=1))
    for ev in events[:500]:
        state.update_and_compute(ev)
    before = json.dumps(state.snapshot(), sort_keys=True)
    late = dataclasses.replace(events[10], event_time=events[499].event_time - timedelta(hours=1, seconds=1))
    with pytest.raises(EventValidationError) as err:
        state.update_and_compute(late)
    assert err.value.code is ErrorCode.LATE and err.value.field == "event_time"
    assert json.dumps(state.snapshot(), sort_keys=True) == before
    state.update_and_compute(late, "another source")  # its own clock: not late there


def test_a_format_1_snapshot_restores_as_the_live_source(split):
    events, labels = split
    half = 3000
    first = OnlineFeatureState()
    run_online(first, events[:half], labels[:half], labels_early=True)
    snap = first.snapshot()
    old = {k: v for k, v in snap.items() if k != "clocks"} | {"format": 1, "newest_us": snap["clocks"][""]}
    a, b = OnlineFeatureState.restore(snap), OnlineFeatureState.restore(json.loads(json.dumps(old)))
    assert [a.update_and_compute(e) for e in events[half:half + 2000]] == [
        b.update_and_compute(e) for e in events[half:half + 2000]]


def test_a_format_2_snapshot_holding_ids_restores_and_still_sees_redeliveries(split):
    """Format 2 held the transaction ids; 3 holds their keys. A format-2 snapshot restores to the same state:
    the replay of an event it holds (a re-delivery after a restart) is recognised and not counted twice."""
    from fraud_domain.features.history import tx_key

    events, labels = split
    half = 3000
    first = OnlineFeatureState()
    run_online(first, events[:half], labels[:half], labels_early=True)
    snap = json.loads(json.dumps(first.snapshot()))
    ids = {tx_key(e.transaction_id): e.transaction_id for e in events[:half]}
    old = json.loads(json.dumps(snap))
    old["format"] = 2
    for ns in ("customer", "terminal"):
        for entry in old[ns].values():
            entry["tx"] = [ids[k] for k in entry["tx"]]
            entry["frauds"] = [[t, r, ids[k]] for t, r, k in entry["frauds"]]
    restored = OnlineFeatureState.restore(old)
    assert restored.snapshot() == OnlineFeatureState.restore(snap).snapshot()
    end = half + 2000
    uninterrupted = run_online(OnlineFeatureState(), events[:end], labels[:end], labels_early=True)
    for i in range(half - 50, half):  # re-deliveries, as after a restart from this snapshot
        restored.update_and_compute(events[i])
    assert run_online(restored, events[half:end], labels[half:end], labels_early=True) == uninterrupted[half:]


def test_a_snapshot_holds_nothing_a_pii_scan_reads_as_a_card_number_or_an_ip(split):
    """The snapshot is stored in Cassandra, which tests/e2e/test_pii_scan.py scans: 64-bit id keys (19-20
    digits) were read as Luhn-valid card numbers there."""
    from fraud_domain.pii import clear_pii

    events, labels = split
    state = OnlineFeatureState()
    run_online(state, events, labels, labels_early=True)
    text = json.dumps(state.snapshot())
    assert len(text) > 500_000 and clear_pii(text) == []


def test_a_held_transaction_costs_tens_of_bytes(small_pairs):
    """Issue #15 (soak): the state grows with the events in the retention horizon, so each must be small.
    Events are parsed afresh (as the scorer receives them), so nothing the state keeps is shared with the test."""
    import tracemalloc
    from datetime import UTC, datetime

    from fraud_domain.schema import event_to_json, parse_event

    raw = [event_to_json(e) for e, _ in small_pairs]
    now = datetime(2100, 1, 1, tzinfo=UTC)
    tracemalloc.start()
    try:
        state = OnlineFeatureState()
        before = tracemalloc.get_traced_memory()[0]
        for r in raw:
            state.update_and_compute(parse_event(r, now=now))
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    held = sum(len(h.ts) for histories in state._entities.values() for h in histories.values())
    assert held > 20_000
    # 5 columns x 8 bytes per entry, plus each entity's arrays: 55 bytes measured (a list per column: 158).
    assert used / held < 80, f"{used / held:.0f} bytes per held transaction"


def test_the_oldest_source_is_forgotten_beyond_the_limit(split):
    from fraud_domain.features.online import MAX_SOURCES

    events, _ = split
    state = OnlineFeatureState()
    for i in range(MAX_SOURCES + 1):
        state.update_and_compute(events[i], f"s{i}")
    assert len(state.clocks) == MAX_SOURCES and "s0" not in state.clocks and f"s{MAX_SOURCES}" in state.clocks
    assert len(state) == 2 * MAX_SOURCES


def test_the_lateness_setting_wins_over_the_value_saved_with_the_snapshot() -> None:
    """Issue #15: STREAM_ALLOWED_LATENESS_SECONDS changed between runs takes effect on restart."""
    saved = OnlineFeatureState(allowed_lateness=timedelta(hours=1)).snapshot()
    assert OnlineFeatureState.restore(saved).allowed_lateness == timedelta(hours=1)
    restored = OnlineFeatureState.restore(json.loads(json.dumps(saved)), allowed_lateness=timedelta(days=2))
    assert restored.allowed_lateness == timedelta(days=2)
    assert restored.snapshot()["allowed_lateness_us"] == 2 * 86_400 * 1_000_000
