"""spark-submit job: one DAG run's lake work — ``/raw/transactions`` and ``/raw/labels`` of a day into Hive
``fraud.transactions`` and ``fraud.labels``, each followed by its quality checks, in one Spark session.

Usage: ``spark-submit … spark_jobs/load_day.py --dt 2018-05-02 [--until …] [--max-bad-ratio 0.01]``.
"""

from spark_jobs.ingest_main import main

if __name__ == "__main__":
    main(("transactions", "labels"))
