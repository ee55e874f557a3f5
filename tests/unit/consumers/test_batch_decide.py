"""The scorer decides a batch at once: ``rules.fire``, ``decide.combine_batch`` and ``decisions_to_json`` give,
row for row, what the one-transaction definitions give (the rules and the noisy-OR written out here, and
``decision_to_json(Decision(...))`` byte for byte), and a row whose features are not finite is dead-lettered
with its reason instead of stopping the scorer."""

from __future__ import annotations

import dataclasses
import math
import random
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import orjson
import pytest

from consumers import rules
from consumers.decide import MODEL_REASON, RULE_SCORES, combine, combine_batch
from consumers.rules import RULE_INPUTS, RULES, Thresholds
from fraud_domain.errors import EventValidationError
from fraud_domain.features import ALL_FEATURE_NAMES
from fraud_domain.schema import Decision, TransactionEvent, decision_to_json, decisions_to_json, event_to_json
from tests.unit.consumers.test_scorer_prune import scorer

pytestmark = pytest.mark.unit
T = Thresholds()


def _fires(count: float, km: float, speed: float, ratio: float, t: Thresholds) -> tuple[str, ...]:
    """The rules of ``consumers/rules.py``'s docstring, one transaction at a time."""
    geo = km > t.geo_max_km and (speed > t.geo_max_speed_kmh or km * 3600.0 / speed <= t.geo_window_seconds)
    flags = (count > t.velocity_max_tx_2min, geo, ratio > t.amount_ratio_max)
    return tuple(rule for rule, hit in zip(RULES, flags, strict=True) if hit)


def test_fire_matches_the_rules_row_by_row() -> None:
    rng = random.Random(3)
    rows = [[float(rng.randint(0, 9)), rng.choice([0.0, 10.0, 49.9, 50.0, 50.1, 400.0, 3000.0]),
             rng.choice([1.0, 359.0, 600.0, 999.0, 1000.0, 1001.0, 50_000.0]), rng.choice([0.5, 10.0, 10.01, 80.0])]
            for _ in range(2000)]
    rows = [r if r[1] > 0 else [r[0], 0.0, 0.0, r[3]] for r in rows]  # no distance: no speed (as computed)
    hits = rules.fire(np.array(rows), T)
    got = [tuple(rule for rule, h in zip(RULES, row, strict=True) if h) for row in hits.tolist()]
    assert got == [_fires(*r, T) for r in rows]
    assert {len(g) for g in got} == {0, 1, 2, 3}  # every number of rules fired at least once
    assert rules.evaluate(dict(zip(RULE_INPUTS, rows[0], strict=True)), T) == got[0]


@pytest.mark.parametrize("probability", [None, 0.0, 0.3, 0.49999, 0.5, 0.79, 0.8, 1.0, 1.7, -0.2, math.nan])
def test_combine_batch_is_the_noisy_or_of_each_row(probability: float | None) -> None:
    combos = [tuple(r for r, bit in zip(RULES, (m & 1, m & 2, m & 4), strict=True) if bit) for m in range(8)]
    hits = np.array([[r in c for r in RULES] for c in combos])
    scores, outcomes, reasons = combine_batch(hits, None if probability is None else [probability] * 8, T)
    for combo, score, outcome, why in zip(combos, scores, outcomes, reasons, strict=True):
        keep = 1.0
        for rule in combo:
            keep *= 1.0 - RULE_SCORES[rule]
        p = None if probability is None else (0.0 if math.isnan(probability) else min(1.0, max(0.0, probability)))
        if p is not None:
            keep *= 1.0 - p
        assert score == 1.0 - keep  # exactly: the same products in the same order
        assert outcome == ("block" if score >= T.block_threshold else "review" if score >= T.review_threshold
                           else "approve")
        assert why == (*combo, MODEL_REASON) if p is not None and p >= T.review_threshold else why == combo
        assert combine(combo, probability, T) == (score, outcome, why)
    assert combine_batch(np.zeros((0, len(RULES)), dtype=bool), [], T) == ([], [], [])


def _random_batch(n: int, seed: int) -> dict:
    rng = random.Random(seed)
    start = datetime(2018, 4, 1, tzinfo=UTC)
    reasons = [(), (rules.VELOCITY,), (rules.GEO_IMPOSSIBLE, rules.AMOUNT_ANOMALY, MODEL_REASON, "model:amount")]
    return dict(
        transaction_ids=[str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)],
        event_times=[start + timedelta(microseconds=rng.choice([0, 1, 999_999]), days=rng.randint(0, 300))
                     for _ in range(n)],
        scored_at=datetime(2026, 12, 7, 4, 0, tzinfo=UTC),
        scores=[rng.choice([0.0, 1.0, rng.random(), 0.1 + 0.2]) for _ in range(n)],
        decisions=[rng.choice(["approve", "review", "block"]) for _ in range(n)],
        reasons=[rng.choice(reasons) for _ in range(n)],
        model_version="20261207T040000Z-gbt",
        feature_names=ALL_FEATURE_NAMES,
        features=np.array([[rng.choice([0.0, 1.0, 1e-300, 12345.678, rng.random() * 1e6]) for _ in ALL_FEATURE_NAMES]
                           for _ in range(n)]),
        customer_ids=[rng.randint(0, 2**63 - 1) for _ in range(n)],
        terminal_ids=[rng.randint(0, 10**6) for _ in range(n)],
        amounts=[round(rng.uniform(0.01, 9999.0), 2) for _ in range(n)],
    )


def test_batch_encoding_is_byte_for_byte_the_decision_encoder() -> None:
    b = _random_batch(500, seed=1)
    one_by_one = [
        decision_to_json(Decision(transaction_id=tx, event_time=et, scored_at=b["scored_at"], score=s, decision=d,
                                  reasons=r, model_version=b["model_version"],
                                  features=dict(zip(ALL_FEATURE_NAMES, row, strict=True)), customer_id=cu,
                                  terminal_id=te, amount=am))
        for tx, et, s, d, r, row, cu, te, am in zip(b["transaction_ids"], b["event_times"], b["scores"],
                                                    b["decisions"], b["reasons"], b["features"].tolist(),
                                                    b["customer_ids"], b["terminal_ids"], b["amounts"], strict=True)]
    assert decisions_to_json(**b) == one_by_one
    assert decisions_to_json(**{**b, **{k: [] for k in b if k.endswith("s") and k != "feature_names"},
                                "features": np.zeros((0, len(ALL_FEATURE_NAMES)))}) == []


@pytest.mark.parametrize(("change", "field"), [
    ({"model_version": "has space"}, "model_version"),
    ({"scores": [math.nan, 0.5, 0.5]}, "score"),
    ({"scores": [0.5, 1.0000001, 0.5]}, "score"),
    ({"decisions": ["approve", "maybe", "block"]}, "decision"),
    ({"reasons": [(), ("",), ()]}, "reasons"),
    ({"features": np.array([[0.0] * len(ALL_FEATURE_NAMES)] * 2 + [[math.inf] * len(ALL_FEATURE_NAMES)])},
     "features"),
    ({"scored_at": datetime(2026, 12, 7)}, "scored_at"),
])
def test_batch_encoding_checks_the_scorers_fields(change: dict, field: str) -> None:
    with pytest.raises(EventValidationError) as err:
        decisions_to_json(**(_random_batch(3, seed=2) | change))
    assert err.value.field == field


def test_a_row_with_a_non_finite_feature_is_dead_lettered_and_the_rest_decided(
        sample_event: TransactionEvent) -> None:
    s = scorer()
    dead: list[tuple[int, EventValidationError]] = []
    s._dead_letter = lambda r, exc, now: dead.append((r.offset, exc))  # type: ignore[method-assign]
    computed = s.state.update_and_compute_row

    def poisoned(ev, source=""):  # the third event's features hold a NaN (a bug the scorer must survive)
        out = computed(ev, source)
        return [*out[:-1], math.nan] if ev.customer_id == 3 else out

    s.state.update_and_compute_row = poisoned  # type: ignore[method-assign]
    records = [SimpleNamespace(topic="tx", partition=0, offset=i, timestamp=-1, key=None, headers=[],
                               value=event_to_json(dataclasses.replace(
                                   sample_event, customer_id=i + 1, transaction_id=str(uuid.UUID(int=i + 1, version=4)),
                                   event_time=sample_event.event_time + timedelta(seconds=i))))
               for i in range(5)]
    s.process(records)
    assert [(o, e.field) for o, e in dead] == [(2, "features")]
    assert [orjson.loads(v)["customer_id"] for v in s.producer.sent] == [1, 2, 4, 5]


def test_features_come_in_the_matrix_column_order(sample_event: TransactionEvent) -> None:
    """The scorer builds its batch matrix from ``update_and_compute_row``: the values of ``update_and_compute``
    in the columns' order."""
    by_name, by_column = scorer().state.update_and_compute(sample_event), scorer().state.update_and_compute_row(
        sample_event)
    assert list(by_name) == list(ALL_FEATURE_NAMES) and list(by_name.values()) == by_column
