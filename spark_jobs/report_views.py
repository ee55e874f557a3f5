"""The reporting shapes of database ``fraud``: Hive views over the batch tables, read by Superset's datasets.

Each view is declared once here - name, columns (name, SQL type) and the SELECT that makes it - and created
(``CREATE OR REPLACE VIEW``) by the batch jobs that write its source tables, so a chart never carries SQL of
its own: it groups and sums a view's columns. ``apps/superset_reports`` builds its datasets from these
declarations. A view whose SELECT no longer yields the declared columns stops the job that creates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fraud_domain.schema.label import FraudScenario
from fraud_platform.lake import DATABASE
from spark_jobs.errors import SchemaDriftError
from spark_jobs.tables import DECISION_COUNTS, LABELS, MODEL_METRICS, TRANSACTIONS, Table

FRAUD, LEGITIMATE = "fraud", "legitimate"  # values of the ``outcome`` columns
AMOUNT_BAND = 10  # width of an amount band (currency units); the last band holds everything from AMOUNT_CAP
AMOUNT_CAP = 300


@dataclass(frozen=True)
class ReportView:
    name: str  # without the database
    columns: tuple[tuple[str, str], ...]  # (name, Spark SQL type), in SELECT order
    sources: tuple[Table, ...]  # created only once all of these exist
    select: str  # {db} = the database; {t}/{l} = transactions / labels

    def qualified(self, database: str = DATABASE) -> str:
        return f"{database}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def ddl(self, database: str = DATABASE) -> str:
        select = self.select.format(db=database, t=TRANSACTIONS.qualified(database), l=LABELS.qualified(database))
        return f"CREATE OR REPLACE VIEW {self.qualified(database)} AS {select}"


def _scenario_name(column: str) -> str:
    cases = " ".join(f"WHEN {s.value} THEN '{s.name.lower()}'" for s in FraudScenario)
    return f"CASE {column} {cases} ELSE 'unknown' END"


# One row per transaction with its label (NULL until the label is loaded): what every other view groups.
_LABELLED = ("SELECT t.dt, t.event_time, t.terminal_id, t.amount, l.is_fraud, l.scenario "
             "FROM {t} t LEFT JOIN {l} l ON l.transaction_id = t.transaction_id AND l.dt = t.dt")

DAILY = ReportView(
    "report_daily",
    (("dt", "STRING"), ("day", "DATE"), ("transactions", "BIGINT"), ("labelled", "BIGINT"),
     ("frauds", "BIGINT"), ("amount", "DOUBLE")),
    (TRANSACTIONS, LABELS),
    "SELECT dt, to_date(dt) AS day, COUNT(*) AS transactions, COUNT(is_fraud) AS labelled, "
    "CAST(SUM(CASE WHEN is_fraud THEN 1 ELSE 0 END) AS BIGINT) AS frauds, SUM(amount) AS amount "
    f"FROM ({_LABELLED}) x GROUP BY dt",
)
HOURLY = ReportView(
    "report_hourly",
    (("dt", "STRING"), ("hour_of_day", "INT"), ("transactions", "BIGINT"), ("labelled", "BIGINT"),
     ("frauds", "BIGINT")),
    (TRANSACTIONS, LABELS),
    "SELECT dt, hour(event_time) AS hour_of_day, COUNT(*) AS transactions, COUNT(is_fraud) AS labelled, "
    "CAST(SUM(CASE WHEN is_fraud THEN 1 ELSE 0 END) AS BIGINT) AS frauds "
    f"FROM ({_LABELLED}) x GROUP BY dt, hour(event_time)",
)
BY_SCENARIO = ReportView(
    "report_fraud_by_scenario",
    (("dt", "STRING"), ("scenario", "INT"), ("scenario_name", "STRING"), ("frauds", "BIGINT"),
     ("amount", "DOUBLE")),
    (TRANSACTIONS, LABELS),
    f"SELECT l.dt, l.scenario, {_scenario_name('l.scenario')} AS scenario_name, COUNT(*) AS frauds, "
    "SUM(t.amount) AS amount FROM {l} l LEFT JOIN {t} t ON t.transaction_id = l.transaction_id AND t.dt = l.dt "
    "WHERE l.is_fraud GROUP BY l.dt, l.scenario",
)
AMOUNTS = ReportView(
    "report_amount_distribution",
    (("amount_band", "INT"), ("outcome", "STRING"), ("transactions", "BIGINT"), ("share", "DOUBLE")),
    (TRANSACTIONS, LABELS),
    f"SELECT amount_band, outcome, transactions, transactions / SUM(transactions) OVER (PARTITION BY outcome) "
    f"AS share FROM (SELECT CAST(LEAST(FLOOR(amount / {AMOUNT_BAND}) * {AMOUNT_BAND}, {AMOUNT_CAP}) AS INT) "
    f"AS amount_band, CASE WHEN is_fraud THEN '{FRAUD}' ELSE '{LEGITIMATE}' END AS outcome, COUNT(*) AS "
    f"transactions FROM ({_LABELLED}) x WHERE is_fraud IS NOT NULL GROUP BY 1, 2) b",
)
TERMINALS = ReportView(
    "report_terminal_risk",
    (("terminal_id", "BIGINT"), ("transactions", "BIGINT"), ("frauds", "BIGINT"), ("fraud_rate", "DOUBLE"),
     ("amount", "DOUBLE"), ("last_dt", "STRING")),
    (TRANSACTIONS, LABELS),
    "SELECT terminal_id, COUNT(*) AS transactions, "
    "CAST(SUM(CASE WHEN is_fraud THEN 1 ELSE 0 END) AS BIGINT) AS frauds, "
    "CAST(AVG(CASE WHEN is_fraud THEN 1 ELSE 0 END) AS DOUBLE) AS fraud_rate, SUM(amount) AS amount, "
    "MAX(dt) AS last_dt "
    f"FROM ({_LABELLED}) x WHERE is_fraud IS NOT NULL GROUP BY terminal_id",
)
VIEWS = (DAILY, HOURLY, BY_SCENARIO, AMOUNTS, TERMINALS)
# Superset's datasets: the views, plus the training history and the decision counts as they are (no reshaping
# needed).
REPORTED_TABLES: tuple[Table | ReportView, ...] = (*VIEWS, MODEL_METRICS, DECISION_COUNTS)


def _exists(spark: Any, qualified: str) -> bool:
    return bool(spark.catalog.tableExists(qualified))


def ensure_report_views(spark: Any, database: str = DATABASE, views: Sequence[ReportView] = VIEWS) -> list[str]:
    """Create or replace every view whose source tables exist; check each yields its declared columns.

    Returns the qualified names of the views created. Raises ``SchemaDriftError`` on a column mismatch.
    """
    made = []
    for view in views:
        if not all(_exists(spark, source.qualified(database)) for source in view.sources):
            continue
        spark.sql(view.ddl(database))
        found = [(f.name, f.dataType.simpleString().upper()) for f in spark.table(view.qualified(database)).schema]
        if [(n, t.upper()) for n, t in view.columns] != found:
            raise SchemaDriftError(f"view {view.qualified(database)} yields {found}, declared {list(view.columns)}; "
                                   "fix the declaration or its SELECT in spark_jobs/report_views.py")
        made.append(view.qualified(database))
    return made
