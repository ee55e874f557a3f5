"""The handbook's evaluation metrics (Le Borgne et al., ch. 4): AUC ROC, Average Precision and Card
Precision@k, on a pandas frame of test predictions. Pure (pandas + scikit-learn), so unit-testable."""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

CARD_PRECISION_K = 100


def card_precision_at_k(predictions: pd.DataFrame, k: int = CARD_PRECISION_K) -> float:
    """Per day: each card's (customer's) highest score; the ``k`` cards scored highest; the share of them
    that are truly compromised that day (divided by ``k``, as the handbook does). Mean over the days.

    ``predictions`` has columns ``dt``, ``customer_id``, ``score``, ``label`` (0/1).
    """
    if predictions.empty:
        return 0.0
    cards = predictions.groupby(["dt", "customer_id"], as_index=False).agg(score=("score", "max"),
                                                                          label=("label", "max"))
    per_day = [day.nlargest(k, "score", keep="first")["label"].sum() / k for _, day in cards.groupby("dt")]
    return float(sum(per_day) / len(per_day))


def evaluate(predictions: pd.DataFrame, k: int = CARD_PRECISION_K) -> dict[str, float]:
    """``auc_roc``, ``average_precision`` and ``card_precision_at_100`` (named after the default ``k``)."""
    labels, scores = predictions["label"].to_numpy(), predictions["score"].to_numpy()
    if labels.min() == labels.max():
        raise ValueError("the test set holds a single class: AUC and AP are undefined")
    return {"auc_roc": float(roc_auc_score(labels, scores)),
            "average_precision": float(average_precision_score(labels, scores)),
            f"card_precision_at_{CARD_PRECISION_K}": card_precision_at_k(predictions, k)}
