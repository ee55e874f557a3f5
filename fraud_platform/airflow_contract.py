"""What the runtime gives every Airflow process and what the DAGs read: connection ids and environment
names. The runtime renders them (`fraud_runtime.airflow_config`); `dags/support.py` uses them."""

from __future__ import annotations

API_CONN_ID = "fraud_api"  # HTTP: host, port, password = the API's bearer token
WEBHDFS_CONN_ID = "fraud_webhdfs"  # host, port, login = HDFS user
SPARK_CONN_ID = "spark_default"  # host = the Spark master
SUPERSET_CONN_ID = "fraud_superset"  # HTTP: host, port, login/password = Superset's admin from .env
SMTP_CONN_ID = "smtp_default"  # what Airflow's failure e-mails use
PLATFORM_PYTHON_ENV = "FRAUD_PLATFORM_PYTHON"  # the platform venv's python: Spark jobs run with it
ALERT_EMAIL_ENV = "FRAUD_ALERT_EMAIL"  # comma-separated recipients of failure e-mails
DEFAULT_ALERT_EMAIL = "fraud-alerts@localhost"
TASK_RETRIES_ENV = "FRAUD_TASK_RETRIES"  # AIRFLOW_TASK_RETRIES, for default_args
DEFAULT_TASK_RETRIES = 2
BOOTSTRAP_DAG_ID = "bootstrap_history"  # the first champion; `up` triggers it (AIRFLOW_BOOTSTRAP_HISTORY)
CANARY_DAG_ID = "platform_canary"  # hourly health run of the batch machinery; `up` unpauses it
SUPERSET_REFRESH_DAG_ID = "superset_refresh"  # after each load or training: Superset's datasets and chart caches
DECISIONS_DAG_ID = "decisions_daily"  # the stream's decisions of each day, counted into Hive for the reports
