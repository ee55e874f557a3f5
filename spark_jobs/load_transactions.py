"""spark-submit job: ``/raw/transactions/dt=<dt>/`` JSONL -> Hive ``fraud.transactions`` partition ``dt``.

Usage: ``spark-submit … spark_jobs/load_transactions.py --dt 2018-05-02 [--max-bad-ratio 0.01]``.
Prints the load counts as one JSON line on stdout. See ``spark_jobs.ingest`` for the steps.
"""

from spark_jobs.ingest_main import main

if __name__ == "__main__":
    main(("transactions",))
