"""Batch layer: the Spark jobs the ``dags/`` run through spark-submit, and the small pure-Python helpers
(extract, quality rules, metrics) they and the DAGs share. See ``spark_jobs/README.md``.

This package's ``__init__`` imports nothing, so ``spark_jobs.extract`` stays importable in the Airflow venv
(stdlib + requests) without pyspark.
"""
