"""Card Precision@k as the handbook computes it (``card_precision_top_k``, remove_detected_compromised_cards
=True): day by day, cards detected on earlier test days are removed before a day's top k is taken."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spark_jobs.metrics import card_precision_at_k

# Three test days, k = 2. Card 1 is compromised all week and scored highest every day; card 3 too.
# Day 1 card 1 has two transactions: its max score (.9, a genuine one) and max label (1) are taken apart.
THREE_DAYS = pd.DataFrame([
    # dt,  card, score, label
    ("d1", 1, 0.90, 0), ("d1", 1, 0.20, 1), ("d1", 2, 0.80, 0), ("d1", 3, 0.70, 1), ("d1", 4, 0.10, 0),
    ("d2", 1, 0.95, 1), ("d2", 3, 0.60, 1), ("d2", 2, 0.50, 0),
    ("d3", 1, 0.90, 1), ("d3", 3, 0.80, 1), ("d3", 2, 0.70, 0), ("d3", 4, 0.30, 1),
], columns=["dt", "customer_id", "score", "label"])


def test_cards_detected_on_earlier_days_are_removed() -> None:
    # d1: top-2 {1 (.9, compromised), 2 (.8)} -> 1/2; card 1 detected.
    # d2: without card 1: {3 (.6, compromised), 2 (.5)} -> 1/2; card 3 detected.
    # d3: without cards 1 and 3: {2 (.7), 4 (.3, compromised)} -> 1/2.
    assert card_precision_at_k(THREE_DAYS, k=2) == pytest.approx((0.5 + 0.5 + 0.5) / 3)


def test_without_removal_every_day_is_ranked_afresh() -> None:
    # d1 {1, 2} -> 1/2; d2 {1, 3} -> 2/2; d3 {1, 3} -> 2/2.
    assert card_precision_at_k(THREE_DAYS, k=2, remove_detected=False) == pytest.approx((0.5 + 1 + 1) / 3)


def test_days_are_taken_in_date_order_not_row_order() -> None:
    shuffled = THREE_DAYS.sample(frac=1, random_state=3)
    assert card_precision_at_k(shuffled, k=2) == pytest.approx(0.5)


def test_precision_divides_by_k_when_fewer_cards_are_left() -> None:
    # k = 3: d1 {1, 2, 3} -> 2/3 (1 and 3 detected); d2 only card 2 is left -> 0/3; d3 {2, 4} -> 1/3.
    assert card_precision_at_k(THREE_DAYS, k=3) == pytest.approx((2 / 3 + 0 + 1 / 3) / 3)


def test_empty_predictions_score_zero() -> None:
    assert card_precision_at_k(THREE_DAYS.iloc[0:0], k=2) == 0.0


def _handbook(predictions: pd.DataFrame, top_k: int, remove_detected_compromised_cards: bool = True) -> float:
    """The handbook's ``card_precision_top_k`` (ch. 4.2), transcribed onto our column names."""
    detected: list[int] = []
    per_day = []
    for day in sorted(predictions["dt"].unique()):
        df_day = predictions[predictions["dt"] == day][["score", "customer_id", "label"]]
        df_day = df_day[~df_day["customer_id"].isin(detected)]
        df_day = df_day.groupby("customer_id").max().sort_values(by="score", ascending=False).reset_index()
        top = df_day.head(top_k)
        found = list(top[top["label"] == 1]["customer_id"])
        per_day.append(len(found) / top_k)
        if remove_detected_compromised_cards:
            detected.extend(found)
    return float(np.mean(per_day))


@pytest.mark.parametrize("remove", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_the_handbooks_code_on_random_days(seed: int, remove: bool) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    frame = pd.DataFrame({"dt": rng.choice([f"2018-08-{d:02d}" for d in range(8, 15)], n),
                          "customer_id": rng.integers(0, 400, n), "score": rng.random(n),  # no ties
                          "label": (rng.random(n) < 0.15).astype(int)})
    got = card_precision_at_k(frame, k=20, remove_detected=remove)
    assert got == pytest.approx(_handbook(frame, 20, remove))
