"""spark-submit job: ``/raw/labels/dt=<dt>/`` JSONL -> Hive ``fraud.labels`` partition ``dt``.

Usage: ``spark-submit … spark_jobs/load_labels.py --dt 2018-05-02 [--max-bad-ratio 0.01]``.
"""

from spark_jobs.ingest_main import main

if __name__ == "__main__":
    main(("labels",))
