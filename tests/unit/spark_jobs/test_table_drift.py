"""Schema drift of the Hive tables: the pure comparison, and what ``ensure_table`` / ``insert_by_name`` do
with it (against a fake session that records its SQL; the real ALTER path is in tests/integration)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from spark_jobs.errors import BatchError, SchemaDriftError
from spark_jobs.tables import FEATURES, MODEL_METRICS, PARTITION, drift, ensure_table, insert_by_name

pytestmark = pytest.mark.unit
DB = "fraud_test"


def hive_columns(columns: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """As the catalog lists them: lower-case types."""
    return [(name, sql.lower()) for name, sql in columns]


def test_the_declared_table_has_no_drift_whatever_the_order_or_case() -> None:
    found = drift(FEATURES, list(reversed(hive_columns(FEATURES.columns))), [PARTITION], DB)
    assert not found and found.additive and found.describe() == ""
    upper = [(name.upper(), sql) for name, sql in FEATURES.columns]
    assert not drift(FEATURES, upper, ["DT"], DB)


def test_a_new_feature_is_an_additive_drift() -> None:
    old = [c for c in hive_columns(FEATURES.columns) if c[0] != "customer_amount_ratio_30d"]
    found = drift(FEATURES, old, [PARTITION], DB)
    assert found and found.additive
    assert found.added == (("customer_amount_ratio_30d", "DOUBLE"),)
    assert found.describe() == "declared but missing: customer_amount_ratio_30d DOUBLE"


@pytest.mark.parametrize(("change", "expected"), [
    (lambda cols: [*cols, ("retired_feature", "double")], "not declared any more: retired_feature DOUBLE"),
    (lambda cols: [("tx_amount_eur", t) if n == "tx_amount" else (n, t) for n, t in cols],
     "not declared any more: tx_amount_eur DOUBLE; declared but missing: tx_amount DOUBLE"),  # renamed
    (lambda cols: [(n, "bigint") if n == "customer_nb_tx_1d" else (n, t) for n, t in cols],
     "retyped: customer_nb_tx_1d BIGINT -> DOUBLE"),
])
def test_removed_renamed_or_retyped_columns_are_not_additive(change: Any, expected: str) -> None:
    found = drift(FEATURES, change(hive_columns(FEATURES.columns)), [PARTITION], DB)
    assert found and not found.additive
    assert found.describe() == expected


def test_other_partitioning_is_not_additive() -> None:
    found = drift(FEATURES, hive_columns(FEATURES.columns), [], DB)
    assert not found.additive and found.describe() == "partitioned by [], declared ['dt']"
    assert not drift(MODEL_METRICS, hive_columns(MODEL_METRICS.columns), [], DB)


def test_long_lists_are_cut_to_one_short_line() -> None:
    found = drift(FEATURES, hive_columns(FEATURES.columns[:4]), [PARTITION], DB)
    assert found.additive and len(found.added) == len(FEATURES.columns) - 4 == 21
    assert found.describe().endswith("(+13 more)")


@dataclass
class Column:  # pyspark.sql.catalog.Column's fields we read
    name: str
    dataType: str
    isPartition: bool


@dataclass
class FakeSpark:
    """Enough of a SparkSession for ``ensure_table``: the SQL it runs and one table's columns."""

    columns: list[Column]
    sql_run: list[str] = field(default_factory=list)

    @property
    def catalog(self) -> FakeSpark:
        return self

    def databaseExists(self, name: str) -> bool:
        return any(s == f"CREATE DATABASE IF NOT EXISTS {name}" for s in self.sql_run)

    def listColumns(self, table: str) -> list[Column]:
        assert table == f"{DB}.features"
        return self.columns

    def sql(self, statement: str) -> None:
        self.sql_run.append(statement)


def existing(columns: list[tuple[str, str]]) -> FakeSpark:
    return FakeSpark([Column(n, t, False) for n, t in columns] + [Column(PARTITION, "string", True)])


def test_ensure_table_adds_new_feature_columns() -> None:
    spark = existing([c for c in hive_columns(FEATURES.columns) if c[0] not in ("tx_during_night", "tx_amount")])
    found = ensure_table(spark, FEATURES, DB)
    assert found.added == (("tx_amount", "DOUBLE"), ("tx_during_night", "DOUBLE"))
    assert spark.sql_run[-1] == f"ALTER TABLE {DB}.features ADD COLUMNS (`tx_amount` DOUBLE, `tx_during_night` DOUBLE)"
    assert spark.sql_run[1].startswith(f"CREATE TABLE IF NOT EXISTS {DB}.features (")
    ensure_table(spark, FEATURES, DB)  # the database exists now: it is not created again
    assert sum(s.startswith("CREATE DATABASE") for s in spark.sql_run) == 1


def test_ensure_table_leaves_an_up_to_date_table_alone() -> None:
    spark = existing(hive_columns(FEATURES.columns))
    assert not ensure_table(spark, FEATURES, DB)
    assert not any(s.startswith("ALTER") for s in spark.sql_run)


def test_ensure_table_refuses_a_retyped_column_in_one_clear_line() -> None:
    spark = existing([(n, "bigint") if n == "terminal_risk_7d" else (n, t) for n, t in hive_columns(FEATURES.columns)])
    with pytest.raises(SchemaDriftError) as err:
        ensure_table(spark, FEATURES, DB)
    assert isinstance(err.value, BatchError)  # the job's entry point prints it as one ERROR line, exit 2
    assert str(err.value) == (f"{DB}.features differs from its declaration (retyped: terminal_risk_7d BIGINT -> "
                              f"DOUBLE); fix: it is derived: DROP TABLE {DB}.features, then rerun build_features "
                              f"for the days you need")
    assert not any(s.startswith("ALTER") for s in spark.sql_run)


@dataclass
class FakeFrame:
    """A DataFrame as ``insert_by_name`` sees it: its columns, its session's table, select and write."""

    columns: list[str]
    table_columns: list[str]
    written: list[tuple[str, list[str], bool, tuple[str, ...]]] = field(default_factory=list)
    shuffled_by: tuple[str, ...] = ()

    @property
    def sparkSession(self) -> FakeFrame:
        return self

    def table(self, name: str) -> FakeFrame:
        return FakeFrame(self.table_columns, self.table_columns, self.written)

    def select(self, *columns: str) -> FakeFrame:
        return FakeFrame(list(columns), self.table_columns, self.written)

    def repartition(self, *columns: str) -> FakeFrame:
        return FakeFrame(self.columns, self.table_columns, self.written, columns)

    @property
    def write(self) -> FakeFrame:
        return self

    def insertInto(self, table: str, overwrite: bool = False) -> None:
        self.written.append((table, self.columns, overwrite, self.shuffled_by))


def test_insert_by_name_orders_the_columns_as_the_table_has_them_one_file_per_partition() -> None:
    frame = FakeFrame(["b", "a", PARTITION], table_columns=["a", "b", PARTITION])
    insert_by_name(frame, FEATURES, DB, overwrite=True)
    assert frame.written == [(f"{DB}.features", ["a", "b", PARTITION], True, (PARTITION,))]
    unpartitioned = FakeFrame(["b", "a"], table_columns=["a", "b"])
    insert_by_name(unpartitioned, MODEL_METRICS, DB)
    assert unpartitioned.written == [(f"{DB}.model_metrics", ["a", "b"], False, ())]


def test_insert_by_name_refuses_columns_that_do_not_match() -> None:
    frame = FakeFrame(["a", "c", PARTITION], table_columns=["a", "b", PARTITION])
    with pytest.raises(SchemaDriftError, match=r"the table lacks \['c'\], the data lacks \['b'\]"):
        insert_by_name(frame, FEATURES, DB)
    assert frame.written == []
