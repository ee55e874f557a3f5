"""Rules + model probability -> (score, decision, reasons): pure functions, unit-tested; ``combine_batch``
decides a whole batch with numpy, ``combine`` is the same for one transaction.

Each rule carries a fixed confidence (``RULE_SCORES``); the score is the noisy-OR of the fired rules'
confidences and the model's fraud probability, ``1 - prod(1 - s_i)``: any strong signal alone can block,
weak ones add up, and with no model (``probability=None``) the rules decide alone. ``model`` is added to
the reasons when the probability alone reaches the review threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress, product

import numpy as np

from consumers.rules import AMOUNT_ANOMALY, GEO_IMPOSSIBLE, RULES, VELOCITY, Thresholds

RULE_SCORES = {VELOCITY: 0.85, GEO_IMPOSSIBLE: 0.9, AMOUNT_ANOMALY: 0.6}
MODEL_REASON = "model"
OUTCOMES = ("approve", "review", "block")  # by rising score
_KEEP = [1.0 - RULE_SCORES[rule] for rule in RULES]
# The reasons of every combination of fired rules (bit i = RULES[i]) and of the model (the next bit).
_BITS = 1 << np.arange(len(RULES) + 1)
_REASONS: list[tuple[str, ...]] = [
    tuple(compress((*RULES, MODEL_REASON), reversed(bits))) for bits in product((0, 1), repeat=len(RULES) + 1)]


def combine_batch(hits: np.ndarray, probability: Sequence[float] | np.ndarray | None,
                  t: Thresholds) -> tuple[list[float], list[str], list[tuple[str, ...]]]:
    """Scores in [0, 1], decisions and reasons of a batch: ``hits`` is ``rules.fire``'s ``[n, len(RULES)]``
    booleans, ``probability`` the model's per row (None: no model; clamped to [0, 1], NaN counts as 0)."""
    keep = np.ones(len(hits))
    for i, factor in enumerate(_KEEP):  # in RULES order, as one transaction's product would be taken
        keep *= np.where(hits[:, i], factor, 1.0)
    flags = hits
    if probability is not None:
        p = np.clip(np.nan_to_num(np.asarray(probability, dtype=np.float64), nan=0.0), 0.0, 1.0)
        keep *= 1.0 - p
        flags = np.column_stack((hits, p >= t.review_threshold))
    score = 1.0 - keep
    outcome = (score >= t.review_threshold).astype(np.int8) + (score >= t.block_threshold)
    mask = flags.astype(np.int64) @ _BITS[:flags.shape[1]] if len(hits) else np.zeros(0, np.int64)
    return score.tolist(), [OUTCOMES[i] for i in outcome.tolist()], [_REASONS[m] for m in mask.tolist()]


def combine(hits: tuple[str, ...], probability: float | None, t: Thresholds) -> tuple[float, str, tuple[str, ...]]:
    """Score in [0, 1], decision (approve | review | block) and reasons of one transaction."""
    row = np.array([[rule in hits for rule in RULES]], dtype=bool)
    scores, outcomes, reasons = combine_batch(row, None if probability is None else [probability], t)
    return scores[0], outcomes[0], reasons[0]
