"""Superset reports as code: datasets on the Hive reporting views, charts and the "Fraud analytics" dashboard,
rendered as Superset's import bundle (``python -m apps.superset_reports.build`` writes ``superset/assets/``).

Not a package named ``superset``: ``fraudctl`` puts the checkout on ``PYTHONPATH``, and a top-level
``superset`` package there would shadow the real one inside Superset's own venv.
"""
