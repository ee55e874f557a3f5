"""The scorer's checkpoints in the real Cassandra (``consumers/state_store.py``): a crash between writing the
histories and the checkpoint row leaves a restart with exactly the previous checkpoint's histories and
offsets - never histories ahead of their offsets (issue #15)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from consumers.cassandra_io import Writer
from consumers.state_store import CassandraStateStore, Snapshot
from fraud_domain.features import OnlineFeatureState
from fraud_domain.features.history import History
from fraud_domain.features.online import namespace


def _store(cql, group: str) -> CassandraStateStore:
    writer = Writer(cql, concurrency=8, max_backoff=1.0, should_stop=lambda: False)
    return CassandraStateStore(cql, writer, group, {"tx": "id-1"})


REPLAY = namespace("customer", "replay:x")


def _snapshot(histories: dict[int, dict | None], offset: int, replay: dict[int, dict | None] | None = None,
              sources: tuple[str, ...] = ("",)) -> Snapshot:
    meta = {**OnlineFeatureState(allowed_lateness=timedelta(hours=1)).snapshot_header(),
            "clocks": dict.fromkeys(sources, 10_000_000)}
    entities = {ns: {key: None if h is None else History.from_json(h) for key, h in held.items()}
                for ns, held in ((namespace("customer", ""), histories), (REPLAY, replay)) if held is not None}
    return Snapshot(entities, {("tx", 0): offset}, meta)


def _crash_after_histories(store: CassandraStateStore, snap: Snapshot) -> None:
    """What ``save`` writes before a kill between its steps 1 and 2: the intent and the histories."""
    store.begin(snap, store.seq + 1)
    store.write_histories(snap, store.seq + 1)


def _history(n: int) -> dict:
    return {"ts": [1_000_000 * i for i in range(1, n + 1)], "amount": [10.0] * n, "tx": [f"t{i}" for i in range(n)],
            "lat": [45.0] * n, "lon": [5.0] * n, "frauds": []}


@pytest.fixture
def group(cql):
    name = f"ckpt-{uuid.uuid4().hex[:10]}"
    yield name
    _store(cql, name).forget()


def _loaded(cql, group: str, ns: str = namespace("customer", "")) -> tuple[dict, dict]:
    store = _store(cql, group)
    ckpt = store.load()
    assert ckpt is not None
    return ckpt.state.snapshot().get(ns, {}), ckpt.offsets


def test_a_crash_between_histories_and_checkpoint_restores_the_previous_checkpoint(cql, group) -> None:
    store = _store(cql, group)
    store.save(_snapshot({1: _history(1), 2: _history(2), 3: _history(1)}, offset=10))
    store.save(_snapshot({1: _history(2), 3: None}, offset=20))  # customer 3's history runs out
    before, offsets = _loaded(cql, group)
    assert offsets == {("tx", 0): 20} and set(before) == {"1", "2"} and len(before["1"]["ts"]) == 2

    # Checkpoint 3 crashes after step 1: every touched entity's new slot written, no checkpoint row; it had
    # also begun a replay's histories (a namespace the last complete checkpoint does not know).
    crashed = _snapshot({1: _history(5), 2: None, 3: _history(4), 4: _history(1)}, offset=30,
                        replay={50: _history(2)}, sources=("", "replay:x"))
    _crash_after_histories(store, crashed)
    after, offsets = _loaded(cql, group)
    assert offsets == {("tx", 0): 20}
    assert after == before, "a restart sees exactly checkpoint 2's histories, none of checkpoint 3's"

    # The restarted scorer saves again: its checkpoint reuses the crashed one's slots and wins.
    restarted = _store(cql, group)
    restarted.load()
    restarted.save(_snapshot({1: _history(3), 4: _history(1)}, offset=25, replay={51: _history(1)},
                             sources=("", "replay:x")))
    final, offsets = _loaded(cql, group)
    assert offsets == {("tx", 0): 25}
    assert set(final) == {"1", "2", "4"} and len(final["1"]["ts"]) == 3 and len(final["2"]["ts"]) == 2
    replayed, _ = _loaded(cql, group, REPLAY)
    assert set(replayed) == {"51"}, "the crashed checkpoint's replay history is gone, the new one is there"


def test_an_entity_untouched_for_many_checkpoints_keeps_its_value_through_a_crash(cql, group) -> None:
    store = _store(cql, group)
    store.save(_snapshot({7: _history(1)}, offset=1))
    for offset in range(2, 6):  # checkpoints that never touch customer 7
        store.save(_snapshot({8: _history(offset)}, offset=offset))
    _crash_after_histories(store, _snapshot({7: _history(9)}, offset=6))
    state, offsets = _loaded(cql, group)
    assert offsets == {("tx", 0): 5} and len(state["7"]["ts"]) == 1 and len(state["8"]["ts"]) == 5


def test_a_first_checkpoint_that_never_completed_leaves_nothing(cql, group) -> None:
    store = _store(cql, group)
    _crash_after_histories(store, _snapshot({1: _history(2)}, offset=3))
    assert _store(cql, group).load() is None
    again = _store(cql, group)
    assert again.load() is None
    again.save(_snapshot({2: _history(1)}, offset=4))
    state, offsets = _loaded(cql, group)
    assert offsets == {("tx", 0): 4} and set(state) == {"2"}


def _rows(cql, group: str, ns: str = namespace("customer", "")) -> set[int]:
    return {r.entity_key for r in cql.execute("SELECT entity_key FROM scorer_state WHERE scorer_group = %s AND "
                                              "entity = %s", (group, ns))}


def test_an_emptied_entity_is_deleted_by_the_next_checkpoint_and_a_crash_around_it_changes_nothing(cql,
                                                                                                  group) -> None:
    store = _store(cql, group)
    store.save(_snapshot({1: _history(1), 2: _history(2), 3: _history(1)}, offset=1))
    store.save(_snapshot({2: None, 3: None, 9: None}, offset=2))  # 2 and 3 ran out (or were pruned); 9 never stored
    assert _rows(cql, group) == {1, 2, 3}  # 2 and 3 say "empty" in a slot; 9 got no row
    state, _ = _loaded(cql, group)
    assert set(state) == {"1"}

    # The next checkpoint deletes the emptied rows it does not write again; killed right after that step:
    _crash_after_histories(store, _snapshot({1: _history(3), 3: _history(1)}, offset=3))
    assert _rows(cql, group) == {1, 3}
    state, offsets = _loaded(cql, group)
    assert offsets == {("tx", 0): 2} and set(state) == {"1"} and len(state["1"]["ts"]) == 1  # checkpoint 2's

    restarted = _store(cql, group)
    restarted.load()
    restarted.save(_snapshot({1: _history(3)}, offset=3))  # 3 was empty at checkpoint 2: deleted now
    assert _rows(cql, group) == {1}
    restarted.save(_snapshot({2: _history(1)}, offset=4))  # a deleted entity comes back: a row again
    state, offsets = _loaded(cql, group)
    assert offsets == {("tx", 0): 4} and set(state) == {"1", "2"} and len(state["2"]["ts"]) == 1
    assert _rows(cql, group) == {1, 2}


def test_the_rows_of_a_forgotten_source_are_deleted_after_the_checkpoint_without_it(cql, group) -> None:
    store = _store(cql, group)
    store.save(_snapshot({1: _history(1)}, offset=1, replay={50: _history(2), 51: _history(1)},
                         sources=("", "replay:x")))
    assert _rows(cql, group, REPLAY) == {50, 51}
    store.save(_snapshot({1: _history(2)}, offset=2))  # the state forgot source replay:x
    assert _rows(cql, group, REPLAY) == set()
    state, offsets = _loaded(cql, group)
    assert offsets == {("tx", 0): 2} and set(state) == {"1"}
