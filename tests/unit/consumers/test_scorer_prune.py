"""The scorer's memory follows the active entities: a long replay in which customers and terminals come and
go, checkpointed once per simulated day, keeps the feature state bounded (idle entities are pruned at each
checkpoint) and scores every transaction exactly as a scorer that never prunes."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from consumers.scorer import Scorer
from fraud_domain.features import retention
from fraud_domain.schema import TransactionEvent, event_to_json
from tests.support.offline_scorer import offline_scorer

pytestmark = pytest.mark.unit
DAYS, NEW_PER_DAY, TX_EACH, REGULARS = 120, 12, 2, 3
LATENESS = timedelta(days=1)


def scorer() -> Scorer:
    return offline_scorer(LATENESS)


def days_of_churn(template: TransactionEvent) -> list[list[Any]]:
    """Per day: records of that day's new customers/terminals (never seen again) and of a few regulars."""
    days, offset = [], 0
    for day in range(DAYS):
        records = []
        for i in range(NEW_PER_DAY * TX_EACH + REGULARS):
            regular = i >= NEW_PER_DAY * TX_EACH
            entity = 1 + i - NEW_PER_DAY * TX_EACH if regular else 1000 + day * NEW_PER_DAY + i // TX_EACH
            ev = dataclasses.replace(template, transaction_id=str(uuid.UUID(int=offset + 1, version=4)),
                                     event_time=template.event_time + timedelta(days=day, minutes=i),
                                     customer_id=entity, terminal_id=entity, amount=10.0 + i)
            records.append(SimpleNamespace(topic="tx", partition=0, offset=offset, timestamp=-1, key=None,
                                           value=event_to_json(ev), headers=[]))
            offset += 1
        days.append(records)
    return days


def test_state_stays_bounded_over_a_long_replay_and_scores_are_unchanged(sample_event: TransactionEvent) -> None:
    pruned, unpruned = scorer(), scorer()
    unpruned.state.prune = lambda dropped_keys=None: 0  # type: ignore[method-assign]  # nothing ever pruned
    sizes = []
    for records in days_of_churn(sample_event):
        for s in (pruned, unpruned):
            s.process(records)
            s.checkpoint(force=True)
        sizes.append(len(pruned.state))

    # Entities still inside the retention (+ lateness) of the newest event, per kind, plus the regulars.
    horizon = {e: (retention(e) + LATENESS).days + 2 for e in ("customer", "terminal")}
    bound = sum(horizon.values()) * NEW_PER_DAY + 2 * REGULARS
    assert max(sizes) <= bound < len(unpruned.state) / 2
    assert sizes[-1] == sizes[-30]  # a steady state, not a slow leak
    longest = max(len(h.ts) for kind in pruned.state._entities.values() for h in kind.values())
    assert longest <= (retention("terminal") + LATENESS).days + 2  # a regular: one transaction a day
    assert len(pruned.producer.sent) == DAYS * (NEW_PER_DAY * TX_EACH + REGULARS)
    features = [json.loads(v)["features"] for v in pruned.producer.sent]
    assert features == [json.loads(v)["features"] for v in unpruned.producer.sent]
    # Each pruned entity is saved as gone (the store then deletes its row), not left in the store for ever.
    gone = {key for snap in pruned.store.saved for key, h in snap.entities.get("customer", {}).items() if h is None}
    assert {1000 + day * NEW_PER_DAY + i for day in range(DAYS // 2) for i in range(NEW_PER_DAY)} <= gone
