"""Rules + model probability -> (score, decision, reasons): a pure function, unit-tested.

Each rule carries a fixed confidence (``RULE_SCORES``); the score is the noisy-OR of the fired rules'
confidences and the model's fraud probability, ``1 - prod(1 - s_i)``: any strong signal alone can block,
weak ones add up, and with no model (``probability=None``) the rules decide alone. ``model`` is added to
the reasons when the probability alone reaches the review threshold.
"""

from __future__ import annotations

from consumers.rules import AMOUNT_ANOMALY, GEO_IMPOSSIBLE, VELOCITY, Thresholds

RULE_SCORES = {VELOCITY: 0.85, GEO_IMPOSSIBLE: 0.9, AMOUNT_ANOMALY: 0.6}
MODEL_REASON = "model"


def combine(hits: tuple[str, ...], probability: float | None, t: Thresholds) -> tuple[float, str, tuple[str, ...]]:
    """Score in [0, 1], decision (approve | review | block) and reasons."""
    keep = 1.0
    for rule in hits:
        keep *= 1.0 - RULE_SCORES[rule]
    reasons = hits
    if probability is not None:
        p = min(1.0, max(0.0, float(probability)))
        keep *= 1.0 - p
        if p >= t.review_threshold:
            reasons = (*hits, MODEL_REASON)
    score = 1.0 - keep
    if score >= t.block_threshold:
        return score, "block", reasons
    if score >= t.review_threshold:
        return score, "review", reasons
    return score, "approve", reasons
