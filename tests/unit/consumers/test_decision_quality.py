"""Decision quality: ``fraud_labels`` -> the label half of ``decision_labels``, rows -> ``DayQuality`` on a
hand-computed day, the per-day gauges bounded to the latest days, and the rows matching the migration."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from consumers import persister_rows as rows
from consumers.decision_quality import DayQuality, combined, day_quality
from consumers.metrics import QUALITY_DAYS, Metrics
from fraud_domain.errors import EventValidationError
from fraud_domain.schema import Decision, Label, decision_to_json, label_to_json

MIGRATIONS = Path(__file__).resolve().parents[3] / "fraud_runtime" / "migrations" / "cassandra"
TX = "0b7e8f3c-2a71-4c0e-9a55-6f1d2c3b4a59"
LATE_EVENING = datetime(2018, 4, 2, 23, 59, 59, 999999, tzinfo=UTC)


def _label(is_fraud: bool = True) -> Label:
    return Label(transaction_id=TX, event_time=LATE_EVENING, customer_id=42, terminal_id=7, is_fraud=is_fraud,
                 scenario=1 if is_fraud else 0, reported_at=datetime(2018, 4, 9, 12, tzinfo=UTC))


def test_a_label_maps_to_the_row_its_decision_maps_to() -> None:
    label = rows.label_row(label_to_json(_label()))
    assert dict(zip(rows.JOINED_LABEL_COLUMNS, label, strict=True)) == {
        "day": date(2018, 4, 2), "hour": 23, "transaction_id": uuid.UUID(TX), "is_fraud": True}
    assert rows.label_row(label_to_json(_label(is_fraud=False)))[3] is False
    decision = Decision(transaction_id=TX, event_time=LATE_EVENING, scored_at=datetime(2018, 4, 3, tzinfo=UTC),
                        score=0.2, decision="approve")
    joined = rows.decision_rows(decision_to_json(decision))[3]
    assert joined[:3] == label[:3]  # same (day, hour, transaction): the halves merge into one row
    assert set(rows.JOINED_DECISION_COLUMNS) & set(rows.JOINED_LABEL_COLUMNS) == {"day", "hour", "transaction_id"}


@pytest.mark.parametrize("raw", [b"{}", b"not json", label_to_json(_label())[:-1],
                                 label_to_json(_label()).replace(b'"is_fraud":true', b'"is_fraud":1')])
def test_an_invalid_label_raises_a_validation_error(raw: bytes) -> None:
    with pytest.raises(EventValidationError):
        rows.label_row(raw)


def test_day_quality_of_a_hand_computed_day() -> None:
    day = date(2018, 4, 2)
    joined = [
        ("block", True), ("review", True), ("approve", True),  # 2 TP, 1 FN
        ("review", False), ("approve", False), ("approve", False), ("approve", False), ("approve", False),  # 1 FP
        ("block", None), (None, True), (None, None),  # only one half yet: not counted
    ]
    q = day_quality(day, joined)
    assert q == DayQuality(day, labelled=8, alerts=3, true_positives=2, false_positives=1, false_negatives=1)
    assert q.precision == pytest.approx(2 / 3)
    assert q.recall == pytest.approx(2 / 3)
    assert q.alert_rate == pytest.approx(3 / 8)
    assert q.fraud_rate == pytest.approx(3 / 8)
    row = dict(zip(rows.QUALITY_COLUMNS, rows.quality_row(q, LATE_EVENING), strict=True))
    assert row == {"day": day, "labelled": 8, "alerts": 3, "true_positives": 2, "false_positives": 1,
                   "false_negatives": 1, "precision": q.precision, "recall": q.recall, "alert_rate": 3 / 8,
                   "fraud_rate": 3 / 8, "updated_at": LATE_EVENING}


def test_no_alerts_no_frauds_and_no_rows_give_zero_ratios() -> None:
    day = date(2018, 4, 2)
    missed = day_quality(day, [("approve", True), ("approve", False)])  # no alerts: precision 0, recall 0
    assert (missed.alerts, missed.false_negatives, missed.precision, missed.recall) == (0, 1, 0.0, 0.0)
    assert (missed.alert_rate, missed.fraud_rate) == (0.0, 0.5)
    quiet = day_quality(day, [("review", False), ("approve", False)])  # no frauds: recall 0, precision 0
    assert (quiet.false_positives, quiet.precision, quiet.recall, quiet.alert_rate, quiet.fraud_rate) == (
        1, 0.0, 0.0, 0.5, 0.0)
    empty = day_quality(day, [(None, False)])
    assert empty == DayQuality(day, 0, 0, 0, 0, 0)
    assert (empty.precision, empty.recall, empty.alert_rate, empty.fraud_rate) == (0.0, 0.0, 0.0, 0.0)


def _days(registry: CollectorRegistry, name: str) -> list[str]:
    return sorted(s.labels["day"] for m in registry.collect() for s in m.samples if s.name == name)


def test_quality_gauges_keep_only_the_latest_days() -> None:
    registry = CollectorRegistry()
    m = Metrics("persister", registry)
    days = [date(2018, 4, 1 + i).isoformat() for i in range(QUALITY_DAYS + 6)]
    for day in [*days[3:], *days[:3]]:  # late labels for old days arrive last: they must not evict newer ones
        m.decision_quality(day, precision=0.5, recall=0.25, alert_rate=0.1, fraud_rate=0.02, labelled=100)
    for name in ("fraud_stream_decision_precision", "fraud_stream_decision_recall", "fraud_stream_alert_rate",
                 "fraud_stream_fraud_rate", "fraud_stream_labelled_decisions"):
        assert _days(registry, name) == days[-QUALITY_DAYS:], name
    m.decision_quality(days[-1], precision=1.0, recall=1.0, alert_rate=0.1, fraud_rate=0.02, labelled=101)
    assert registry.get_sample_value("fraud_stream_labelled_decisions",
                                     {"consumer": "persister", "day": days[-1]}) == 101
    assert registry.get_sample_value("fraud_stream_decision_precision",
                                     {"consumer": "persister", "day": days[0]}) is None


def _table_columns() -> dict[str, list[str]]:
    """``fraud.<table>`` -> its columns in declaration order, from the CQL migrations."""
    tables = {}
    for path in sorted(MIGRATIONS.glob("*.cql")):
        text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("--"))
        for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS fraud\.(\w+) \((.*?)\n\)", text, re.S):
            tables[name] = [line.split()[0] for line in body.strip().splitlines()
                            if not line.strip().startswith("PRIMARY KEY")]
        for name, column in re.findall(r"ALTER TABLE fraud\.(\w+) ADD IF NOT EXISTS (\w+) ", text):
            tables[name].append(column)
    return tables


def test_the_quality_rows_match_the_migrated_tables() -> None:
    tables = _table_columns()
    assert set(tables[rows.DECISION_LABELS]) == {"day", "hour", "transaction_id", "decision", "score", "is_fraud",
                                                "reasons"}
    for columns in (rows.JOINED_DECISION_COLUMNS, rows.JOINED_LABEL_COLUMNS):
        assert set(columns) <= set(tables[rows.DECISION_LABELS]) and columns[:2] == ("day", "hour")  # partition
    assert list(rows.QUALITY_COLUMNS) == tables[rows.QUALITY_BY_DAY]
    assert list(rows.HOUR_QUALITY_COLUMNS) == tables[rows.QUALITY_BY_HOUR]


def test_a_day_is_the_sum_of_its_hours() -> None:
    day = date(2018, 4, 2)
    morning = day_quality(day, [("block", True), ("approve", False), ("review", False)])
    evening = day_quality(day, [("approve", True), ("approve", False)])
    total = combined(day, [morning, evening])
    assert total == day_quality(day, [("block", True), ("approve", False), ("review", False), ("approve", True),
                                      ("approve", False)])
    assert rows.hour_quality_row(morning, 9, LATE_EVENING) == (day, 9, 3, 2, 1, 1, 0, LATE_EVENING)
