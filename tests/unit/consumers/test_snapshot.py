"""The scorer's checkpoint snapshot is a copy: scoring that goes on while it is saved (in another thread)
changes neither its histories nor its offsets, and it holds exactly the dirty entities."""

from __future__ import annotations

import itertools
from datetime import timedelta

from consumers.state_store import Snapshot
from fraud_domain.features import OnlineFeatureState
from fraud_domain.simulator import SimulatorConfig, iter_events, simulate
from fraud_domain.tokenise import Tokeniser

CFG = SimulatorConfig(seed=3, n_customers=60, n_terminals=120, n_days=4)


def test_snapshot_is_detached_from_the_live_state() -> None:
    state = OnlineFeatureState(allowed_lateness=timedelta(days=1))
    dirty: dict[str, set[int]] = {"customer": set(), "terminal": set()}
    events = iter(iter_events(simulate(CFG), Tokeniser(b"unit-test-key-0123456789abcdef!!")))
    for ev, _ in itertools.islice(events, 300):
        state.update_and_compute(ev)
        dirty["customer"].add(ev.customer_id)
        dirty["terminal"].add(ev.terminal_id)
    offsets = {("t", 0): 300}
    snap = Snapshot.take(state, dirty, offsets)
    frozen = _json(snap)
    assert len(snap) == len(dirty["customer"]) + len(dirty["terminal"])
    assert all(h is not None and len(h.ts) for e in snap.entities.values() for h in e.values())

    for ev, _ in itertools.islice(events, 300):  # the scorer goes on
        state.update_and_compute(ev)
    offsets[("t", 0)] = 600
    assert _json(snap) == frozen and snap.offsets == {("t", 0): 300}
    assert _json(Snapshot.take(state, dirty, offsets)) != frozen


def _json(snap: Snapshot) -> tuple[dict, dict]:
    return {ns: {k: h and h.to_json() for k, h in held.items()} for ns, held in snap.entities.items()}, dict(snap.meta)
