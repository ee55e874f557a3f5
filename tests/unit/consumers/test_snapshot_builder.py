"""The scorer's checkpoint snapshot taken a chunk at a time equals the one taken at once, and fixes the
offsets it was started with (histories may only move ahead of them)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from consumers.state_store import SnapshotBuilder
from fraud_domain.features import OnlineFeatureState
from fraud_domain.simulator import SimulatorConfig, iter_events, simulate
from fraud_domain.tokenise import Tokeniser

CFG = SimulatorConfig(seed=3, n_customers=60, n_terminals=120, n_days=4)


def _state_and_dirty(n: int) -> tuple[OnlineFeatureState, dict[str, set[int]]]:
    state = OnlineFeatureState(allowed_lateness=timedelta(days=1))
    dirty: dict[str, set[int]] = {"customer": set(), "terminal": set()}
    for ev, _ in itertools.islice(iter_events(simulate(CFG), Tokeniser(b"unit-test-key-0123456789abcdef!!")), n):
        state.update_and_compute(ev)
        dirty["customer"].add(ev.customer_id)
        dirty["terminal"].add(ev.terminal_id)
    return state, dirty


def test_chunked_snapshot_equals_the_whole_one() -> None:
    state, dirty = _state_and_dirty(400)
    whole = SnapshotBuilder(state, dirty, {("t", 0): 400}, []).advance()
    builder = SnapshotBuilder(state, dirty, {("t", 0): 400}, [])
    steps, snap = 0, None
    while snap is None:
        snap = builder.advance(7)
        steps += 1
    assert steps > 10
    assert snap.entities == whole.entities and snap.meta == whole.meta and snap.offsets == whole.offsets
    assert len(snap) == len(dirty["customer"]) + len(dirty["terminal"])


def test_offsets_and_clock_are_fixed_at_the_start() -> None:
    state, dirty = _state_and_dirty(200)
    offsets = {("t", 0): 200}
    builder = SnapshotBuilder(state, dirty, offsets, [])
    offsets[("t", 0)] = 999  # the scorer goes on
    clock = builder.meta["newest_us"]
    _more, _ = _state_and_dirty(0)
    snap = builder.advance()
    assert snap.offsets == {("t", 0): 200} and snap.meta["newest_us"] == clock
