"""The Hive tables of database ``fraud`` (names fixed by ARCHITECTURE.md), derived from the domain schema.

Column names and types come from ``TransactionEvent`` / ``Label`` and the feature definitions, so a field
added there appears here without a second declaration. Tables are Parquet, Hive-format (readable by
HiveServer2 and any Hive client), created idempotently by the job that writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from fraud_domain.features.definitions import ALL_FEATURE_NAMES
from fraud_domain.schema import Label, TransactionEvent
from fraud_platform.lake import DATABASE, PARTITION

_SQL_TYPES = {str: "STRING", datetime: "TIMESTAMP", int: "BIGINT", float: "DOUBLE", bool: "BOOLEAN"}
_SMALL_INTS = {"schema_version", "scenario"}  # enumerations, not ids


@dataclass(frozen=True)
class Table:
    name: str  # without the database
    columns: tuple[tuple[str, str], ...]  # (name, SQL type), the partition column excluded
    partitioned: bool = True

    def qualified(self, database: str = DATABASE) -> str:
        return f"{database}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def ddl(self, database: str = DATABASE) -> str:
        cols = ", ".join(f"`{name}` {sql}" for name, sql in self.columns)
        part = f" PARTITIONED BY (`{PARTITION}` STRING)" if self.partitioned else ""
        return f"CREATE TABLE IF NOT EXISTS {self.qualified(database)} ({cols}){part} STORED AS PARQUET"


def _columns_of(cls: type) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, "INT" if f.name in _SMALL_INTS else _SQL_TYPES[f.type]) for f in fields(cls))


TRANSACTIONS = Table("transactions", _columns_of(TransactionEvent))
LABELS = Table("labels", _columns_of(Label))
FEATURES = Table("features", (("transaction_id", "STRING"), ("event_time", "TIMESTAMP"),
                              ("customer_id", "BIGINT"), ("terminal_id", "BIGINT"),
                              *((name, "DOUBLE") for name in ALL_FEATURE_NAMES)))
MODEL_METRICS = Table("model_metrics", (
    ("run_id", "STRING"), ("model_version", "STRING"), ("model_type", "STRING"), ("trained_at", "TIMESTAMP"),
    ("train_start", "STRING"), ("train_end", "STRING"), ("test_start", "STRING"), ("test_end", "STRING"),
    ("n_train", "BIGINT"), ("n_test", "BIGINT"), ("auc_roc", "DOUBLE"), ("average_precision", "DOUBLE"),
    ("card_precision_at_100", "DOUBLE"), ("train_seconds", "DOUBLE"), ("is_best", "BOOLEAN"),
    ("promoted", "BOOLEAN"), ("champion_version", "STRING"), ("champion_average_precision", "DOUBLE"),
), partitioned=False)
INGESTED = {"transactions": TRANSACTIONS, "labels": LABELS}


def ensure_table(spark, table: Table, database: str = DATABASE) -> None:
    """Create the database and ``table`` if missing (no-op otherwise)."""
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {database}")
    spark.sql(table.ddl(database))


def spark_schema(table: Table, *, with_partition: bool = False):
    """The table's columns as a Spark ``StructType`` (nullable: validation guarantees the values)."""
    from pyspark.sql import types as T

    by_sql = {"STRING": T.StringType(), "TIMESTAMP": T.TimestampType(), "BIGINT": T.LongType(),
              "INT": T.IntegerType(), "DOUBLE": T.DoubleType(), "BOOLEAN": T.BooleanType()}
    columns = [*table.columns, *([(PARTITION, "STRING")] if with_partition and table.partitioned else [])]
    return T.StructType([T.StructField(name, by_sql[sql], True) for name, sql in columns])
