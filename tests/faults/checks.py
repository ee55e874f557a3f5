"""What every long fault run proves at its end, counted by ``transaction_id`` on the real Kafka."""

from __future__ import annotations

from tests.support.stream import decision_counts, decisions_by_tx


def assert_exactly_once_with_the_reference_features(bootstrap: str, expected_ids, reference_topic: str,
                                                    faulted_topic: str) -> None:
    """Every expected transaction has exactly one decision on ``faulted_topic`` (a ``read_committed``
    reader's view) and its feature vector equals the one on ``reference_topic`` (the uninterrupted run)."""
    counts = decision_counts(bootstrap, faulted_topic)
    assert set(counts) == set(expected_ids), f"{len(set(expected_ids) - set(counts))} transactions never decided"
    twice = sum(1 for n in counts.values() if n > 1)
    assert not twice, f"{twice} transactions decided more than once"
    reference, faulted = decisions_by_tx(bootstrap, reference_topic), decisions_by_tx(bootstrap, faulted_topic)
    differ = [tx for tx in reference if reference[tx]["features"] != faulted[tx]["features"]]
    assert not differ, f"{len(differ)} feature vectors differ from the uninterrupted run's"
