"""Data-quality checks of loaded days of ``fraud.<kind>`` (the rules are ``spark_jobs.quality``).

Checks per day: rows accounted for against the API's total (from the extract's manifest), no null keys, no
duplicate ``transaction_id``, the table's schema. The load jobs run them in their own Spark session right
after writing (``spark_jobs.ingest_main``); this job re-checks days already loaded. Any problem ->
``ERROR: …`` and exit code 2.
Usage: ``spark-submit … spark_jobs/check_quality.py [--kind transactions] --dt 2018-05-02 [--until …]``
(no ``--kind``: both tables, in one Spark session).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date

from spark_jobs.entry import date_range, iso_date, run

KEYS = {"transactions": ("transaction_id", "event_time", "customer_id", "terminal_id"),
        "labels": ("transaction_id", "event_time", "is_fraud", "reported_at")}


def check_days(spark, kind: str, days: Sequence[date], where) -> list[dict]:
    """Check every day of ``days`` with two Spark scans (raw lines, table facts) grouped by day; returns one
    report per day or raises ``QualityError`` naming every failing day and problem. ``where`` is an
    ``ingest.Locations``."""
    from pyspark.sql import functions as F

    from fraud_platform.lake import COUNTS_FILE, MANIFEST_FILE, quarantine_dir, raw_dir
    from spark_jobs import quality
    from spark_jobs.errors import MissingInputError, QualityError
    from spark_jobs.hdfs_files import HadoopFiles
    from spark_jobs.tables import INGESTED, PARTITION

    files, table = HadoopFiles(spark), INGESTED[kind]
    manifests, loads = {}, {}
    for dt in days:
        manifest_path = f"{raw_dir(kind, dt, where.raw_root)}/{MANIFEST_FILE}"
        counts_path = f"{quarantine_dir(kind, dt, where.quarantine_root)}/{COUNTS_FILE}"
        for path in (manifest_path, counts_path):
            if not files.exists(path):
                raise MissingInputError(f"{path} does not exist: run the extract and the load for {dt} first")
        manifests[dt] = json.loads(files.read_text(manifest_path))
        loads[dt] = json.loads(files.read_text(counts_path))

    by_day = F.regexp_extract(F.input_file_name(), r"/dt=(\d{4}-\d{2}-\d{2})/", 1)
    raw_rows = {r["dt"]: int(r["count"]) for r in
                spark.read.text([raw_dir(kind, dt, where.raw_root) for dt in days])
                .where(F.trim("value") != "").groupBy(by_day.alias("dt")).count().collect()}
    loaded = spark.table(table.qualified(where.database)).where(F.col(PARTITION).isin([d.isoformat() for d in days]))
    facts = {r[PARTITION]: r for r in loaded.groupBy(PARTITION).agg(
        F.count(F.lit(1)).alias("rows"),
        (F.count(F.lit(1)) - F.countDistinct("transaction_id")).alias("dupes"),
        *(F.sum(F.col(k).isNull().cast("int")).alias(k) for k in KEYS[kind])).collect()}
    actual = [(f.name, f.dataType.simpleString()) for f in loaded.schema.fields if f.name != PARTITION]
    expected = [(n, t.replace("BIGINT", "bigint").replace("INT", "int")) for n, t in table.columns]
    schema_problems = quality.check_schema(expected, actual)

    reports, failures = [], []
    for dt in days:
        day = facts.get(dt.isoformat())
        hive_rows = int(day["rows"]) if day else 0
        problems = [
            *quality.check_counts(api_total=int(manifests[dt]["total"]), raw_rows=raw_rows.get(dt.isoformat(), 0),
                                  hive_rows=hive_rows, load=loads[dt]),
            *quality.check_nulls({k: int(day[k] or 0) if day else 0 for k in KEYS[kind]}),
            *quality.check_unique(int(day["dupes"]) if day else 0),
            *schema_problems,
        ]
        if problems:
            failures.append(f"{table.qualified(where.database)} dt={dt}: " + "; ".join(problems))
        reports.append({"kind": kind, "dt": dt.isoformat(), "api_total": manifests[dt]["total"],
                        "hive_rows": hive_rows})
    if failures:
        raise QualityError(" | ".join(failures))
    return reports


def main() -> None:
    from fraud_platform.lake import QUARANTINE_ROOT, RAW_ROOT, Locations

    parser = argparse.ArgumentParser(description="Data-quality checks of loaded days (re-check; the loads "
                                                 "already run them).")
    parser.add_argument("--kind", choices=sorted(KEYS), action="append",
                        help="transactions or labels; repeat for both (default: both, in one Spark session)")
    parser.add_argument("--dt", type=iso_date, required=True, help="the (first) day, YYYY-MM-DD")
    parser.add_argument("--until", type=iso_date, help="check every day from --dt to this date (inclusive)")
    parser.add_argument("--database", default="fraud")
    parser.add_argument("--raw-root", default=RAW_ROOT)
    parser.add_argument("--quarantine-root", default=QUARANTINE_ROOT)
    args = parser.parse_args()
    if args.until and args.until < args.dt:
        parser.error(f"--until {args.until} is before --dt {args.dt}")

    def job() -> None:
        from spark_jobs.session import job_session

        kinds = args.kind or list(KEYS)
        spark = job_session(f"fraud-check-{'-'.join(kinds)}")
        where = Locations(args.database, args.raw_root, args.quarantine_root)
        try:
            reports = [report for kind in kinds
                       for report in check_days(spark, kind, date_range(args.dt, args.until or args.dt), where)]
        finally:
            spark.stop()
        for report in reports:
            print(json.dumps(report), flush=True)

    run(job)


if __name__ == "__main__":
    main()
