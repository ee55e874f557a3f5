"""The Hive reporting views' declarations (spark_jobs/report_views.py); their SQL runs against Spark in the
integration tier (the load job creates them and checks each yields its declared columns)."""

from __future__ import annotations

import re

from spark_jobs.report_views import REPORTED_TABLES, VIEWS
from spark_jobs.tables import LABELS, TRANSACTIONS


def test_each_view_selects_from_the_declared_tables_in_the_given_database() -> None:
    for view in VIEWS:
        ddl = view.ddl("sandbox")
        assert ddl.startswith(f"CREATE OR REPLACE VIEW sandbox.{view.name} AS SELECT ")
        assert "{" not in ddl and "fraud." not in ddl, view.name
        assert set(re.findall(r"sandbox\.(\w+)", ddl)) - {view.name} <= {TRANSACTIONS.name, LABELS.name}


def test_each_declared_column_is_named_in_the_select() -> None:
    for view in VIEWS:
        ddl = view.ddl()
        for column in view.column_names:
            assert re.search(rf"\b{column}\b", ddl), (view.name, column)


def test_names_are_unique() -> None:
    names = [table.name for table in REPORTED_TABLES]
    assert len(names) == len(set(names))
