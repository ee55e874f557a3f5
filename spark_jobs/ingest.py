"""Raw JSONL on HDFS -> validated, deduplicated Parquet in Hive ``fraud.<kind>``, one partition per day.

Steps (a rerun of a day repeats them all and ends in the same state):

1. Read ``/raw/<kind>/dt=<dt>/`` for each requested day (files starting with ``_``, such as the extract's
   manifest, are skipped); a missing day is an error naming its folder.
2. Validate every non-blank line with the domain parser (``spark_jobs.validate``).
3. Deduplicate valid rows by ``transaction_id`` within the day (first in file order wins; a duplicate with
   different content is quarantined, an exact repeat is only counted).
4. Replace ``/quarantine/<kind>/dt=<dt>/`` with the rejected rows (field, reason, raw line) and
   ``_counts.json``; fail (``QualityError``) if a day's rejected share exceeds ``max_bad_ratio``.
5. Overwrite the days' partitions of the Hive table (dynamic partition overwrite): a rerun replaces them,
   and a day left with no valid row has its partition dropped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

from fraud_platform.lake import COUNTS_FILE, Locations, quarantine_dir, raw_dir
from spark_jobs.errors import MissingInputError, QualityError
from spark_jobs.hdfs_files import HadoopFiles
from spark_jobs.tables import INGESTED, PARTITION, ensure_table, insert_by_name, spark_schema
from spark_jobs.validate import Kind, validate_frames


@dataclass
class LoadCounts:
    """What happened to one day's rows: ``read == written + duplicates + quarantined``."""

    kind: str
    dt: str
    read: int = 0  # non-blank lines
    written: int = 0  # rows now in the Hive partition
    duplicates: int = 0  # exact repeats of a written row, dropped
    quarantined: int = 0  # malformed rows + conflicting duplicates
    by_field: dict[str, int] = field(default_factory=dict)
    max_bad_ratio: float = 0.0
    api_total: int | None = None  # set when the quality checks ran (``check_quality.check_days``) ...
    checked: bool = False  # ... and passed

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def load_days(spark, kind: Kind, days: Sequence[date], *, max_bad_ratio: float, where: Locations = Locations(),
              now: datetime | None = None) -> list[LoadCounts]:
    """Run steps 1-5 for ``days``; returns their counts (also written to each quarantine folder)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    table = INGESTED[kind]
    files = HadoopFiles(spark)
    sources = [raw_dir(kind, dt, where.raw_root) for dt in days]
    missing = [path for path in sources if not files.exists(path)]
    if missing:
        raise MissingInputError(f"raw partition(s) missing on HDFS: {', '.join(missing)} — run the extract first")
    now = now or datetime.now(UTC)

    # Step 1
    lines = (spark.read.text(sources).where(F.trim("value") != "")
             .withColumn(PARTITION, F.regexp_extract(F.input_file_name(), r"/dt=(\d{4}-\d{2}-\d{2})/", 1))
             .withColumn("_order", F.monotonically_increasing_id()))
    # Step 2
    out_schema = spark_schema(table).add(PARTITION, "string", True)
    for name in ("_order", "_field", "_reason", "_raw"):
        out_schema = out_schema.add(name, "long" if name == "_order" else "string", True)
    columns = list(table.columns)
    checked = lines.mapInPandas(lambda frames: validate_frames(kind, frames, columns, now=now), out_schema).cache()
    # Step 3
    first = Window.partitionBy(PARTITION, "transaction_id").orderBy("_order")
    valid = (checked.where(F.col("_reason").isNull())
             .withColumn("_rank", F.row_number().over(first))
             .withColumn("_payload", F.to_json(F.struct(*table.column_names)))
             .withColumn("_first_payload", F.first("_payload").over(first)))
    conflicts = (valid.where((F.col("_rank") > 1) & (F.col("_payload") != F.col("_first_payload")))
                 .select(PARTITION, "_order", F.lit("transaction_id").alias("_field"),
                         F.lit("transaction_id: duplicate with different content").alias("_reason"),
                         F.col("_payload").alias("_raw")))
    rejected = (checked.where(F.col("_reason").isNotNull()).select(PARTITION, "_order", "_field", "_reason", "_raw")
                .unionByName(conflicts).cache())
    keep = valid.where(F.col("_rank") == 1).select(*table.column_names, PARTITION).cache()

    counts = {dt.isoformat(): LoadCounts(kind=kind, dt=dt.isoformat(), max_bad_ratio=max_bad_ratio) for dt in days}
    for row in checked.groupBy(PARTITION).count().collect():
        counts[row[PARTITION]].read = int(row["count"])
    for row in keep.groupBy(PARTITION).count().collect():
        counts[row[PARTITION]].written = int(row["count"])
    for row in rejected.groupBy(PARTITION, "_field").count().collect():
        counts[row[PARTITION]].by_field[row["_field"]] = int(row["count"])
    for c in counts.values():
        c.quarantined = sum(c.by_field.values())
        c.duplicates = c.read - c.written - c.quarantined

    # Step 4
    for dt in days:
        files.delete(quarantine_dir(kind, dt, where.quarantine_root))
    if any(c.quarantined for c in counts.values()):
        (rejected.select(PARTITION, F.col("_field").alias("field"), F.col("_reason").alias("reason"),
                         F.col("_raw").alias("raw"), "_order")
         .repartition(PARTITION).sortWithinPartitions("_order").drop("_order")
         .write.partitionBy(PARTITION).mode("append").json(f"{where.quarantine_root}/{kind}"))
    files.write_texts({f"{quarantine_dir(kind, dt, where.quarantine_root)}/{COUNTS_FILE}":
                       counts[dt.isoformat()].to_json() + "\n" for dt in days})
    too_bad = [c for c in counts.values() if c.read and c.quarantined / c.read > max_bad_ratio]
    if too_bad:
        raise QualityError("; ".join(
            f"{c.quarantined} of {c.read} {kind} rows for {c.dt} are malformed ({c.quarantined / c.read:.2%} > "
            f"max {max_bad_ratio:.2%}, by field {c.by_field}); "
            f"see {quarantine_dir(kind, date.fromisoformat(c.dt), where.quarantine_root)}/"
            for c in too_bad))

    # Step 5
    ensure_table(spark, table, where.database)
    if any(c.written for c in counts.values()):
        insert_by_name(keep, table, where.database, overwrite=True)
    for c in counts.values():
        if not c.written:
            spark.sql(f"ALTER TABLE {table.qualified(where.database)} DROP IF EXISTS PARTITION ({PARTITION}='{c.dt}')")
    for frame in (checked, rejected, keep):
        frame.unpersist()
    return [counts[dt.isoformat()] for dt in days]
