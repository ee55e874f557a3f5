"""Shared fraud-detection domain: event schemas, tokenisation, geography, features and the simulator.

Pure Python (numpy/pandas for the simulator only): no service clients and no I/O, so both the Spark jobs
(batch) and the Kafka scorer (stream) import the same definitions. Import from the submodules, e.g.
``from fraud_domain.schema import parse_event`` or ``from fraud_domain.features import FEATURE_NAMES``.
"""
