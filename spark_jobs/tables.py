"""The Hive tables of database ``fraud`` (names fixed by ARCHITECTURE.md), derived from the domain schema.

Column names and types come from ``TransactionEvent`` / ``Label`` and the feature definitions (a feature's
``dtype``), so a field added there appears here without a second declaration. Tables are Parquet,
Hive-format (readable by HiveServer2 and any Hive client), created idempotently by the job that writes them.

An existing table is compared with its declaration (``drift``) each time a job ensures it: declared columns
it lacks are added (``ALTER TABLE ADD COLUMNS``; rows written earlier read NULL there until rewritten), any
other difference - a column removed, renamed or retyped, other partitioning - stops the job with a
``SchemaDriftError`` naming the difference and the fix. Jobs write by column name (``insert_by_name``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from fraud_domain.features.definitions import ALL_FEATURES
from fraud_domain.schema import Label, TransactionEvent
from fraud_platform.lake import DATABASE, PARTITION
from spark_jobs.errors import SchemaDriftError

_SQL_TYPES: dict[object, str] = {str: "STRING", datetime: "TIMESTAMP", int: "BIGINT", float: "DOUBLE", bool: "BOOLEAN"}
_SMALL_INTS = {"schema_version", "scenario"}  # enumerations, not ids


@dataclass(frozen=True)
class Table:
    name: str  # without the database
    columns: tuple[tuple[str, str], ...]  # (name, SQL type), the partition column excluded
    partitioned: bool = True
    fix: str = "drop {table} and reload it from its sources"  # how to repair drift; {table} = qualified name

    @property
    def partition_columns(self) -> tuple[str, ...]:
        return (PARTITION,) if self.partitioned else ()

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


TRANSACTIONS = Table("transactions", _columns_of(TransactionEvent),
                     fix="drop {table} and reload it from /raw (load_day for every day you need)")
LABELS = Table("labels", _columns_of(Label), fix="drop {table} and reload it from /raw (load_day for every day)")
FEATURES = Table("features", (("transaction_id", "STRING"), ("event_time", "TIMESTAMP"),
                              ("customer_id", "BIGINT"), ("terminal_id", "BIGINT"),
                              *((f.name, f.sql_type) for f in ALL_FEATURES)),
                 fix="it is derived: DROP TABLE {table}, then rerun build_features for the days you need")
MODEL_METRICS = Table("model_metrics", (
    ("run_id", "STRING"), ("model_version", "STRING"), ("model_type", "STRING"), ("trained_at", "TIMESTAMP"),
    ("train_start", "STRING"), ("train_end", "STRING"), ("test_start", "STRING"), ("test_end", "STRING"),
    ("n_train", "BIGINT"), ("n_test", "BIGINT"), ("auc_roc", "DOUBLE"), ("average_precision", "DOUBLE"),
    ("card_precision_at_100", "DOUBLE"), ("train_seconds", "DOUBLE"), ("is_best", "BOOLEAN"),
    ("promoted", "BOOLEAN"), ("champion_version", "STRING"), ("champion_average_precision", "DOUBLE"),
), partitioned=False, fix="it holds the training history: migrate {table} by hand (ALTER TABLE) or rename it "
                          "away and let the next training run create it")
# The stream's decisions of a day, counted by outcome and reason (``spark_jobs.load_decisions``): a decision
# with several reasons counts once under each, one without any under ``NO_REASON``; labelled / frauds: those
# of them whose label had arrived when the day was counted.
DECISION_COUNTS = Table("decision_counts", (
    ("decision", "STRING"), ("reason", "STRING"), ("decisions", "BIGINT"), ("labelled", "BIGINT"),
    ("frauds", "BIGINT"),
), fix="it is derived: DROP TABLE {table}, then rerun load_decisions (decisions_daily) for the days you need")
NO_REASON = "none"
INGESTED = {"transactions": TRANSACTIONS, "labels": LABELS}


@dataclass(frozen=True)
class Drift:
    """How an existing table differs from its declaration (names compared ignoring case, as Hive does)."""

    table: str  # qualified name
    added: tuple[tuple[str, str], ...] = ()  # declared columns the table lacks: (name, SQL type)
    removed: tuple[tuple[str, str], ...] = ()  # table columns no longer declared: (name, type)
    retyped: tuple[tuple[str, str, str], ...] = ()  # (name, type in the table, declared type)
    partitions: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # (table's, declared) if they differ

    @property
    def additive(self) -> bool:
        """Only declared columns are missing: ``ALTER TABLE ADD COLUMNS`` brings the table up to date."""
        return not (self.removed or self.retyped or self.partitions)

    def __bool__(self) -> bool:
        return bool(self.added) or not self.additive

    def describe(self) -> str:
        """The differences, on one line (types upper-case, long lists cut)."""
        parts = []
        if self.removed:
            parts.append("not declared any more: " + _listed(f"{n} {t.upper()}" for n, t in self.removed))
        if self.retyped:
            parts.append("retyped: " + _listed(f"{n} {old.upper()} -> {new.upper()}" for n, old, new in self.retyped))
        if self.partitions:
            parts.append(f"partitioned by {list(self.partitions[0])}, declared {list(self.partitions[1])}")
        if self.added:
            parts.append("declared but missing: " + _listed(f"{n} {t.upper()}" for n, t in self.added))
        return "; ".join(parts)


def _listed(items: Iterable[str], limit: int = 8) -> str:
    shown = list(items)
    more = f" (+{len(shown) - limit} more)" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def drift(table: Table, existing: Sequence[tuple[str, str]], partitions: Sequence[str],
          database: str = DATABASE) -> Drift:
    """Compare an existing table's data columns ``(name, type)`` and partition columns with ``table``."""
    have = {name.lower(): (name, sql) for name, sql in existing}
    declared = {name.lower(): (name, sql) for name, sql in table.columns}
    added = tuple((name, sql) for key, (name, sql) in declared.items() if key not in have)
    removed = tuple((name, sql) for key, (name, sql) in have.items() if key not in declared)
    retyped = tuple((name, have[key][1], sql) for key, (name, sql) in declared.items()
                    if key in have and have[key][1].lower() != sql.lower())
    wanted = table.partition_columns
    same_partitions = [p.lower() for p in partitions] == [p.lower() for p in wanted]
    return Drift(table.qualified(database), added, removed, retyped,
                 None if same_partitions else (tuple(partitions), wanted))


def ensure_table(spark: Any, table: Table, database: str = DATABASE) -> Drift:
    """Create the database and ``table`` if missing; bring an existing one up to its declaration.

    Declared columns the table lacks are added; any other difference raises ``SchemaDriftError``.
    Returns the drift found (empty for a new or up-to-date table).
    """
    if not spark.catalog.databaseExists(database):  # asked to create an existing one, the metastore logs an ERROR
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {database}")
    spark.sql(table.ddl(database))
    qualified = table.qualified(database)
    columns = spark.catalog.listColumns(qualified)
    found = drift(table, [(c.name, c.dataType) for c in columns if not c.isPartition],
                  [c.name for c in columns if c.isPartition], database)
    if not found.additive:
        raise SchemaDriftError(f"{qualified} differs from its declaration ({found.describe()}); "
                               f"fix: {table.fix.format(table=qualified)}")
    if found.added:
        spark.sql(f"ALTER TABLE {qualified} ADD COLUMNS ({', '.join(f'`{n}` {t}' for n, t in found.added)})")
    return found


def insert_by_name(frame: Any, table: Table, database: str = DATABASE, *, overwrite: bool = False) -> None:
    """Write ``frame`` into ``table`` matching columns by name (``insertInto`` alone goes by position).

    ``frame`` must have exactly the table's columns (partition column included), in any order. A partitioned
    table gets one file per partition: rows are shuffled by the partition column first, so a day is written
    by one task instead of one file per task and day (58 days: 58 files instead of ~4 x 58, and a load of
    them in half the time: BENCHMARKS.md "Session 16").
    """
    qualified = table.qualified(database)
    target = frame.sparkSession.table(qualified).columns
    have, want = {c.lower() for c in frame.columns}, {c.lower() for c in target}
    if have != want:
        raise SchemaDriftError(f"cannot write {qualified}: the table lacks {sorted(have - want)}, the data lacks "
                               f"{sorted(want - have)}; run ensure_table first or fix the job")
    out = frame.select(*target)
    if table.partitioned:
        out = out.repartition(*table.partition_columns)
    out.write.insertInto(qualified, overwrite=overwrite)


def spark_schema(table: Table, *, with_partition: bool = False):
    """The table's columns as a Spark ``StructType`` (nullable: validation guarantees the values)."""
    from pyspark.sql import types as T

    by_sql = {"STRING": T.StringType(), "TIMESTAMP": T.TimestampType(), "BIGINT": T.LongType(),
              "INT": T.IntegerType(), "DOUBLE": T.DoubleType(), "BOOLEAN": T.BooleanType()}
    columns = [*table.columns, *([(PARTITION, "STRING")] if with_partition and table.partitioned else [])]
    return T.StructType([T.StructField(name, by_sql[sql], True) for name, sql in columns])
