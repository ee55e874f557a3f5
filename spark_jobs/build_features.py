"""spark-submit job: Hive ``fraud.transactions`` + ``fraud.labels`` -> ``fraud.features`` for days
``--start`` .. ``--end`` (inclusive), point-in-time correct (see ``spark_jobs.features``).

Each target day's features need its entities' history over the longest declared span (``retention``):
those earlier partitions are read too. A target day with no ``fraud.transactions`` partition, or a gap in
the history after the table's first day, is an error naming the missing partitions; history before the
first loaded day simply does not exist (the start of the data). The target days' partitions of
``fraud.features`` are overwritten, so a rerun replaces them. An existing ``fraud.features`` is first
brought up to the declared features (``tables.ensure_table``: new features are added as columns, any other
change stops the job) and written by column name.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta

from spark_jobs.entry import date_range, iso_date, run
from spark_jobs.errors import MissingInputError


def history_days(start: date) -> int:
    from fraud_domain.features.definitions import retention

    span = max(retention("customer"), retention("terminal"))
    return span.days + (1 if span % timedelta(days=1) else 0)


def missing_days(available: set[str], start: date, end: date) -> list[str]:
    """Days the job needs but ``available`` lacks: every target day, and history days after the first one."""
    first = min(available, default=None)
    wanted = date_range(start - timedelta(days=history_days(start)), end)
    return [d.isoformat() for d in wanted
            if d.isoformat() not in available and (d >= start or (first is not None and d.isoformat() > first))]


def build(spark, start: date, end: date, database: str) -> int:
    from pyspark.sql import functions as F

    from spark_jobs.features import TX_COLUMNS, compute_features
    from spark_jobs.tables import FEATURES, LABELS, PARTITION, TRANSACTIONS, ensure_table, insert_by_name

    for table in (TRANSACTIONS, LABELS, FEATURES):
        ensure_table(spark, table, database)
    tx_table, features_table = TRANSACTIONS.qualified(database), FEATURES.qualified(database)
    available = {row[0].split("=", 1)[1] for row in spark.sql(f"SHOW PARTITIONS {tx_table}").collect()}
    missing = missing_days(available, start, end)
    if missing:
        raise MissingInputError(f"{tx_table} lacks partition(s) dt={', dt='.join(missing)}: "
                                f"load them before building features for {start}..{end}")
    first = (start - timedelta(days=history_days(start))).isoformat()
    tx = spark.table(tx_table).where(F.col(PARTITION).between(first, end.isoformat()))
    labels = spark.table(LABELS.qualified(database)).select("transaction_id", "is_fraud", "reported_at")
    features = compute_features(tx.select(*TX_COLUMNS), labels)
    out = (features.withColumn(PARTITION, F.date_format("event_time", "yyyy-MM-dd"))
           .where(F.col(PARTITION).between(start.isoformat(), end.isoformat()))
           .select(*FEATURES.column_names, PARTITION))
    insert_by_name(out, FEATURES, database, overwrite=True)
    return spark.table(features_table).where(F.col(PARTITION).between(start.isoformat(), end.isoformat())).count()


def main() -> None:
    parser = argparse.ArgumentParser(description="Build fraud.features for a range of days from the one "
                                                 "feature definition (fraud_domain.features.definitions).")
    parser.add_argument("--start", type=iso_date, required=True, help="first target day, YYYY-MM-DD")
    parser.add_argument("--end", type=iso_date, required=True, help="last target day (inclusive)")
    parser.add_argument("--database", default="fraud", help="Hive database (default %(default)s)")
    args = parser.parse_args()
    if args.end < args.start:
        parser.error(f"--end {args.end} is before --start {args.start}")

    def job() -> None:
        from fraud_platform.logs import get_logger
        from spark_jobs.session import job_session

        spark = job_session("fraud-build-features")
        try:
            rows = build(spark, args.start, args.end, args.database)
        finally:
            spark.stop()
        get_logger("spark_jobs.build_features").info("built", start=str(args.start), end=str(args.end), rows=rows)
        print(f'{{"start": "{args.start}", "end": "{args.end}", "rows": {rows}}}', flush=True)

    run(job)


if __name__ == "__main__":
    main()
