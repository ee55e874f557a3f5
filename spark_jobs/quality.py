"""Data-quality rules of a loaded day, as pure functions over facts the DQ job gathers (unit-testable).

Every rule returns a list of problems (empty = pass). Accounting: every row the API said it had is either
in the Hive partition, a dropped exact duplicate, or in quarantine — nothing lost, nothing doubled. With a
clean source that is simply ``hive count == API total``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def check_counts(*, api_total: int, raw_rows: int, hive_rows: int, load: Mapping[str, int]) -> list[str]:
    problems = []
    if raw_rows != api_total:
        problems.append(f"raw file holds {raw_rows} rows but the API reported total={api_total}")
    if load.get("read") != raw_rows:
        problems.append(f"the load read {load.get('read')} rows, the raw file holds {raw_rows}")
    accounted = hive_rows + load.get("duplicates", 0) + load.get("quarantined", 0)
    if accounted != api_total:
        problems.append(f"hive rows {hive_rows} + duplicates {load.get('duplicates', 0)} + quarantined "
                        f"{load.get('quarantined', 0)} = {accounted} != API total {api_total}")
    if hive_rows != load.get("written"):
        problems.append(f"the partition holds {hive_rows} rows, the load wrote {load.get('written')}")
    return problems


def check_nulls(null_counts: Mapping[str, int]) -> list[str]:
    return [f"{column} is null in {n} rows" for column, n in sorted(null_counts.items()) if n]


def check_unique(duplicate_keys: int, key: str = "transaction_id") -> list[str]:
    return [f"{duplicate_keys} {key} values occur more than once"] if duplicate_keys else []


def check_schema(expected: Sequence[tuple[str, str]], actual: Sequence[tuple[str, str]]) -> list[str]:
    """Column names and types (case-insensitive), in order."""
    norm = [(n.lower(), t.lower()) for n, t in expected]
    got = [(n.lower(), t.lower()) for n, t in actual]
    if norm == got:
        return []
    return [f"schema differs: expected {norm}, table has {got}"]
