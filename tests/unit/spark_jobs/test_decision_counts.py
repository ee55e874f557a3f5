"""Counting a day's decisions by outcome and reason (spark_jobs/load_decisions.py), on hand-made rows; the
job against the real Cassandra and Hive runs in tests/integration/test_superset.py."""

from __future__ import annotations

from spark_jobs.load_decisions import count_decisions
from spark_jobs.tables import DECISION_COUNTS, NO_REASON


def test_each_reason_of_a_decision_counts_once_and_labels_are_counted_where_known() -> None:
    rows = [
        ("block", ["velocity", "model", "model:customer_nb_tx_1d"], True),
        ("block", ["velocity"], False),
        ("review", ["model", "model:tx_amount"], None),
        ("approve", [], False),
        ("approve", None, None),
        ("approve", [], True),
        (None, None, True),  # a label whose decision is not persisted yet: not a decision
    ]
    assert count_decisions(rows) == [
        ("approve", NO_REASON, 3, 2, 1),
        ("block", "model", 1, 1, 1),
        ("block", "velocity", 2, 2, 1),
        ("review", "model", 1, 0, 0),
    ]


def test_a_repeated_reason_counts_once_and_no_rows_count_nothing() -> None:
    assert count_decisions([("block", ["velocity", "velocity"], None)]) == [("block", "velocity", 1, 0, 0)]
    assert count_decisions([]) == []


def test_the_counts_match_the_table_declaration() -> None:
    assert DECISION_COUNTS.column_names == ["decision", "reason", "decisions", "labelled", "frauds"]
    assert DECISION_COUNTS.partitioned
