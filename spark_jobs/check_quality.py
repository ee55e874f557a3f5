"""spark-submit job: data-quality checks of one loaded day of ``fraud.<kind>`` (see ``spark_jobs.quality``).

Checks: rows accounted for against the API's total (from the extract's manifest), no null keys, no
duplicate ``transaction_id``, the table's schema. Any problem -> ``ERROR: …`` and exit code 2.
Usage: ``spark-submit … spark_jobs/check_quality.py --kind transactions --dt 2018-05-02``.
"""

from __future__ import annotations

import argparse
import json

from spark_jobs.entry import iso_date, run

KEYS = {"transactions": ("transaction_id", "event_time", "customer_id", "terminal_id"),
        "labels": ("transaction_id", "event_time", "is_fraud", "reported_at")}


def check(spark, kind: str, dt, database: str, raw_root: str, quarantine_root: str) -> dict:
    from pyspark.sql import functions as F

    from spark_jobs import quality
    from spark_jobs.errors import MissingInputError, QualityError
    from spark_jobs.hdfs_files import HadoopFiles
    from spark_jobs.ingest import COUNTS_FILE, quarantine_dir, raw_dir
    from spark_jobs.tables import INGESTED, PARTITION

    files, table = HadoopFiles(spark), INGESTED[kind]
    manifest_path = f"{raw_dir(kind, dt, raw_root)}/{quality.MANIFEST_FILE}"
    counts_path = f"{quarantine_dir(kind, dt, quarantine_root)}/{COUNTS_FILE}"
    for path in (manifest_path, counts_path):
        if not files.exists(path):
            raise MissingInputError(f"{path} does not exist: run the extract and the load for {dt} first")
    manifest, load = json.loads(files.read_text(manifest_path)), json.loads(files.read_text(counts_path))
    raw_rows = (spark.read.text(raw_dir(kind, dt, raw_root)).where(F.trim("value") != "").count())
    day = spark.table(table.qualified(database)).where(F.col(PARTITION) == dt.isoformat())
    facts = day.agg(F.count(F.lit(1)).alias("rows"),
                    (F.count(F.lit(1)) - F.countDistinct("transaction_id")).alias("dupes"),
                    *(F.sum(F.col(k).isNull().cast("int")).alias(k) for k in KEYS[kind])).first()
    actual = [(f.name, f.dataType.simpleString()) for f in day.schema.fields if f.name != PARTITION]
    expected = [(n, t.replace("BIGINT", "bigint").replace("INT", "int")) for n, t in table.columns]
    problems = [
        *quality.check_counts(api_total=int(manifest["total"]), raw_rows=raw_rows, hive_rows=int(facts["rows"]),
                              load=load),
        *quality.check_nulls({k: int(facts[k] or 0) for k in KEYS[kind]}),
        *quality.check_unique(int(facts["dupes"])),
        *quality.check_schema(expected, actual),
    ]
    if problems:
        raise QualityError(f"{table.qualified(database)} dt={dt}: " + "; ".join(problems))
    return {"kind": kind, "dt": dt.isoformat(), "api_total": manifest["total"], "hive_rows": facts["rows"]}


def main() -> None:
    from spark_jobs.ingest import QUARANTINE_ROOT, RAW_ROOT

    parser = argparse.ArgumentParser(description="Data-quality checks of one loaded day.")
    parser.add_argument("--kind", choices=sorted(KEYS), required=True)
    parser.add_argument("--dt", type=iso_date, required=True)
    parser.add_argument("--database", default="fraud")
    parser.add_argument("--raw-root", default=RAW_ROOT)
    parser.add_argument("--quarantine-root", default=QUARANTINE_ROOT)
    args = parser.parse_args()

    def job() -> None:
        from spark_jobs.session import job_session

        spark = job_session(f"fraud-check-{args.kind}")
        try:
            report = check(spark, args.kind, args.dt, args.database, args.raw_root, args.quarantine_root)
        finally:
            spark.stop()
        print(json.dumps(report), flush=True)

    run(job)


if __name__ == "__main__":
    main()
