"""The handbook's evaluation metrics (Le Borgne et al., ch. 4): AUC ROC, Average Precision and Card
Precision@k, on a pandas frame of test predictions. Pure (pandas + scikit-learn), so unit-testable."""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

CARD_PRECISION_K = 100


def card_precision_at_k(predictions: pd.DataFrame, k: int = CARD_PRECISION_K, *,
                        remove_detected: bool = True) -> float:
    """Card Precision@k as the handbook's ``card_precision_top_k`` computes it (its default,
    ``remove_detected_compromised_cards=True``). Day by day, in date order:

    1. each card's (customer's) highest score and highest label that day;
    2. drop the cards detected on an earlier test day (compromised cards in an earlier day's top ``k``):
       an investigator has already blocked them;
    3. the ``k`` cards scored highest (ties: lower ``customer_id`` first);
    4. precision = compromised cards among them / ``k`` (``k`` even when fewer cards are left).

    The result is the mean over the days. ``remove_detected=False`` ranks every day's cards afresh.
    ``predictions`` has columns ``dt``, ``customer_id``, ``score``, ``label`` (0/1).
    """
    if predictions.empty:
        return 0.0
    cards = predictions.groupby(["dt", "customer_id"], as_index=False).agg(score=("score", "max"),
                                                                          label=("label", "max"))
    detected: set[object] = set()
    per_day = []
    for _, day in cards.groupby("dt", sort=True):  # Step 1 done above; days in order
        if detected:  # Step 2
            day = day[~day["customer_id"].isin(detected)]
        top = day.nlargest(k, "score", keep="first")  # Step 3: rows are in customer_id order within a day
        hits = top.loc[top["label"] > 0, "customer_id"]
        per_day.append(len(hits) / k)  # Step 4
        if remove_detected:
            detected.update(hits.tolist())
    return float(sum(per_day) / len(per_day))


def evaluate(predictions: pd.DataFrame, k: int = CARD_PRECISION_K) -> dict[str, float]:
    """``auc_roc``, ``average_precision`` and ``card_precision_at_100`` (named after the default ``k``)."""
    labels, scores = predictions["label"].to_numpy(), predictions["score"].to_numpy()
    if labels.min() == labels.max():
        raise ValueError("the test set holds a single class: AUC and AP are undefined")
    return {"auc_roc": float(roc_auc_score(labels, scores)),
            "average_precision": float(average_precision_score(labels, scores)),
            f"card_precision_at_{CARD_PRECISION_K}": card_precision_at_k(predictions, k)}
