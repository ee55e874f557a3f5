"""The job side of `fraud_platform.spark`: how a job of `spark_jobs/` gets its SparkSession.

The caller (`fraud_platform.spark.run_job`, a DAG's operator) passes the endpoints as `--conf`; any it did
not pass are read from the platform settings here, at the job's entry point, once.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from fraud_platform.config import load_config
from fraud_platform.spark import ENDPOINT_KEYS, FIXED_CONF, endpoint_conf

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def job_session(app: str) -> SparkSession:
    """The job's SparkSession: Hive catalog, UTC, dynamic partition overwrite, endpoints from the caller."""
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    conf = SparkConf()
    missing = {k: v for k, v in FIXED_CONF.items() if not conf.contains(k)}
    if not all(conf.contains(key) for key in ENDPOINT_KEYS):
        config = load_config()
        missing.update({k: v for k, v in endpoint_conf(config.endpoints).items() if not conf.contains(k)})
        os.environ.setdefault("HADOOP_USER_NAME", config.settings.hdfs.user)
    for key, value in missing.items():
        conf.set(key, value)
    conf.setIfMissing("spark.app.name", app)
    spark = SparkSession.builder.config(conf=conf).enableHiveSupport().getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
