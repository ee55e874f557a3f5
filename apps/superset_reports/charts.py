"""What the "Fraud analytics" dashboard shows: one declaration per chart, over the reporting views of
``spark_jobs.report_views`` (and ``fraud.model_metrics``). A chart groups and aggregates a dataset's
columns; ratios are dataset metrics (``DATASET_METRICS``), so no chart carries SQL of its own."""

from __future__ import annotations

from dataclasses import dataclass

from spark_jobs.report_views import AMOUNTS, BY_SCENARIO, DAILY, HOURLY, TERMINALS, ReportView
from spark_jobs.tables import DECISION_COUNTS, MODEL_METRICS, Table

Dataset = ReportView | Table

# Metrics stored on a dataset (name -> SQL over its columns): what a plain SUM cannot express.
FRAUD_RATE = "fraud_rate"
DATASET_METRICS: dict[str, dict[str, str]] = {
    DAILY.name: {FRAUD_RATE: "SUM(frauds) / NULLIF(SUM(labelled), 0)"},
    HOURLY.name: {FRAUD_RATE: "SUM(frauds) / NULLIF(SUM(labelled), 0)"},
}


@dataclass(frozen=True)
class Agg:
    """An aggregate of one column, e.g. ``Agg("SUM", "frauds")``."""

    function: str
    column: str

    @property
    def label(self) -> str:
        return f"{self.function}({self.column})"


Metric = Agg | str  # an aggregate, or the name of a dataset metric


@dataclass(frozen=True, kw_only=True)
class Chart:
    title: str
    dataset: Dataset
    viz_type: str  # echarts_timeseries_bar | echarts_timeseries_line | pie | table
    metrics: tuple[Metric, ...]
    x_axis: str | None = None  # bar and line charts
    groupby: tuple[str, ...] = ()
    row_limit: int = 1000
    width: int = 6  # of the dashboard's 12 columns
    description: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        """The dataset columns the chart's query selects (x-axis first)."""
        return ((self.x_axis,) if self.x_axis else ()) + self.groupby

    @property
    def temporal_x(self) -> bool:
        return self.x_axis is not None and dict(self.dataset.columns)[self.x_axis] in ("DATE", "TIMESTAMP")


CHARTS = (
    Chart(title="Daily transactions", dataset=DAILY, viz_type="echarts_timeseries_bar", x_axis="day",
          metrics=(Agg("SUM", "transactions"), Agg("SUM", "frauds")),
          description="Transactions loaded per day, and the frauds among them (labels arrive 7 days later)."),
    Chart(title="Daily fraud rate", dataset=DAILY, viz_type="echarts_timeseries_line", x_axis="day",
          metrics=(FRAUD_RATE,), description="Frauds / labelled transactions per day."),
    Chart(title="Frauds by scenario", dataset=BY_SCENARIO, viz_type="pie", groupby=("scenario_name",),
          metrics=(Agg("SUM", "frauds"),), description="Labelled frauds by the simulator's scenario."),
    Chart(title="Fraud rate by hour of day", dataset=HOURLY, viz_type="echarts_timeseries_bar",
          x_axis="hour_of_day", metrics=(FRAUD_RATE,), description="Frauds / labelled transactions per UTC hour."),
    Chart(title="Amount distribution: fraud vs legitimate", dataset=AMOUNTS, viz_type="echarts_timeseries_line",
          x_axis="amount_band", groupby=("outcome",), metrics=(Agg("SUM", "share"),),
          description="Share of each outcome's labelled transactions per amount band (last band: 300 and more)."),
    Chart(title="Riskiest terminals", dataset=TERMINALS, viz_type="table", groupby=("terminal_id",),
          metrics=(Agg("SUM", "frauds"), Agg("SUM", "transactions"), Agg("MAX", "fraud_rate")), row_limit=20,
          description="The 20 terminals with the most labelled frauds."),
    Chart(title="Model metrics by version", dataset=MODEL_METRICS, viz_type="echarts_timeseries_bar",
          x_axis="model_version",
          metrics=(Agg("MAX", "auc_roc"), Agg("MAX", "average_precision"), Agg("MAX", "card_precision_at_100")),
          description="Test-week AUC ROC, average precision and card precision@100 of every model."),
    Chart(title="Decisions by outcome and reason", dataset=DECISION_COUNTS, viz_type="echarts_timeseries_bar",
          x_axis="reason", groupby=("decision",), metrics=(Agg("SUM", "decisions"),),
          description="The stream's decisions (approve / review / block) by the reason given, over the days "
                      "decisions_daily counted; a decision with several reasons counts under each."),
)
