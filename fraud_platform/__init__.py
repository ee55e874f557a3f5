"""The shared platform layer: what every process of the platform needs to find and talk to the engines.

Settings (read without side effects), the one answer to "where is each engine" (`endpoints`), logging,
client constructors and the cross-package contracts (model store, data-lake layout, Spark configuration).
It imports only `fraud_domain`; `consumers`, `spark_jobs`, `dags` and `apps` import it; the runtime
(`fraud_runtime`: install, supervise, CLI) sits on top of everything. `tests/unit/test_layers.py` keeps it so.
"""
