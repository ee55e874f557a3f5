"""How good the decisions were, per UTC day: ``decision_labels`` rows -> ``DayQuality`` (pure, unit-tested).
The persister counts each hour (``day_quality`` of its rows) and sums a day's hours (``combined``).

Only transactions with both a decision and a label count. An alert is a ``review`` or ``block`` decision;
a true positive is an alert on a fraud. Precision, recall and the rates are 0 when their denominator is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

ALERT_DECISIONS = frozenset({"review", "block"})


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True, slots=True)
class DayQuality:
    """Confusion counts of one day's decided-and-labelled transactions, and the ratios derived from them."""

    day: date
    labelled: int
    alerts: int
    true_positives: int
    false_positives: int
    false_negatives: int

    def counts(self) -> tuple[int, int, int, int, int]:
        """(labelled, alerts, true positives, false positives, false negatives): the additive part."""
        return self.labelled, self.alerts, self.true_positives, self.false_positives, self.false_negatives

    @property
    def precision(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_negatives)

    @property
    def alert_rate(self) -> float:
        return _ratio(self.alerts, self.labelled)

    @property
    def fraud_rate(self) -> float:
        return _ratio(self.true_positives + self.false_negatives, self.labelled)


def combined(day: date, parts: Iterable[DayQuality]) -> DayQuality:
    """The sum of ``parts``' counts (a day's hours), as ``day``'s."""
    totals = [sum(column) for column in zip(*(q.counts() for q in parts), strict=True)] or [0] * 5
    return DayQuality(day, *totals)


def day_quality(day: date, rows: Iterable[tuple[str | None, bool | None]]) -> DayQuality:
    """``DayQuality`` of ``(decision, is_fraud)`` rows; a row missing either half (``None``) is skipped."""
    labelled = alerts = tp = fn = 0
    for decision, is_fraud in rows:
        if decision is None or is_fraud is None:
            continue
        labelled += 1
        alert = decision in ALERT_DECISIONS
        alerts += alert
        tp += alert and is_fraud
        fn += is_fraud and not alert
    return DayQuality(day, labelled, alerts, tp, alerts - tp, fn)
