"""Command line of the load jobs (``load_transactions.py``, ``load_labels.py``, ``load_day.py``).

One Spark session loads every requested kind for every requested day (``spark_jobs.ingest``) and then runs
the data-quality checks on what it wrote (``spark_jobs.check_quality``), so a DAG run pays the JVM and
Hive start-up once. Prints one JSON line per kind and day: the load counts plus ``api_total`` and
``checked``; once every day is loaded and checked, adds its rows to the StatsD row counters
(``spark_jobs.batch_metrics``: a failed try counts nothing, so Airflow's retries do not count twice).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from fraud_platform.lake import QUARANTINE_ROOT, RAW_ROOT, Locations
from spark_jobs.entry import date_range, iso_date, run
from spark_jobs.tables import DATABASE
from spark_jobs.validate import Kind

DEFAULT_MAX_BAD_RATIO = 0.01


def main(kinds: Sequence[Kind]) -> None:
    tables = " and ".join(f"fraud.{kind}" for kind in kinds)
    parser = argparse.ArgumentParser(
        description=f"Load raw {'/'.join(kinds)} JSONL of one day (or a range) into Hive {tables}, then check "
                    "the data quality of what was written.")
    parser.add_argument("--dt", type=iso_date, required=True, help="the (first) partition date, YYYY-MM-DD (UTC)")
    parser.add_argument("--until", type=iso_date, help="load every day from --dt to this date (inclusive)")
    parser.add_argument("--max-bad-ratio", type=float, default=DEFAULT_MAX_BAD_RATIO,
                        help="fail when more than this share of rows is quarantined (default %(default)s)")
    parser.add_argument("--skip-checks", action="store_true",
                        help="do not run the quality checks after the load (check_quality.py runs them alone)")
    parser.add_argument("--database", default=DATABASE, help="Hive database (default %(default)s)")
    parser.add_argument("--raw-root", default=RAW_ROOT, help="HDFS root of the raw JSONL (default %(default)s)")
    parser.add_argument("--quarantine-root", default=QUARANTINE_ROOT, help="HDFS root for rejected rows")
    args = parser.parse_args()
    if args.until and args.until < args.dt:
        parser.error(f"--until {args.until} is before --dt {args.dt}")

    def job() -> None:
        from fraud_platform.config import load_config
        from fraud_platform.logs import get_logger
        from spark_jobs.batch_metrics import report_rows
        from spark_jobs.check_quality import check_days
        from spark_jobs.ingest import load_days
        from spark_jobs.report_views import ensure_report_views
        from spark_jobs.session import job_session

        statsd = load_config().endpoints.statsd
        days = date_range(args.dt, args.until or args.dt)
        where = Locations(args.database, args.raw_root, args.quarantine_root)
        spark = job_session(f"fraud-load-{'-'.join(kinds)}")
        results = []
        try:
            for kind in kinds:
                counts = load_days(spark, kind, days, max_bad_ratio=args.max_bad_ratio, where=where)
                if not args.skip_checks:
                    for c, report in zip(counts, check_days(spark, kind, days, where), strict=True):
                        c.api_total, c.checked = report["api_total"], True
                results.extend(counts)
            ensure_report_views(spark, args.database)  # Superset's reporting shapes over what was loaded
        finally:
            spark.stop()
        log = get_logger("spark_jobs.ingest")
        for c in results:
            log.info("loaded", **c.__dict__)
            print(c.to_json(), flush=True)
            report_rows(c.kind, c.written, c.quarantined, address=statsd)

    run(job)
