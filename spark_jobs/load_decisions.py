"""Count one day's stream decisions by outcome and reason into Hive ``fraud.decision_counts`` (the reports').

The decisions live in Cassandra. ``decision_labels`` holds each decision's outcome and reasons (and its label
once it arrives) in one partition per (UTC day, hour) of the event time, so a day is 24 bounded partition reads
in the driver - never a scan of ``fraud.decisions``. The counts (a few dozen rows) overwrite the day's ``dt``
partition, so a rerun after late decisions or labels replaces the day; a day without decisions drops it.
A decision with several reasons counts once under each; one without any under ``NO_REASON``. The model's
contributing features (``model:<feature>``) are detail of the ``model`` reason, shown on each alert, not
counted here. Cassandra unreachable -> ``ERROR: …``, exit code 2 (the DAG task retries).

Usage: ``spark-submit … spark_jobs/load_decisions.py --dt 2018-04-02 [--database fraud]``
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from spark_jobs.entry import iso_date, run
from spark_jobs.tables import NO_REASON

DETAIL = ":"  # "model:<feature>": a contributing feature of the model reason, not a reason of its own
HOURS = range(24)
Count = tuple[str, str, int, int, int]  # decision, reason, decisions, labelled, frauds


def count_decisions(rows: Iterable[tuple[str | None, Sequence[str] | None, bool | None]]) -> list[Count]:
    """``(decision, reasons, is_fraud)`` rows of ``decision_labels`` -> counts by (decision, reason), sorted.

    Rows without a decision (a label whose decision is not persisted yet) are not decisions: skipped."""
    decisions: Counter[tuple[str, str]] = Counter()
    labelled: Counter[tuple[str, str]] = Counter()
    frauds: Counter[tuple[str, str]] = Counter()
    for decision, reasons, is_fraud in rows:
        if decision is None:
            continue
        codes = sorted({r for r in (reasons or ()) if DETAIL not in r}) or [NO_REASON]
        for reason in codes:
            key = (decision, reason)
            decisions[key] += 1
            if is_fraud is not None:
                labelled[key] += 1
                frauds[key] += bool(is_fraud)
    return [(d, r, n, labelled[(d, r)], frauds[(d, r)]) for (d, r), n in sorted(decisions.items())]


def read_day(session: Any, day: date, table: str = "decision_labels") -> list[tuple]:
    """Every ``(decision, reasons, is_fraud)`` of ``day``'s 24 hour partitions (paged by the driver)."""
    select = session.prepare(f"SELECT decision, reasons, is_fraud FROM {table} WHERE day = ? AND hour = ?")
    found: list[tuple] = []
    for hour in HOURS:
        found.extend((row.decision, row.reasons, row.is_fraud) for row in session.execute(select, (day, hour)))
    return found


def read_from_cassandra(day: date) -> list[tuple]:
    """The day's rows from the platform's Cassandra (``MissingInputError`` when it does not answer)."""
    from fraud_platform.clients import cassandra_cluster
    from fraud_platform.config import load_config
    from spark_jobs.errors import MissingInputError

    endpoints = load_config().endpoints
    cluster = cassandra_cluster(endpoints.cassandra, login=endpoints.cassandra_login)
    try:
        try:
            session = cluster.connect("fraud")
        except Exception as exc:  # NoHostAvailable, OperationTimedOut: not reachable
            raise MissingInputError(f"Cassandra at {endpoints.cassandra} did not answer, so the decisions of {day} "
                                    f"cannot be read: {str(exc)[:200]}") from exc
        return read_day(session, day)
    finally:
        cluster.shutdown()


def write_day(spark: Any, day: date, counts: Sequence[Count], database: str) -> None:
    """Replace ``day``'s partition of ``decision_counts`` with ``counts`` (none: drop the partition)."""
    from fraud_platform.lake import PARTITION
    from spark_jobs.tables import DECISION_COUNTS, ensure_table, insert_by_name, spark_schema

    ensure_table(spark, DECISION_COUNTS, database)
    if not counts:
        spark.sql(f"ALTER TABLE {DECISION_COUNTS.qualified(database)} DROP IF EXISTS "
                  f"PARTITION ({PARTITION} = '{day.isoformat()}')")
        return
    frame = spark.createDataFrame([(*c, day.isoformat()) for c in counts],
                                  spark_schema(DECISION_COUNTS, with_partition=True))
    insert_by_name(frame, DECISION_COUNTS, database, overwrite=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Count one day's stream decisions (Cassandra decision_labels) "
                                                 "by outcome and reason into Hive fraud.decision_counts.")
    parser.add_argument("--dt", type=iso_date, required=True, help="the UTC day of the events, YYYY-MM-DD")
    parser.add_argument("--database", default="fraud", help="Hive database (default %(default)s)")
    args = parser.parse_args()

    def job() -> None:
        import json

        from fraud_platform.logs import get_logger
        from spark_jobs.session import job_session

        rows = read_from_cassandra(args.dt)  # before Spark starts: fail fast
        counts = count_decisions(rows)
        spark = job_session("fraud-load-decisions")
        try:
            write_day(spark, args.dt, counts, args.database)
        finally:
            spark.stop()
        decisions = sum(1 for decision, *_ in rows if decision is not None)
        get_logger("spark_jobs.load_decisions").info("counted", dt=str(args.dt), decisions=decisions,
                                                       rows=len(counts))
        print(json.dumps({"dt": args.dt.isoformat(), "decisions": decisions, "rows": len(counts)}), flush=True)

    run(job)


if __name__ == "__main__":
    main()
